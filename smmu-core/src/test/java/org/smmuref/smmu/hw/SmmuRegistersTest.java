package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smmuref.smmu.hw.SmmuRegisters.*;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.QueueFixtures.RecordingHandler;
import org.smmuref.smmu.hw.QueueFixtures.RecordingSink;

class SmmuRegistersTest {
    static final long RAM = 0x4000_0000L;

    SmmuFeatures features;
    PhysicalMemory memory;
    RecordingHandler handler;
    RecordingSink sink;
    SmmuRegisters regs;

    @BeforeEach
    void setUp() {
        build(SmmuFeatures.reference().build());
    }

    void build(SmmuFeatures f) {
        features = f;
        memory = new PhysicalMemory().addRam(RAM, 0x10000);
        handler = new RecordingHandler();
        sink = new RecordingSink();
        regs = new SmmuRegisters(f, memory, handler, sink);
    }

    @Test
    void idrs_iidr_and_aidr_read_the_features_and_ignore_writes() {
        for (int n = 0; n < 6; n++) {
            assertThat(regs.read32(IDR0 + 4L * n)).isEqualTo(features.idr(n));
        }
        assertThat(regs.read32(AIDR)).isEqualTo(features.aidr());
        regs.write32(IDR0, 0);
        assertThat(regs.read32(IDR0)).isEqualTo(features.idr(0));
    }

    @Test
    void cr0ack_follows_cr0_with_reserved_and_unsupported_bits_cleared() {
        regs.write32(CR0, 0xFFFF_FFFF);
        // reference(): no PRI, no ATS, no VMW, no DPT.
        assertThat(regs.read32(CR0)).isEqualTo(CR0_SMMUEN | CR0_EVENTQEN | CR0_CMDQEN);
        assertThat(regs.read32(CR0ACK)).isEqualTo(regs.read32(CR0));
        assertThat(regs.smmuEnabled()).isTrue();
        build(SmmuFeatures.reference().ats(true).pri(true).vmw(true).build());
        regs.write32(CR0, 0xFFFF_FFFF);
        assertThat(regs.read32(CR0ACK)).isEqualTo(0x1DF);
        assertThat(regs.atsCheck()).isTrue();
        assertThat(regs.vmidWildcard()).isEqualTo(7);
    }

    @Test
    void stream_table_and_cr2_writes_are_ignored_while_smmuen() {
        regs.write64(STRTAB_BASE, 0x4000_1000L | 1L << 62 | 0x3F);
        regs.write32(STRTAB_BASE_CFG, 0x1_0000 | 8 << 6 | 16);
        regs.write32(CR2, CR2_PTM | CR2_RECINVSID | CR2_E2H);
        assertThat(regs.strtabBaseAddress()).isEqualTo(0x4000_1000L);
        assertThat(regs.read64(STRTAB_BASE)).isEqualTo(0x4000_1000L | 1L << 62); // low bits RES0
        assertThat(regs.strtabFormat()).isEqualTo(1);
        assertThat(regs.strtabSplit()).isEqualTo(8);
        assertThat(regs.strtabLog2Size()).isEqualTo(16);
        assertThat(regs.privateTlbMaintenance()).isTrue();
        assertThat(regs.e2h()).isTrue();

        regs.write32(CR0, CR0_SMMUEN);
        regs.write64(STRTAB_BASE, 0x4000_2000L);
        regs.write32(STRTAB_BASE + 4, 0x1);
        regs.write32(STRTAB_BASE_CFG, 0);
        regs.write32(CR2, 0);
        regs.write32(CR1, 0xFFF);
        assertThat(regs.strtabBaseAddress()).isEqualTo(0x4000_1000L);
        assertThat(regs.strtabBaseCfg()).isEqualTo(0x1_0000 | 8 << 6 | 16);
        assertThat(regs.privateTlbMaintenance()).isTrue();
        assertThat(regs.cr1()).isEqualTo(CR1_QUEUE_MASK); // queues off: QUEUE_* writable, TABLE_* not
    }

    @Test
    void cr2_e2h_needs_hyp() {
        build(SmmuFeatures.reference().hyp(false).build());
        regs.write32(CR2, 0xF);
        assertThat(regs.cr2()).isEqualTo(CR2_RECINVSID | CR2_PTM | CR2_REC_CFG_ATS);
    }

    @Test
    void queue_bases_are_writable_only_while_their_queue_is_disabled() {
        regs.write64(CMDQ_BASE, RAM | 4);
        regs.write64(EVENTQ_BASE, RAM + 0x1000 | 1L << 62 | 3);
        regs.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN);
        regs.write64(CMDQ_BASE, RAM + 0x2000);
        regs.write32(EVENTQ_BASE, 0);
        assertThat(regs.read64(CMDQ_BASE)).isEqualTo(RAM | 4);
        assertThat(regs.read64(EVENTQ_BASE)).isEqualTo(RAM + 0x1000 | 1L << 62 | 3);
        regs.write32(CR1, 0);
        assertThat(regs.cr1()).isZero(); // nothing written: queues on, SMMUEN off leaves TABLE_* (already 0)
    }

    @Test
    void gbpa_changes_only_with_update_and_update_completes_at_once() {
        assertThat(regs.read32(GBPA)).isEqualTo(GBPA_RESET);
        regs.write32(GBPA, GBPA_ABORT);
        assertThat(regs.gbpaAbort()).isFalse();
        regs.write32(GBPA, GBPA_UPDATE | GBPA_ABORT);
        assertThat(regs.gbpaAbort()).isTrue();
        assertThat(regs.read32(GBPA)).isEqualTo(GBPA_ABORT);
    }

    @Test
    void gerror_toggle_protocol_stops_and_resumes_the_command_queue() {
        regs.write64(CMDQ_BASE, RAM | 3);
        memory.writeLongs(RAM, 0x47, 0); // reserved opcode
        memory.writeLongs(RAM + 16, Commands.cfgiAll().encode());
        regs.write32(IRQ_CTRL, Interrupts.GERROR_IRQEN);
        regs.write32(CR0, CR0_CMDQEN);
        regs.write32(CMDQ_PROD, 2);
        assertThat(regs.read32(GERROR) ^ regs.read32(GERRORN)).isEqualTo(1 << GlobalErrors.CMDQ_ERR);
        assertThat(regs.read32(CMDQ_CONS)).isEqualTo(CommandError.CERROR_ILL.code() << 24);
        assertThat(sink.wired).containsExactly(InterruptSink.Line.GERROR);
        assertThat(regs.read32(GERROR)).isEqualTo(1);

        regs.write32(GERROR, 0); // read-only
        assertThat(regs.read32(GERROR)).isEqualTo(1);
        regs.write32(GERRORN, 0x4); // toggles an inactive error: ignored
        assertThat(regs.read32(GERRORN)).isZero();

        memory.writeLongs(RAM, Commands.cfgiSte(1).encode());
        regs.write32(GERRORN, regs.read32(GERROR));
        assertThat(regs.read32(GERROR) ^ regs.read32(GERRORN)).isZero();
        assertThat(handler.calls).containsExactly(Commands.cfgiSte(1), Commands.cfgiAll());
        assertThat(regs.read32(CMDQ_CONS) & 0xFFFFF).isEqualTo(2);
    }

    @Test
    void eventq_prod_and_cons_live_in_page_1_and_page_0_does_not_alias_them() {
        regs.write64(EVENTQ_BASE, RAM | 2);
        regs.write32(EVENTQ_PROD, 1);
        assertThat(regs.read32(EVENTQ_PROD)).isEqualTo(1);
        assertThat(regs.eventQueue().prod()).isEqualTo(1);
        regs.write32(EVENTQ_CONS, 1);
        assertThat(regs.read32(0x100AC)).isEqualTo(1);
        assertThat(regs.read32(0xA8)).isZero();
        regs.write32(0xAC, 3);
        assertThat(regs.eventQueue().cons()).isEqualTo(1);
        regs.write32(CR0, CR0_EVENTQEN);
        regs.eventQueue().record(EventRecord.of(EventType.C_BAD_STE, 5));
        assertThat(regs.read32(EVENTQ_PROD)).isEqualTo(2);
    }

    @Test
    void the_eventq_interrupt_is_an_msi_when_configured_and_enabled() {
        regs.write64(EVENTQ_BASE, RAM | 2);
        regs.write64(EVENTQ_IRQ_CFG0, RAM + 0x800);
        regs.write32(EVENTQ_IRQ_CFG1, 0x77);
        regs.write32(CR0, CR0_EVENTQEN);
        regs.eventQueue().record(EventRecord.of(EventType.C_BAD_STE, 5));
        assertThat(memory.readInt(RAM + 0x800)).isZero(); // EVENTQ_IRQEN is off
        regs.write32(IRQ_CTRL, Interrupts.EVENTQ_IRQEN);
        assertThat(regs.read32(IRQ_CTRLACK)).isEqualTo(Interrupts.EVENTQ_IRQEN);
        regs.write32(EVENTQ_IRQ_CFG1, 0x99); // ignored while enabled
        regs.eventQueue().record(EventRecord.of(EventType.C_BAD_STE, 6));
        assertThat(memory.readInt(RAM + 0x800)).isEqualTo(0x77);
    }

    @Test
    void priq_registers_are_raz_wi_without_pri() {
        regs.write64(PRIQ_BASE, RAM | 3);
        regs.write32(PRIQ_PROD, 5);
        assertThat(regs.read64(PRIQ_BASE)).isZero();
        assertThat(regs.read32(PRIQ_PROD)).isZero();
        build(SmmuFeatures.reference().ats(true).pri(true).priqs(4).build());
        regs.write64(PRIQ_BASE, RAM | 3);
        assertThat(regs.read64(PRIQ_BASE)).isEqualTo(RAM | 3);
    }

    @Test
    void unknown_offsets_are_raz_wi_and_bad_accesses_are_refused() {
        regs.write32(0x400, 0x1234);
        assertThat(regs.read32(0x400)).isZero();
        assertThat(regs.read32(0x1_0000)).isZero();
        assertThatThrownBy(() -> regs.read(0x22, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> regs.read(0x20, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> regs.read(0x20000, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_64_bit_access_to_a_32_bit_pair_acts_on_both() {
        regs.write64(CMDQ_BASE, RAM | 3);
        regs.write64(CMDQ_PROD, 0L); // PROD = 0, CONS = 0 (queue disabled)
        assertThat(regs.read64(CMDQ_PROD)).isZero();
        regs.write64(CR0, (long) CR0_SMMUEN << 32); // CR0 = 0, CR0ACK read-only
        assertThat(regs.read64(CR0)).isZero();
    }
}
