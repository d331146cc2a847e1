package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.QueueFixtures.RecordingHandler;
import org.smmuref.smmu.hw.QueueFixtures.RecordingSink;

class CommandQueueTest {
    static final long RAM = 0x4000_0000L;
    static final long QUEUE = RAM; // 8 entries (LOG2SIZE 3)
    static final long MSI_TARGET = RAM + 0x8000;

    PhysicalMemory memory;
    GlobalErrors errors;
    RecordingHandler handler;
    RecordingSink sink;
    Interrupts interrupts;
    CommandQueue queue;

    @BeforeEach
    void setUp() {
        build(SmmuFeatures.reference().build());
    }

    void build(SmmuFeatures features) {
        memory = new PhysicalMemory().addRam(RAM, 0x10000);
        errors = new GlobalErrors();
        handler = new RecordingHandler();
        sink = new RecordingSink();
        interrupts = new Interrupts(features, memory, sink, errors);
        queue = new CommandQueue(memory, new CommandDecoder(features), handler, errors, interrupts::signalSync);
        assertThat(queue.writeBase(QUEUE | 3)).isTrue();
        queue.setEnabled(true);
    }

    void put(int index, Command c) {
        put(index, c.encode());
    }

    void put(int index, long[] dwords) {
        memory.writeLongs(QUEUE + (long) (index & 7) * 16, dwords);
    }

    @Test
    void writing_prod_consumes_every_command_in_order_and_cons_follows() {
        put(0, Commands.cfgiSte(1));
        put(1, Commands.tlbiNhAsid(2, 3));
        put(2, Commands.sync());
        queue.writeProd(3);
        assertThat(handler.calls).containsExactly(Commands.cfgiSte(1), new TlbInvalidation.NhAsid(2, 3, false), "SYNC");
        assertThat(queue.cons()).isEqualTo(3);
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void indices_wrap_with_the_wrap_bit() {
        for (int i = 0; i < 8; i++) {
            put(i, Commands.cfgiSte(i));
        }
        queue.writeProd(6);
        assertThat(queue.cons()).isEqualTo(6);
        for (int i = 6; i < 14; i++) {
            put(i, Commands.cfgiSte(100 + i));
        }
        queue.writeProd(14 & 0xF); // index 6 with the wrap bit set
        assertThat(queue.cons()).isEqualTo(14);
        assertThat(handler.calls).hasSize(14).last().isEqualTo(Commands.cfgiSte(113));
    }

    @Test
    void full_and_empty_are_told_apart_by_the_wrap_bit() {
        queue.setEnabled(false);
        queue.writeProd(8); // wrap bit differs, index equal: full
        assertThat(queue.isFull()).isTrue();
        assertThat(queue.isEmpty()).isFalse();
        assertThat(handler.calls).isEmpty();
        queue.writeProd(0);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.isFull()).isFalse();
    }

    @Test
    void a_disabled_queue_consumes_nothing_and_enabling_it_consumes() {
        queue.setEnabled(false);
        put(0, Commands.cfgiAll());
        queue.writeProd(1);
        assertThat(handler.calls).isEmpty();
        queue.setEnabled(true);
        assertThat(handler.calls).containsExactly(Commands.cfgiAll());
    }

    @Test
    void an_illegal_command_stops_the_queue_with_cons_at_it_and_resumes_after_gerrorn() {
        List<Integer> gerrorSeenWithErr = new ArrayList<>();
        errors.addRaiseListener(bit -> gerrorSeenWithErr.add(queue.cons() >>> 24));
        put(0, Commands.cfgiSte(1));
        put(1, new long[] {0x47, 0}); // reserved opcode
        put(2, Commands.cfgiSte(3));
        queue.writeProd(3);
        assertThat(handler.calls).containsExactly(Commands.cfgiSte(1));
        assertThat(queue.cons() & 0xF).isEqualTo(1);
        assertThat(queue.consError()).isEqualTo(CommandError.CERROR_ILL);
        assertThat(errors.isActive(GlobalErrors.CMDQ_ERR)).isTrue();
        assertThat(gerrorSeenWithErr).containsExactly(CommandError.CERROR_ILL.code()); // ERR set before the toggle

        // Nothing is consumed while CMDQ_ERR is active, even after fixing the entry and writing PROD again.
        put(1, Commands.cfgiSte(2));
        put(3, Commands.sync());
        queue.writeProd(4);
        assertThat(handler.calls).containsExactly(Commands.cfgiSte(1));

        errors.writeGerrorn(errors.gerror()); // acknowledge
        assertThat(handler.calls).containsExactly(Commands.cfgiSte(1), Commands.cfgiSte(2), Commands.cfgiSte(3),
            "SYNC");
        assertThat(queue.cons() & 0xF).isEqualTo(4);
    }

    @Test
    void an_external_abort_fetching_a_command_is_cerror_abt() {
        queue.setEnabled(false);
        queue.writeBase(RAM + 0x10000 | 3); // just past RAM
        queue.setEnabled(true);
        queue.writeProd(1);
        assertThat(queue.consError()).isEqualTo(CommandError.CERROR_ABT);
        assertThat(queue.cons() & 0xF).isZero();
        assertThat(errors.isActive(GlobalErrors.CMDQ_ERR)).isTrue();
        assertThat(handler.calls).isEmpty();
    }

    @Test
    void an_atc_invalidation_timeout_stops_at_the_sync() {
        handler.nextSync = CommandHandler.SyncOutcome.ATC_INV_TIMEOUT;
        put(0, Commands.syncMsi(MSI_TARGET, 1));
        queue.writeProd(1);
        assertThat(queue.consError()).isEqualTo(CommandError.CERROR_ATC_INV_SYNC);
        assertThat(queue.cons() & 0xF).isZero();
        assertThat(memory.readInt(MSI_TARGET)).isZero(); // an incomplete SYNC signals nothing
    }

    @Test
    void cmd_sync_with_sig_irq_writes_its_msi_after_earlier_commands() {
        List<Object> orderAtMsi = new ArrayList<>();
        put(0, Commands.tlbiNsnhAll());
        put(1, Commands.syncMsi(MSI_TARGET, 0xCAFE));
        queue.writeProd(2);
        orderAtMsi.addAll(handler.calls);
        assertThat(memory.readInt(MSI_TARGET)).isEqualTo(0xCAFE);
        assertThat(orderAtMsi).containsExactly(new TlbInvalidation.NsnhAll(), "SYNC");
        assertThat(sink.wired).isEmpty();
    }

    @Test
    void cmd_sync_with_sig_irq_and_no_msi_address_pulses_the_wired_line() {
        put(0, Commands.syncMsi(0, 5));
        queue.writeProd(1);
        assertThat(sink.wired).containsExactly(InterruptSink.Line.CMD_SYNC);
    }

    @Test
    void cmd_sync_without_idr0_msi_uses_the_wired_line_even_with_an_address() {
        build(SmmuFeatures.reference().msi(false).build());
        put(0, Commands.syncMsi(MSI_TARGET, 5));
        queue.writeProd(1);
        assertThat(sink.wired).containsExactly(InterruptSink.Line.CMD_SYNC);
        assertThat(memory.readInt(MSI_TARGET)).isZero();
    }

    @Test
    void an_aborting_sync_msi_raises_msi_cmdq_abt_err_but_completes() {
        put(0, Commands.syncMsi(0x10_0000_0000L, 5));
        queue.writeProd(1);
        assertThat(errors.isActive(GlobalErrors.MSI_CMDQ_ABT_ERR)).isTrue();
        assertThat(queue.cons()).isEqualTo(1);
    }

    @Test
    void cmd_sync_sig_sev_sends_an_event_only_with_idr0_sev() {
        put(0, Commands.syncSev());
        queue.writeProd(1);
        assertThat(sink.events).isEqualTo(1);
        build(SmmuFeatures.reference().sev(false).build());
        put(0, Commands.syncSev());
        queue.writeProd(1);
        assertThat(sink.events).isZero();
        assertThat(sink.wired).isEmpty();
        assertThat(queue.cons()).isEqualTo(1);
    }

    @Test
    void base_is_read_only_while_enabled_and_log2size_is_capped_by_cmdqs() {
        assertThat(queue.writeBase(RAM + 0x1000 | 3)).isFalse();
        assertThat(queue.baseAddress()).isEqualTo(QUEUE);
        assertThat(queue.writeCons(5)).isFalse();
        build(SmmuFeatures.reference().cmdqs(2).build());
        queue.setEnabled(false);
        queue.writeBase(QUEUE | 7);
        assertThat(queue.base() & 0x1F).isEqualTo(7);
        assertThat(queue.log2Size()).isEqualTo(2);
    }

    /** A queue operation in the property test: software writes commands and PROD, or injects a bad entry. */
    record Op(int kind, int count) {
    }

    @Test
    void random_prod_sequences_keep_the_queue_invariants() {
        qt().withExamples(200).withShrinkCycles(200)
            .forAll(lists().of(integers().between(0, 3 * 16 - 1).map(v -> new Op(v / 16, v % 16)))
                .ofSizeBetween(1, 40))
            .checkAssert(this::replay);
    }

    /**
     * Reference model: software keeps its own producer index, never overfills (count limited to free slots), and
     * acknowledges errors after repairing the entry. Invariants: CONS never passes PROD, commands are executed
     * exactly once in order, and an error leaves CONS at the bad entry.
     */
    private void replay(List<Op> ops) {
        setUp();
        int prod = 0;
        int nextSid = 0;
        List<Object> expected = new ArrayList<>();
        for (Op op : ops) {
            int used = (prod - queue.cons()) & 0xF;
            int free = 8 - used;
            int n = Math.min(op.count(), free);
            boolean bad = op.kind() == 2 && n > 0;
            for (int i = 0; i < n; i++) {
                if (bad && i == n - 1) {
                    put(prod, new long[] {0x47, 0});
                } else {
                    put(prod, Commands.cfgiSte(nextSid));
                    expected.add(Commands.cfgiSte(nextSid++));
                }
                prod = (prod + 1) & 0xF;
            }
            queue.writeProd(prod);
            if (bad) {
                int badIndex = (prod - 1) & 0xF;
                assertThat(queue.cons() & 0xF).isEqualTo(badIndex);
                assertThat(queue.consError()).isEqualTo(CommandError.CERROR_ILL);
                put(badIndex, Commands.cfgiSte(nextSid));
                expected.add(Commands.cfgiSte(nextSid++));
                if (op.kind() == 2) {
                    errors.writeGerrorn(errors.gerror());
                }
            }
            assertThat(errors.isActive(GlobalErrors.CMDQ_ERR)).isFalse();
            assertThat(queue.cons() & 0xF).isEqualTo(prod);
            assertThat(handler.calls).isEqualTo(expected);
        }
    }
}
