package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The stall model (SMMU 3.12.2; commands 4.7.1 CMD_RESUME, 4.7.2 CMD_STALL_TERM) through the stall-capable DMA port:
 * a translation-related fault on a CD.S = 1 (or STE.S2S = 1) stream records an event with Stall = 1 and a STAG and
 * the transaction waits, with a bounded wait, for software's answer.
 */
class SmmuStallTest {
    static final int SID = 5;
    static final int OTHER = 6;
    static final long VA = 0x7000_0000L;

    final SmmuBed bed = new SmmuBed(SmmuFeatures.reference().stallModel(SmmuFeatures.STALL_MODEL_STALL_AND_TERMINATE).build());
    final PageTableBuilder s1 = bed.s1();

    void stallingStream(int sid, long cdPa) {
        Map<String, Long> cd = SmmuBed.cd(s1, 3);
        cd.put("S", 1L);
        bed.writeCd(cdPa, cd);
        bed.writeSte(sid, SmmuBed.s1Ste(cdPa, 1));
    }

    PendingDma stalled(int sid) {
        PendingDma p = bed.smmu.translateStallable(sid, Smmu.NO_SUBSTREAM, VA, Access.WRITE);
        assertThat(p.isDone()).isFalse();
        return p;
    }

    @Test
    void a_fault_on_a_cd_s_stream_stalls_with_an_event_and_a_retry_after_the_fix_completes_smmu_3_12_2() throws Exception {
        stallingStream(SID, SmmuBed.CDS);
        PendingDma p = stalled(SID);
        EventRecord e = bed.event();
        assertThat(e.type()).isEqualTo(EventType.F_TRANSLATION);
        assertThat(e.stall()).isTrue();
        assertThat(e.stag()).isEqualTo(p.stag());
        assertThat(e.read()).isFalse();
        assertThat(p.await(10, TimeUnit.MILLISECONDS)).as("still stalled: the wait is bounded").isNull();
        s1.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("rwu"));
        bed.submitSync(new Command.Resume(SID, p.stag(), true, false));
        DmaOutcome o = p.await(1, TimeUnit.SECONDS);
        assertThat(o).isInstanceOfSatisfying(DmaOutcome.Translated.class,
            t -> assertThat(t.outputAddress()).isEqualTo(SmmuBed.TARGET));
        assertThat(bed.smmu.stalledTransactions()).isZero();
        assertThat(bed.events()).isEmpty();
    }

    @Test
    void a_retry_that_faults_again_stalls_again_with_a_new_stag_smmu_4_7_1() throws Exception {
        stallingStream(SID, SmmuBed.CDS);
        PendingDma p = stalled(SID);
        int first = p.stag();
        bed.event();
        bed.submitSync(new Command.Resume(SID, first, true, false));
        assertThat(p.isDone()).isFalse();
        assertThat(p.stallCount()).isEqualTo(2);
        assertThat(p.stag()).isNotEqualTo(first);
        assertThat(bed.event().stag()).isEqualTo(p.stag());
    }

    @Test
    void resume_terminate_aborts_with_ab_and_is_raz_wi_without_and_a_wrong_stag_is_ignored_smmu_4_7_1()
        throws Exception {
        stallingStream(SID, SmmuBed.CDS);
        PendingDma a = stalled(SID);
        PendingDma b = stalled(SID);
        bed.events();
        bed.submitSync(new Command.Resume(SID, (a.stag() + 100) & 0xFFFF, false, true));
        bed.submitSync(new Command.Resume(OTHER, a.stag(), false, true));
        assertThat(a.isDone() || b.isDone()).as("no stall matched").isFalse();
        bed.submitSync(new Command.Resume(SID, a.stag(), false, true));
        bed.submitSync(new Command.Resume(SID, b.stag(), false, false));
        assertThat(a.await(1, TimeUnit.SECONDS)).isInstanceOf(DmaOutcome.Aborted.class);
        assertThat(b.await(1, TimeUnit.SECONDS)).isInstanceOf(DmaOutcome.RazWi.class);
    }

    @Test
    void stall_term_aborts_every_stall_of_its_stream_only_smmu_4_7_2() throws Exception {
        stallingStream(SID, SmmuBed.CDS);
        stallingStream(OTHER, SmmuBed.CDS + 0x100);
        PendingDma a = stalled(SID);
        PendingDma b = stalled(SID);
        PendingDma other = stalled(OTHER);
        bed.submitSync(new Command.StallTerm(SID));
        assertThat(a.await(1, TimeUnit.SECONDS)).isInstanceOf(DmaOutcome.Aborted.class);
        assertThat(b.await(1, TimeUnit.SECONDS)).isInstanceOf(DmaOutcome.Aborted.class);
        assertThat(other.isDone()).isFalse();
        assertThat(bed.smmu.stalledTransactions()).isEqualTo(1);
    }

    @Test
    void invalidation_and_sync_pass_a_stall_by_and_a_retry_after_an_ste_change_uses_the_new_ste_smmu_3_12_2()
        throws Exception {
        stallingStream(SID, SmmuBed.CDS);
        PendingDma p = stalled(SID);
        bed.submitSync(new Command.TlbiNsnhAll(), new Command.CfgiAll());
        assertThat(p.isDone()).as("a CMD_SYNC does not wait for, or end, a stall").isFalse();
        bed.writeSte(SID, Map.of("V", 1L, "Config", 0b100L)); // bypass now
        bed.submitSync(new Command.CfgiSte(SID, true), new Command.Resume(SID, p.stag(), true, false));
        assertThat(p.await(1, TimeUnit.SECONDS)).isInstanceOfSatisfying(DmaOutcome.Bypassed.class,
            o -> assertThat(o.address()).isEqualTo(VA));
    }

    @Test
    void the_other_ports_never_stall_they_record_and_terminate_smmu_3_12_2() {
        stallingStream(SID, SmmuBed.CDS);
        assertThat(bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ)).isInstanceOf(DmaOutcome.Aborted.class);
        EventRecord e = bed.event();
        assertThat(e.stall()).isFalse();
        assertThat(bed.smmu.stalledTransactions()).isZero();
    }

    @Test
    void a_stage_2_fault_stalls_with_s2s_smmu_3_12_2() throws Exception {
        PageTableBuilder s2 = bed.s2();
        Map<String, Long> ste = SmmuBed.s2Ste(s2, 4);
        ste.put("S2S", 1L);
        bed.writeSte(SID, ste);
        PendingDma p = bed.smmu.translateStallable(SID, Smmu.NO_SUBSTREAM, VA, Access.READ);
        assertThat(p.isDone()).isFalse();
        EventRecord e = bed.event();
        assertThat(e.stage2()).isTrue();
        assertThat(e.stall()).isTrue();
        s2.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("r"));
        bed.submitSync(new Command.TlbiS12Vmall(4), new Command.Resume(SID, p.stag(), true, false));
        assertThat(p.await(1, TimeUnit.SECONDS)).isInstanceOf(DmaOutcome.Translated.class);
    }

    @Test
    void a_stall_whose_record_cannot_be_written_is_aborted_instead_smmu_3_12_2() throws Exception {
        stallingStream(SID, SmmuBed.CDS);
        bed.writeCr0(SmmuRegisters.CR0_SMMUEN | SmmuRegisters.CR0_CMDQEN); // EVENTQEN = 0
        PendingDma p = bed.smmu.translateStallable(SID, Smmu.NO_SUBSTREAM, VA, Access.WRITE);
        assertThat(p.await(1, TimeUnit.SECONDS)).isInstanceOf(DmaOutcome.Aborted.class);
        assertThat(bed.smmu.stalledTransactions()).isZero();
    }
}
