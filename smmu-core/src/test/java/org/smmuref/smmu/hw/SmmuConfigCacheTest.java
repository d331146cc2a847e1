package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The configuration cache through the device: a changed STE or CD is not seen until CFGI + CMD_SYNC, then it is; a
 * stage-2 remap of a nested stream's CD or stage-1 tables is seen after TLBI_S2_IPA (no stale stage-2 result lives in
 * the configuration cache).
 */
class SmmuConfigCacheTest {
    static final int SID = 3;
    static final long VA = 0x4000_0000_0000L >>> 4;
    final SmmuBed bed = new SmmuBed();

    long pa(int ssid) {
        return bed.smmu.translate(SID, ssid, VA, Access.READ).physicalAddress();
    }

    @Test
    void changed_ste_is_seen_only_after_cfgi_ste_and_sync() {
        PageTableBuilder a = bed.s1();
        a.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("run"));
        PageTableBuilder b = bed.s1();
        b.map(VA, SmmuBed.TARGET + 0x1000, 0x1000, Prot.of("run"));
        bed.writeCd(SmmuBed.CDS, SmmuBed.cd(a, 1));
        bed.writeCd(SmmuBed.CDS + 0x1000, SmmuBed.cd(b, 2));
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 1));
        assertThat(pa(Smmu.NO_SUBSTREAM)).isEqualTo(SmmuBed.TARGET);
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS + 0x1000, 1));
        assertThat(pa(Smmu.NO_SUBSTREAM)).as("stale until CFGI").isEqualTo(SmmuBed.TARGET);
        bed.submitSync(Commands.cfgiSte(SID + 1), Commands.cfgiCd(SID, 0));
        assertThat(bed.smmu.configCacheSize()).as("CFGI_CD(SID, 0) also drops the no-SSID entry").isZero();
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 1));
        assertThat(pa(Smmu.NO_SUBSTREAM)).isEqualTo(SmmuBed.TARGET);
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS + 0x1000, 1));
        bed.submitSync(Commands.cfgiSte(SID + 1));
        assertThat(pa(Smmu.NO_SUBSTREAM)).as("CFGI of another StreamID").isEqualTo(SmmuBed.TARGET);
        bed.submitSync(Commands.cfgiSte(SID));
        assertThat(pa(Smmu.NO_SUBSTREAM)).isEqualTo(SmmuBed.TARGET + 0x1000);
        bed.writeSte(SID, Map.of("V", 1L, "Config", 0b000L));
        bed.submitSync(Commands.cfgiSteRange(0, 3));
        assertThat(bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ)).isInstanceOf(DmaOutcome.Aborted.class);
        bed.writeSte(SID, Map.of("V", 1L, "Config", 0b100L));
        bed.submitSync(Commands.cfgiAll());
        assertThat(pa(Smmu.NO_SUBSTREAM)).isEqualTo(VA);
    }

    @Test
    void changed_cd_is_seen_only_after_cfgi_cd_and_sync() {
        PageTableBuilder a = bed.s1();
        a.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("run"));
        PageTableBuilder b = bed.s1();
        b.map(VA, SmmuBed.TARGET + 0x2000, 0x1000, Prot.of("run"));
        Map<String, Long> ste = SmmuBed.s1Ste(SmmuBed.CDS, 1);
        ste.put("S1CDMax", 2L);
        bed.writeSte(SID, ste);
        for (int ssid = 0; ssid < 4; ssid++) {
            bed.writeCd(SmmuBed.CDS + 64L * ssid, SmmuBed.cd(a, 10 + ssid));
        }
        assertThat(pa(1)).isEqualTo(SmmuBed.TARGET);
        assertThat(pa(2)).isEqualTo(SmmuBed.TARGET);
        bed.writeCd(SmmuBed.CDS + 64, SmmuBed.cd(b, 21)); // new tables, new ASID: no TLBI needed
        bed.writeCd(SmmuBed.CDS + 128, SmmuBed.cd(b, 22));
        assertThat(pa(1)).isEqualTo(SmmuBed.TARGET);
        bed.submitSync(Commands.cfgiCd(SID, 1));
        assertThat(pa(1)).isEqualTo(SmmuBed.TARGET + 0x2000);
        assertThat(pa(2)).as("only SSID 1 was invalidated").isEqualTo(SmmuBed.TARGET);
        bed.submitSync(Commands.cfgiCdAll(SID));
        assertThat(pa(2)).isEqualTo(SmmuBed.TARGET + 0x2000);
    }

    @Test
    void stage2_remap_of_nested_cd_and_tables_is_seen_after_tlbi_s2_ipa() {
        PageTableBuilder s2 = bed.s2();
        SmmuBed.mapGuestWindow(s2);
        long targetIpa = SmmuBed.GUEST_IPA + SmmuBed.GUEST_SIZE;
        s2.map(targetIpa, SmmuBed.TARGET, 0x1000, Prot.of("rw"));
        PageTableBuilder s1 = bed.guestS1();
        s1.map(VA, targetIpa, 0x1000, Prot.of("run"));
        bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, 9));
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 6, SmmuBed.GUEST_CDS_IPA));
        assertThat(pa(Smmu.NO_SUBSTREAM)).isEqualTo(SmmuBed.TARGET);

        // A second copy of the guest's CD page, whose CD points at other stage-1 tables mapping VA elsewhere.
        long copyPa = SmmuBed.RAM + 0x0C00_0000L;
        PageTableBuilder other = PageTableBuilder.stage1(bed.guest, new org.smmuref.smmu.pgtable.PageAllocator(
            SmmuBed.GUEST_TABLES_IPA + 0x0040_0000L, 0x0010_0000L), Granule.G4K, 48, 48);
        other.map(VA, targetIpa + 0x1000, 0x1000, Prot.of("run"));
        s2.map(targetIpa + 0x1000, SmmuBed.TARGET + 0x5000, 0x1000, Prot.of("rw"));
        long[] cd = SmmuLayouts.CD.encode(SmmuBed.cd(other, 9));
        bed.memory.writeLongs(copyPa, cd);
        // Remap the CD's IPA page to the copy at stage 2 and invalidate the stage-1 entries and that IPA only.
        s2.unmap(SmmuBed.GUEST_CDS_IPA, 0x1000);
        s2.map(SmmuBed.GUEST_CDS_IPA, copyPa, 0x1000, Prot.of("rw"));
        bed.submitSync(Commands.tlbiS2Ipa(6, SmmuBed.GUEST_CDS_IPA, true), Commands.tlbiNhAll(6));
        assertThat(pa(Smmu.NO_SUBSTREAM)).isEqualTo(SmmuBed.TARGET + 0x5000);
    }

    @Test
    void stage2_remap_of_a_nested_stage1_table_page_is_seen_after_tlbi_s2_ipa() {
        PageTableBuilder s2 = bed.s2();
        SmmuBed.mapGuestWindow(s2);
        long targetIpa = SmmuBed.GUEST_IPA + SmmuBed.GUEST_SIZE;
        s2.map(targetIpa, SmmuBed.TARGET, 0x1000, Prot.of("rw"));
        PageTableBuilder s1 = bed.guestS1();
        s1.map(VA, targetIpa, 0x1000, Prot.of("run"));
        bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, 9));
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 6, SmmuBed.GUEST_CDS_IPA));
        assertThat(pa(Smmu.NO_SUBSTREAM)).isEqualTo(SmmuBed.TARGET);
        // Copy the root table page elsewhere, change the copy so that VA reaches nothing, remap the TTB's IPA to it.
        long ttbIpa = s1.ttb();
        long copyPa = SmmuBed.RAM + 0x0D00_0000L;
        for (int i = 0; i < 512; i++) {
            bed.memory.writeLong(copyPa + 8L * i, 0); // an empty root table: every VA faults
        }
        s2.unmap(ttbIpa, 0x1000);
        s2.map(ttbIpa, copyPa, 0x1000, Prot.of("rw"));
        bed.submitSync(Commands.tlbiS2Ipa(6, ttbIpa, true), Commands.tlbiNhAll(6));
        assertThat(bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ)).isInstanceOf(DmaOutcome.Aborted.class);
        assertThat(bed.event().type()).isEqualTo(EventType.F_TRANSLATION);
        assertThat(bed.smmu.configCacheSize()).isEqualTo(1);
    }

    @Test
    void capacity_is_bounded() {
        SmmuBed small = new SmmuBed(SmmuFeatures.reference().build(), new Smmu.Options(64, 4),
            SmmuRegisters.CR2_RECINVSID);
        for (int sid = 0; sid < 10; sid++) {
            small.writeSte(sid, Map.of("V", 1L, "Config", 0b100L));
            assertThat(small.smmu.translate(sid, Smmu.NO_SUBSTREAM, 0x1000, Access.READ).proceeds()).isTrue();
        }
        assertThat(small.smmu.configCacheSize()).isEqualTo(4);
    }
}
