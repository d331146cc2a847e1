package org.smmuref.smmu.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.EventType;
import org.smmuref.smmu.hw.InterruptSink;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.SmmuRegisters;

/** The bare-metal console: bring-up, STE writes, command submission and its errors, event reading. */
class MmioConsoleTest {
    static final long RAM = 0x4000_0000L;
    static final MmioConsole.Layout LAYOUT = new MmioConsole.Layout(RAM + 0x10_0000, 4, RAM + 0x20_0000, 4,
        RAM + 0x30_0000, 3);

    static MmioConsole console(SmmuFeatures features) {
        PhysicalMemory memory = new PhysicalMemory().addRam(RAM, 0x100_0000);
        Smmu smmu = new Smmu(features, memory, new InterruptSink() {
            @Override
            public void wired(Line line) {
            }

            @Override
            public void sendEvent() {
            }
        });
        return new MmioConsole(smmu, memory, LAYOUT, SmmuRegisters.CR2_RECINVSID);
    }

    @Test
    void brings_the_smmu_up_enabled_with_its_queues() {
        MmioConsole c = console(SmmuFeatures.reference().build());
        int cr0 = SmmuRegisters.CR0_SMMUEN | SmmuRegisters.CR0_CMDQEN | SmmuRegisters.CR0_EVENTQEN;
        assertThat(c.smmu().read32(SmmuRegisters.CR0ACK)).isEqualTo(cr0);
        c.submitSync(Commands.cfgiAll());
        assertThat(c.smmu().read32(SmmuRegisters.CMDQ_CONS)).isEqualTo(c.smmu().read32(SmmuRegisters.CMDQ_PROD));
    }

    @Test
    void a_command_the_smmu_refuses_stops_the_queue_and_is_reported() {
        MmioConsole c = console(SmmuFeatures.reference().hyp(false).build());
        assertThatThrownBy(() -> c.submitSync(Commands.tlbiEl2All())).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("command queue stopped").hasMessageContaining("GERROR");
    }

    @Test
    void events_are_read_back_from_queue_memory_and_consumed() {
        MmioConsole c = console(SmmuFeatures.reference().build());
        c.writeSte(3, Map.of("V", 1L, "Config", 0b100L)); // bypass
        assertThat(c.smmu().translate(3, Smmu.NO_SUBSTREAM, 0x1234, Access.READ).proceeds()).isTrue();
        assertThat(c.events()).isEmpty();
        c.smmu().translate(1 << 4, Smmu.NO_SUBSTREAM, 0x1000, Access.READ); // beyond the 16-entry stream table
        assertThat(c.events()).singleElement().satisfies(e -> assertThat(e.type()).isEqualTo(EventType.C_BAD_STREAMID));
        assertThat(c.events()).isEmpty();
    }

    @Test
    void an_ste_outside_the_stream_table_is_refused() {
        MmioConsole c = console(SmmuFeatures.reference().build());
        assertThatThrownBy(() -> c.writeSte(16, Map.of("V", 1L))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("16-entry");
    }
}
