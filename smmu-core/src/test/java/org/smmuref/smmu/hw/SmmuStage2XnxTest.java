package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The reference SMMU advertises IDR3.XNX = 1, so a stage-2 leaf's XN[1:0] (bits [54:53]) and the fetch's privilege
 * decide execution (Arm ARM table D8-78; SMMU section 13.4): 01 (PXN) blocks EL1 only, 11 (UXN) blocks EL0 only; the
 * same answer on the walk and on the TLB hit that follows it.
 */
class SmmuStage2XnxTest {
    static final int SID = 3;
    static final long IPA = 0x1234_5000L;
    static final Access PRIV_FETCH = new Access(false, true, true);
    static final Access USER_FETCH = new Access(false, true, false);

    /** A stage-2-only stream whose page at IPA has XN[1:0] = {@code xn}, written into the descriptor directly. */
    static SmmuBed bed(int xn) {
        SmmuBed bed = new SmmuBed();
        assertThat(bed.features.xnx()).isTrue();
        PageTableBuilder s2 = bed.s2();
        s2.map(IPA, SmmuBed.TARGET, 0x1000, Prot.of("rwx"));
        long leaf = s2.leafDescriptorAddress(IPA);
        long d = bed.memory.readLong(leaf);
        bed.memory.writeLong(leaf, d & ~(3L << 53) | (long) xn << 53);
        bed.writeSte(SID, SmmuBed.s2Ste(s2, 4));
        return bed;
    }

    static boolean runs(SmmuBed bed, Access access) {
        return bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, IPA, access).proceeds();
    }

    @Test
    void xn_01_is_pxn_and_xn_11_is_uxn_on_walks_and_hits() {
        SmmuBed pxn = bed(0b01);
        assertThat(runs(pxn, Access.READ)).isTrue(); // walks and fills the TLB: the fetches below are hits
        assertThat(runs(pxn, PRIV_FETCH)).as("PXN, EL1 fetch").isFalse();
        assertThat(runs(pxn, USER_FETCH)).as("PXN, EL0 fetch").isTrue();
        SmmuBed uxn = bed(0b11);
        assertThat(runs(uxn, Access.READ)).isTrue();
        assertThat(runs(uxn, PRIV_FETCH)).as("UXN, EL1 fetch").isTrue();
        assertThat(runs(uxn, USER_FETCH)).as("UXN, EL0 fetch").isFalse();
        // On a walk (nothing cached yet).
        assertThat(runs(bed(0b01), PRIV_FETCH)).as("PXN, EL1 fetch walked").isFalse();
        assertThat(runs(bed(0b11), USER_FETCH)).as("UXN, EL0 fetch walked").isFalse();
        assertThat(runs(bed(0b11), PRIV_FETCH)).as("UXN, EL1 fetch walked").isTrue();
        SmmuBed xn = bed(0b10);
        assertThat(runs(xn, PRIV_FETCH) || runs(xn, USER_FETCH)).isFalse();
        SmmuBed none = bed(0b00);
        assertThat(runs(none, PRIV_FETCH) && runs(none, USER_FETCH)).isTrue();
    }

    @Test
    void without_xnx_bit_53_is_res0() {
        SmmuFeatures noXnx = SmmuFeatures.reference().xnx(false).build();
        for (int xn = 0; xn < 4; xn++) {
            SmmuBed bed = new SmmuBed(noXnx);
            PageTableBuilder s2 = bed.s2();
            s2.map(IPA, SmmuBed.TARGET, 0x1000, Prot.of("rwx"));
            long leaf = s2.leafDescriptorAddress(IPA);
            bed.memory.writeLong(leaf, bed.memory.readLong(leaf) & ~(3L << 53) | (long) xn << 53);
            bed.writeSte(SID, SmmuBed.s2Ste(s2, 4));
            boolean executable = xn < 2;
            assertThat(runs(bed, PRIV_FETCH)).as("XN[1:0]=%d", xn).isEqualTo(executable);
            assertThat(runs(bed, USER_FETCH)).as("XN[1:0]=%d", xn).isEqualTo(executable);
        }
    }

    @Test
    void the_builder_writes_both_xn_bits() {
        SmmuBed bed = new SmmuBed();
        PageTableBuilder s2 = bed.s2();
        for (int xn = 0; xn < 4; xn++) {
            long ipa = IPA + 0x1000L * xn;
            s2.map(ipa, SmmuBed.TARGET, 0x1000, Prot.of("rw").withS2Xn(xn));
            assertThat(bed.memory.readLong(s2.leafDescriptorAddress(ipa)) >>> 53 & 3).isEqualTo(xn);
        }
        s2.map(IPA + 0x8000, SmmuBed.TARGET, 0x1000, Prot.of("rw"));
        assertThat(bed.memory.readLong(s2.leafDescriptorAddress(IPA + 0x8000)) >>> 53 & 3).isEqualTo(0b10);
    }
}
