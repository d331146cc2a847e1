package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.EventQueue.Outcome;
import org.smmuref.smmu.hw.EventRecord.EventClass;

class EventQueueTest {
    static final long RAM = 0x8000_0000L;

    PhysicalMemory memory;
    GlobalErrors errors;
    EventQueue queue;
    List<EventRecord> seen;
    int irqs;

    @BeforeEach
    void setUp() {
        memory = new PhysicalMemory().addRam(RAM, 0x10000);
        errors = new GlobalErrors();
        queue = new EventQueue(memory, SmmuFeatures.reference().build(), errors, () -> irqs++);
        seen = new ArrayList<>();
        queue.addListener(seen::add);
        queue.writeBase(RAM | 2); // 4 entries
        queue.setEnabled(true);
    }

    static EventRecord fault(int sid) {
        return EventRecord.builder(EventType.F_TRANSLATION).streamId(sid).inputAddr(0x1000L * sid).build();
    }

    @Test
    void records_are_written_at_prod_and_listeners_and_the_interrupt_are_told() {
        assertThat(queue.record(fault(1))).isEqualTo(Outcome.WRITTEN);
        assertThat(queue.record(fault(2))).isEqualTo(Outcome.WRITTEN);
        assertThat(queue.prod()).isEqualTo(2);
        assertThat(EventRecord.decode(memory.readLongs(RAM + 32, 4))).isEqualTo(fault(2));
        assertThat(seen).containsExactly(fault(1), fault(2));
        assertThat(irqs).isEqualTo(2);
    }

    @Test
    void overflow_loses_records_only_while_full_and_toggles_ovflg_once_per_episode() {
        for (int i = 0; i < 4; i++) {
            assertThat(queue.record(fault(i))).isEqualTo(Outcome.WRITTEN);
        }
        assertThat(queue.isFull()).isTrue();
        assertThat(queue.record(fault(10))).isEqualTo(Outcome.LOST);
        assertThat(queue.prod() & EventQueue.OVERFLOW_FLAG).isNotZero();
        assertThat(queue.record(fault(11))).isEqualTo(Outcome.LOST);
        assertThat(queue.prod() & EventQueue.OVERFLOW_FLAG).isNotZero(); // not toggled back in the same episode
        assertThat(queue.lostRecords()).isEqualTo(2);

        // Software consumes one entry but does not acknowledge: the next record fits, OVFLG stays.
        queue.writeCons(1);
        assertThat(queue.record(fault(12))).isEqualTo(Outcome.WRITTEN);
        assertThat(queue.overflowPending()).isTrue();

        // Acknowledge (OVACKFLG = OVFLG): a new overflow toggles OVFLG again.
        queue.writeCons(1 | EventQueue.OVERFLOW_FLAG);
        assertThat(queue.overflowPending()).isFalse();
        assertThat(queue.record(fault(13))).isEqualTo(Outcome.LOST);
        assertThat(queue.prod() & EventQueue.OVERFLOW_FLAG).isZero();
        assertThat(queue.overflowPending()).isTrue();
        assertThat(seen).hasSize(5);
    }

    @Test
    void a_disabled_queue_discards_without_ovflg() {
        queue.setEnabled(false);
        for (int i = 0; i < 6; i++) {
            assertThat(queue.record(fault(i))).isEqualTo(Outcome.DISCARDED);
        }
        assertThat(queue.prod()).isZero();
        assertThat(seen).isEmpty();
    }

    @Test
    void an_abort_writing_the_queue_raises_eventq_abt_err() {
        queue.setEnabled(false);
        queue.writeBase(0x1_0000_0000L | 2); // no RAM there
        queue.setEnabled(true);
        assertThat(queue.record(fault(1))).isEqualTo(Outcome.ABORTED);
        assertThat(errors.isActive(GlobalErrors.EVENTQ_ABT_ERR)).isTrue();
        assertThat(queue.prod()).isZero();
        assertThat(seen).isEmpty();
    }

    @Test
    void a_stalled_record_is_held_while_full_and_written_when_software_frees_an_entry() {
        for (int i = 0; i < 4; i++) {
            queue.record(fault(i));
        }
        EventRecord stalled = EventRecord.builder(EventType.F_PERMISSION).streamId(9).stalled(7)
            .stage(false, EventClass.IN).build();
        assertThat(queue.record(stalled)).isEqualTo(Outcome.HELD);
        assertThat(queue.overflowPending()).isFalse();
        queue.writeCons(1);
        assertThat(seen).last().isEqualTo(stalled);
        assertThat(EventRecord.decode(memory.readLongs(RAM, 4))).isEqualTo(stalled);
    }

    @Test
    void identical_records_merge_under_mev_until_software_consumes_them() {
        EventRecord a = EventRecord.builder(EventType.F_TRANSLATION).streamId(1).inputAddr(0x5000).build();
        EventRecord b = EventRecord.builder(EventType.F_TRANSLATION).streamId(1).inputAddr(0x5ABC).build();
        EventRecord c = EventRecord.builder(EventType.F_TRANSLATION).streamId(1).inputAddr(0x6000).build();
        assertThat(queue.record(a, true)).isEqualTo(Outcome.WRITTEN);
        assertThat(queue.record(b, true)).isEqualTo(Outcome.MERGED);
        assertThat(queue.record(b, false)).isEqualTo(Outcome.WRITTEN);
        assertThat(queue.record(c, true)).isEqualTo(Outcome.WRITTEN);
        queue.writeCons(3);
        assertThat(queue.record(c, true)).isEqualTo(Outcome.WRITTEN); // consumed: nothing to merge into
    }

    @Test
    void base_and_prod_are_guarded_by_eventqen_and_log2size_is_capped() {
        assertThat(queue.writeBase(RAM + 0x1000)).isFalse();
        assertThat(queue.writeProd(3)).isFalse();
        queue.setEnabled(false);
        assertThat(queue.writeProd(3)).isTrue();
        queue.writeBase(RAM | 31);
        assertThat(queue.log2Size()).isEqualTo(19);
    }

    // ---- record layout (smmuv3.md section 5) --------------------------------------------------------------------

    @Test
    void record_fields_sit_at_the_spec_bit_positions() {
        EventRecord r = EventRecord.builder(EventType.F_PERMISSION).streamId(0x12345678).substreamId(0xABCDE)
            .stalled(0xBEEF).access(new Access(false, true, true)).stage(true, EventClass.TT).tableRead(true)
            .inputAddr(0xFFFF_8000_1234_5678L).ipa(0x00AB_CDEF_1234_5FFFL).build();
        long[] d = r.encode();
        assertThat(d[0]).isEqualTo(0x13L | 1L << 11 | 0xABCDEL << 12 | 0x12345678L << 32);
        assertThat(d[1]).isEqualTo(0xBEEFL | 1L << 31 | 1L << 33 | 1L << 34 | 1L << 35 | 1L << 39 | 1L << 40
            | 1L << 44);
        assertThat(d[2]).isEqualTo(0xFFFF_8000_1234_5678L);
        assertThat(d[3]).isEqualTo(0x00AB_CDEF_1234_5000L); // IPA[55:12]
        assertThat(EventRecord.decode(d)).isEqualTo(r);
    }

    @Test
    void fetch_abort_records_carry_fetch_addr_55_3() {
        EventRecord r = EventRecord.builder(EventType.F_STE_FETCH).streamId(3).fetchAddr(0x00FF_1234_5678_9ABFL)
            .build();
        long[] d = r.encode();
        assertThat(d[0]).isEqualTo(0x03L | 3L << 32);
        assertThat(d[3]).isEqualTo(0x00FF_1234_5678_9AB8L);
        assertThat(EventRecord.decode(d)).isEqualTo(r);
        EventRecord walk = EventRecord.builder(EventType.F_WALK_EABT).streamId(4).access(Access.WRITE)
            .stage(true, EventClass.CD).inputAddr(0x7000).fetchAddr(0x9000_0008L).build();
        assertThat(EventRecord.decode(walk.encode())).isEqualTo(walk);
        assertThat(walk.encode()[1]).isEqualTo(1L << 39); // write: RnW = 0; CLASS = CD (00)
    }

    @Test
    void every_event_type_round_trips_with_its_id() {
        for (EventType t : EventType.values()) {
            EventRecord.Builder b = EventRecord.builder(t).streamId(0x77).substreamId(5);
            if (t.has("InputAddr")) {
                b.inputAddr(0x1234_5000L);
            }
            if (t.has("FetchAddr")) {
                b.fetchAddr(0x8888_0000L);
            }
            if (t.has("RnW")) {
                b.read(true);
            }
            EventRecord r = b.build();
            long[] d = r.encode();
            assertThat(d[0] & 0xFF).as(t.name()).isEqualTo(t.code());
            assertThat(EventRecord.decode(d)).as(t.name()).isEqualTo(r);
        }
        assertThat(EventType.F_UUT.code()).isEqualTo(0x01);
        assertThat(EventType.F_WALK_EABT.code()).isEqualTo(0x0B);
        assertThat(EventType.F_TRANSLATION.code()).isEqualTo(0x10);
        assertThat(EventType.F_PERMISSION.code()).isEqualTo(0x13);
        assertThat(EventType.F_VMS_FETCH.code()).isEqualTo(0x25);
    }

    @Test
    void records_refuse_fields_their_type_does_not_carry() {
        assertThatThrownBy(() -> EventRecord.builder(EventType.C_BAD_STE).inputAddr(0x1000).build())
            .hasMessageContaining("C_BAD_STE has no field InputAddr");
        assertThatThrownBy(() -> EventRecord.builder(EventType.F_STE_FETCH).ipa(0x1000).build())
            .hasMessageContaining("IPA");
        assertThatThrownBy(() -> EventRecord.decode(new long[] {0xFF, 0, 0, 0})).hasMessageContaining("EventID");
    }
}
