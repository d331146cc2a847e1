package org.smmuref.smmu.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.Command;
import org.smmuref.smmu.hw.CommandOpcode;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.EventRecord;
import org.smmuref.smmu.hw.EventType;

class QueueStructuresTest {
    private final StructureCodec codec = new StructureCodec(StructureRegistry.standard());

    @Test
    void every_command_and_event_layout_is_registered_beside_the_configuration_kinds() {
        StructureRegistry r = QueueStructures.register(StructureRegistry.configuration());
        assertThat(r.kinds()).contains("ste", "cmd_cfgi_ste", "cmd_sync", "evt_f_translation", "evt_f_walk_eabt");
        assertThat(r.layout("cmd_tlbi_s2_ipa")).isSameAs(CommandOpcode.TLBI_S2_IPA.layout());
        assertThat(r.layout("evt_f_permission")).isSameAs(EventType.F_PERMISSION.layout());
        assertThat(r.kinds()).hasSize(StructureRegistry.configuration().kinds().size() + CommandOpcode.values().length
            + EventType.values().length);
        assertThat(StructureRegistry.standard().kinds()).startsWith("cmd", "evt").contains("ste", "cmd_sync");
    }

    @Test
    void cmd_picks_the_layout_from_the_opcode_of_each_command() {
        for (Command command : List.of(Commands.cfgiSte(0x1234, true), Commands.tlbiNhAsid(5, 9),
                Commands.tlbiS12Vmall(7), Commands.syncMsi(0x4000_1000L, 0xabcd))) {
            long[] d = command.encode();
            Map<String, Long> fields = codec.decode("cmd", StructureCodec.toHex(d));
            CommandOpcode op = CommandOpcode.of((int) (d[0] & 0xff)).orElseThrow();
            assertThat(fields).isEqualTo(op.layout().decode(d));
            List<String> assignments = fields.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
            assertThat(codec.encode("cmd", assignments)).containsExactly(d);
        }
        assertThat(codec.decode("cmd", List.of("0x0000000500000011", "0")))
            .containsEntry("Opcode", 0x11L).containsEntry("VMID", 5L);
    }

    @Test
    void evt_picks_the_layout_from_the_event_id() {
        long[] d = EventRecord.builder(EventType.F_TRANSLATION).streamId(0x42).inputAddr(0x8080604567L).build()
            .encode();
        Map<String, Long> fields = codec.decode("evt", StructureCodec.toHex(d));
        assertThat(fields).containsEntry("EventID", 0x10L).containsEntry("StreamID", 0x42L)
            .containsEntry("InputAddr", 0x8080604567L);
        assertThat(codec.toText("evt", fields)).contains("InputAddr");
    }

    @Test
    void selecting_kinds_fail_clearly() {
        assertThatThrownBy(() -> codec.decode("cmd", List.of("0xff", "0"))).hasMessageContaining("Opcode 0xff");
        assertThatThrownBy(() -> codec.decode("evt", List.of("0", "0"))).hasMessageContaining("takes 4 dwords");
        assertThatThrownBy(() -> codec.encode("cmd", List.of("VMID=1"))).hasMessageContaining("needs Opcode=");
        assertThatThrownBy(() -> codec.encode("cmd", List.of("Opcode=0x46", "Nope=1"))).hasMessageContaining("Nope");
        assertThatThrownBy(() -> codec.encode("cmd", List.of("Opcode=0x146"))).hasMessageContaining("8 bits");
        assertThatThrownBy(() -> StructureRegistry.standard().layout("cmd")).hasMessageContaining("Opcode field");
    }
}
