package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * HTTU through the device (SMMU 3.13): IDR0.HTTU = 0b10 with CD.HA / CD.HD, or STE.S2HA / S2HD, reaches the walker;
 * DMA through the micro-TLB and the TLB marks a clean DBM page dirty on its first write and only then lets the write
 * through, and the SMMU never answers a write from a cached clean entry.
 */
class SmmuHttuTest {
    static final int SID = 7;
    static final long VA = 0x5000_0000L;
    static final long AP2 = 1L << 7;
    static final long DBM = 1L << 51;

    final SmmuBed bed = new SmmuBed(SmmuFeatures.reference().httu(2).build());

    @Test
    void stage_1_cd_hd_dma_write_dirties_a_clean_dbm_page_after_reads_were_cached_smmu_3_13() {
        PageTableBuilder s1 = bed.s1();
        s1.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("rwu"));
        long leaf = s1.leafDescriptorAddress(VA);
        bed.memory.writeLong(leaf, bed.memory.readLong(leaf) | AP2 | DBM); // writable-clean
        var cd = SmmuBed.cd(s1, 9);
        cd.put("HA", 1L);
        cd.put("HD", 1L);
        bed.writeCd(SmmuBed.CDS, cd);
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 2));
        byte[] one = new byte[8];
        assertThat(bed.smmu.read(SID, Smmu.NO_SUBSTREAM, VA, one, 0, 8).complete()).isTrue();
        assertThat(bed.smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, VA, Access.READ)).isEqualTo(SmmuBed.TARGET);
        assertThat(bed.memory.readLong(leaf) & AP2).as("reads leave it clean").isEqualTo(AP2);
        assertThat(bed.smmu.write(SID, Smmu.NO_SUBSTREAM, VA + 8, new byte[] {1, 2, 3, 4}, 0, 4).complete()).isTrue();
        assertThat(bed.memory.readLong(leaf) & AP2).as("dirty after the first write").isZero();
        assertThat(bed.memory.readByte(SmmuBed.TARGET + 9)).isEqualTo((byte) 2);
        assertThat(bed.events()).isEmpty();
    }

    @Test
    void stage_2_ste_s2hd_dma_write_sets_s2ap1_of_a_clean_dbm_page_smmu_3_13() {
        PageTableBuilder s2 = bed.s2();
        s2.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("r"));
        long leaf = s2.leafDescriptorAddress(VA);
        bed.memory.writeLong(leaf, bed.memory.readLong(leaf) | DBM);
        var ste = SmmuBed.s2Ste(s2, 4);
        ste.put("S2HA", 1L);
        ste.put("S2HD", 1L);
        bed.writeSte(SID, ste);
        assertThat(bed.smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, VA, Access.READ)).isEqualTo(SmmuBed.TARGET);
        assertThat(bed.smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, VA, Access.WRITE)).isEqualTo(SmmuBed.TARGET);
        assertThat(bed.memory.readLong(leaf) & AP2).as("S2AP[1] set").isEqualTo(AP2);
    }

    @Test
    void without_httu_in_the_cd_the_same_write_is_a_permission_fault_smmu_3_13() {
        PageTableBuilder s1 = bed.s1();
        s1.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("rwu"));
        long leaf = s1.leafDescriptorAddress(VA);
        bed.memory.writeLong(leaf, bed.memory.readLong(leaf) | AP2 | DBM);
        bed.writeCd(SmmuBed.CDS, SmmuBed.cd(s1, 9));
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 2));
        assertThat(bed.smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, VA, Access.WRITE)).isEqualTo(Smmu.NO_ADDRESS);
        assertThat(bed.event().type()).isEqualTo(EventType.F_PERMISSION);
        assertThat(bed.memory.readLong(leaf) & AP2).isEqualTo(AP2);
    }
}
