package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.EventRecord.EventClass;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * ATS: translation requests answered per STE.EATS (refused with F_BAD_ATS_TREQ, full ATS, split-stage), the device
 * ATC model invalidated by CMD_ATC_INV through the command queue, and ATS-translated traffic checked with CR0.ATSCHK.
 */
class SmmuAtsTest {
    static final int SID = 6;
    static final long VA = 0x6000_0000L;
    static final long TARGET_IPA = SmmuBed.GUEST_IPA + SmmuBed.GUEST_SIZE;
    static final SmmuFeatures ATS = SmmuFeatures.reference().ats(true).build();
    static final int CR0_ON = SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN | SmmuRegisters.CR0_SMMUEN;

    final SmmuBed bed = new SmmuBed(ATS);

    /** A nested stream with VA -> TARGET_IPA (stage 1, read-only) -> TARGET (stage 2, read/write). */
    void nested(long eats) {
        PageTableBuilder s2 = bed.s2();
        SmmuBed.mapGuestWindow(s2);
        s2.map(TARGET_IPA, SmmuBed.TARGET, 0x1000, Prot.of("rw"));
        PageTableBuilder s1 = bed.guestS1();
        s1.map(VA, TARGET_IPA, 0x1000, Prot.of("run"));
        bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, 5));
        Map<String, Long> ste = SmmuBed.nestedSte(s2, 3, SmmuBed.GUEST_CDS_IPA);
        ste.put("EATS", eats);
        bed.writeSte(SID, ste);
        bed.submitSync(Commands.cfgiSte(SID));
    }

    @Test
    void eats_0_refuses_requests_with_f_bad_ats_treq() {
        nested(0);
        AtsResult r = bed.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ);
        EventRecord expected = EventRecord.builder(EventType.F_BAD_ATS_TREQ).streamId(SID).access(Access.READ)
            .inputAddr(VA).build();
        assertThat(r.status()).isEqualTo(AtsResult.Status.UNSUPPORTED_REQUEST);
        assertThat(r.event()).isEqualTo(expected);
        assertThat(bed.event()).isEqualTo(expected);
        assertThat(bed.smmu.atc().size(SID)).isZero();
    }

    @Test
    void full_ats_returns_the_stage_1_and_2_result_and_atc_inv_removes_it() {
        nested(0b01);
        AtsResult r = bed.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA + 0x10, Access.READ);
        assertThat(r).isEqualTo(new AtsResult(AtsResult.Status.COMPLETED, VA, SmmuBed.TARGET, 0x1000, true, false,
            false, null, ""));
        assertThat(bed.smmu.atc().lookup(SID, Smmu.NO_SUBSTREAM, VA + 0x800)).isPresent();
        bed.submitSync(Commands.atcInv(SID, false, 0, false, VA + 0x1000, 0));
        assertThat(bed.smmu.atc().size(SID)).as("another page").isOne();
        bed.submitSync(Commands.atcInv(SID, false, 0, false, VA, 0));
        assertThat(bed.smmu.atc().size(SID)).isZero();
        bed.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ);
        bed.submitSync(Commands.atcInvAll(SID));
        assertThat(bed.smmu.atc().size(SID)).isZero();
        // A translation fault answers with R = W = 0 and records nothing.
        AtsResult miss = bed.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA + 0x10_0000, Access.READ);
        assertThat(miss.status()).isEqualTo(AtsResult.Status.COMPLETED);
        assertThat(miss.granted()).isFalse();
        assertThat(bed.events()).isEmpty();
        assertThat(bed.smmu.atc().size(SID)).isZero();
    }

    @Test
    void split_stage_returns_the_ipa_and_translated_traffic_goes_through_stage_2() {
        bed.writeCr0(CR0_ON | SmmuRegisters.CR0_ATSCHK);
        nested(0b10);
        AtsResult r = bed.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ);
        assertThat(r.splitStage()).isTrue();
        assertThat(r.outputBase()).isEqualTo(TARGET_IPA);
        assertThat(r.read()).isTrue();
        assertThat(r.write()).isFalse();
        DmaOutcome o = bed.smmu.translatedTransaction(SID, Smmu.NO_SUBSTREAM, TARGET_IPA + 0x40, Access.WRITE);
        assertThat(o.physicalAddress()).isEqualTo(SmmuBed.TARGET + 0x40);
        EventRecord s2Fault = EventRecord.builder(EventType.F_TRANSLATION).streamId(SID).access(Access.WRITE)
            .stage(true, EventClass.IN).inputAddr(TARGET_IPA + 0x1000).ipa(TARGET_IPA + 0x1000).build();
        assertThat(bed.smmu.translatedTransaction(SID, Smmu.NO_SUBSTREAM, TARGET_IPA + 0x1000, Access.WRITE))
            .isEqualTo(new DmaOutcome.Aborted(s2Fault, "F_TRANSLATION at stage 2, CLASS=IN"));
        assertThat(bed.event()).isEqualTo(s2Fault);
    }

    @Test
    void split_stage_without_atschk_behaves_as_no_ats() {
        nested(0b10);
        assertThat(bed.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ).event().type())
            .isEqualTo(EventType.F_BAD_ATS_TREQ);
    }

    @Test
    void atschk_forbids_translated_traffic_of_streams_without_ats() {
        nested(0);
        assertThat(bed.smmu.translatedTransaction(SID, Smmu.NO_SUBSTREAM, 0x1234_5000L, Access.READ))
            .as("without ATSCHK translated traffic passes").isEqualTo(new DmaOutcome.Bypassed(0x1234_5000L));
        bed.writeCr0(CR0_ON | SmmuRegisters.CR0_ATSCHK);
        DmaOutcome o = bed.smmu.translatedTransaction(SID, Smmu.NO_SUBSTREAM, 0x1234_5000L, Access.READ);
        EventRecord expected = EventRecord.builder(EventType.F_TRANSL_FORBIDDEN).streamId(SID).read(true)
            .inputAddr(0x1234_5000L).build();
        assertThat(o).isInstanceOfSatisfying(DmaOutcome.Aborted.class, a -> assertThat(a.event()).isEqualTo(expected));
        assertThat(bed.event()).isEqualTo(expected);

        SmmuBed full = new SmmuBed(ATS);
        full.writeCr0(CR0_ON | SmmuRegisters.CR0_ATSCHK);
        full.writeSte(SID, Map.of("V", 1L, "Config", 0b110L, "EATS", 1L, "S2T0SZ", 16L, "S2SL0", 2L, "S2PS", 5L,
            "S2AA64", 1L, "S2TTB", SmmuBed.HOST_TABLES));
        assertThat(full.smmu.translatedTransaction(SID, Smmu.NO_SUBSTREAM, 0x1234_5000L, Access.READ))
            .isEqualTo(new DmaOutcome.Bypassed(0x1234_5000L));
    }

    /** SMMU section 6.3.9.6: with SMMUEN=0 the ATS interface is down and translated traffic aborts, GBPA or not. */
    @Test
    void ats_translated_transactions_are_aborted_while_smmuen_is_0() {
        SmmuBed off = new SmmuBed(ATS);
        off.writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN);
        assertThat(off.smmu.translate(SID, Smmu.NO_SUBSTREAM, 0x1234_5000L, Access.READ))
            .as("untranslated traffic bypasses (GBPA.ABORT=0)").isEqualTo(new DmaOutcome.Bypassed(0x1234_5000L));
        for (int cr0 : new int[] {0, SmmuRegisters.CR0_ATSCHK}) {
            off.writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN | cr0);
            DmaOutcome o = off.smmu.translatedTransaction(SID, Smmu.NO_SUBSTREAM, 0x1234_5000L, Access.WRITE);
            assertThat(o).isInstanceOfSatisfying(DmaOutcome.Aborted.class, a -> {
                assertThat(a.event()).isNull();
                assertThat(a.reason()).contains("SMMUEN=0");
            });
        }
        assertThat(off.events()).isEmpty();
    }

    /** SMMU section 6.3.9.6: with SMMUEN=0 CMD_ATC_INV is ignored (the endpoints must be re-initialized anyway). */
    @Test
    void atc_inv_is_ignored_while_smmuen_is_0() {
        nested(0b01);
        assertThat(bed.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ).granted()).isTrue();
        bed.writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN);
        bed.submitSync(Commands.atcInvAll(SID));
        assertThat(bed.smmu.atc().size(SID)).isOne();
        bed.writeCr0(CR0_ON);
        bed.submitSync(Commands.atcInvAll(SID));
        assertThat(bed.smmu.atc().size(SID)).isZero();
    }

    @Test
    void configuration_errors_of_ats_requests_are_recorded_only_with_rec_cfg_ats() {
        bed.writeSte(SID, Map.of("V", 0L));
        assertThat(bed.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ).status())
            .isEqualTo(AtsResult.Status.UNSUPPORTED_REQUEST);
        assertThat(bed.events()).isEmpty();
        SmmuBed rec = new SmmuBed(ATS, Smmu.Options.DEFAULT,
            SmmuRegisters.CR2_RECINVSID | SmmuRegisters.CR2_REC_CFG_ATS);
        rec.writeSte(SID, Map.of("V", 0L));
        assertThat(rec.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ).event())
            .isEqualTo(EventRecord.of(EventType.C_BAD_STE, SID));
        assertThat(rec.event()).isEqualTo(EventRecord.of(EventType.C_BAD_STE, SID));
    }

    @Test
    void an_smmu_without_ats_refuses_the_call() {
        SmmuBed plain = new SmmuBed();
        assertThatThrownBy(() -> plain.smmu.atsTranslate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("IDR0.ATS=0");
    }
}
