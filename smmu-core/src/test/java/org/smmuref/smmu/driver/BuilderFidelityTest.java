package org.smmuref.smmu.driver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.Granule;

/**
 * The STE and CD builders against the kernel's functions (issue 11), checked with bit positions written out here from
 * the SMMUv3 STE and CD tables (smmuv3.md section 3), not through the layout tables the builders use.
 */
class BuilderFidelityTest {
    /** STE qword 1 bit 19 (STE bit 83). */
    private static final long STE1_MEV = 1L << 19;
    /** CD qword 0: S bit 44, R bit 45, ASET bit 47, EPD0 bit 14. */
    private static final long CD0_S = 1L << 44;
    private static final long CD0_R = 1L << 45;
    private static final long CD0_ASET = 1L << 47;
    private static final long CD0_EPD0 = 1L << 14;
    private static final long BITS_55_52 = 0xFL << 52;

    private static final SteWords.S2Config COHERENT = new SteWords.S2Config(0x8000_0000L, 16, 2, 0, 5, true);
    private static final SteWords.S2Config NON_COHERENT = new SteWords.S2Config(0x8000_0000L, 16, 2, 0, 5, false);

    /** STE qword 2 bits [45:40]: S2IR0 [169:168], S2OR0 [171:170], S2SH0 [173:172]. */
    private static long s2WalkAttributes(long[] ste) {
        return (ste[2] >>> 40) & 0x3f;
    }

    /** CD qword 0 bits [13:8]: IR0 [9:8], OR0 [11:10], SH0 [13:12]. */
    private static long cdWalkAttributes(long[] cd) {
        return (cd[0] >>> 8) & 0x3f;
    }

    @Test
    void mev_is_a_used_bit_of_a_stage_2_only_ste_as_in_arm_smmu_get_ste_used() {
        long[] s2 = SteWords.s2(COHERENT, 5, false, false, false, true);
        assertThat(SteWords.used(s2)[1] & STE1_MEV).isEqualTo(STE1_MEV);
        long[] s1 = SteWords.cdTable(0x10000, 0, 0, SteWords.S1DSS_SSID0, false, false, true);
        assertThat(SteWords.used(s1)[1] & STE1_MEV).isEqualTo(STE1_MEV);
        // negative controls: abort and bypass read no MEV
        assertThat(SteWords.used(SteWords.abort())[1] & STE1_MEV).isZero();
        assertThat(SteWords.used(SteWords.bypass(true))[1] & STE1_MEV).isZero();
    }

    @Test
    void s2_walk_attributes_follow_io_pgtable_coherency_as_in_arm_smmu_make_s2_domain_ste() {
        // coherent walk: irgn = orgn = WBWA (1), sh = inner shareable (3)
        assertThat(s2WalkAttributes(SteWords.s2(COHERENT, 1, false, false, false, false)))
            .isEqualTo(1 | 1 << 2 | 3 << 4);
        // non-coherent: NC (0), outer shareable (2)
        assertThat(s2WalkAttributes(SteWords.s2(NON_COHERENT, 1, false, false, false, false))).isEqualTo(2 << 4);
    }

    @Test
    void the_kernel_s1_cd_sets_aset_and_walk_attributes_as_arm_smmu_make_s1_cd() {
        long[] coherent = CdWords.makeS1Cd(7, 0x1234_5000L, 16, Granule.G4K, 5, 0x44, true);
        assertThat(coherent[0] & CD0_ASET).isEqualTo(CD0_ASET);
        assertThat(cdWalkAttributes(coherent)).isEqualTo(1 | 1 << 2 | 3 << 4);
        long[] nonCoherent = CdWords.makeS1Cd(7, 0x1234_5000L, 16, Granule.G4K, 5, 0x44, false);
        assertThat(cdWalkAttributes(nonCoherent)).isEqualTo(2 << 4);
        // the guest-side builder keeps its ASID in the shared set, for broadcast TLBI under BTM
        assertThat(CdWords.s1(7, 0x1234_5000L, 16, Granule.G4K, 5, 0x44)[0] & CD0_ASET).isZero();
    }

    @Test
    void a_released_cd_clears_r_and_s_unless_stalls_are_forced_as_arm_smmu_make_sva_cd() {
        long[] cd = CdWords.makeS1Cd(7, 0x1234_5000L, 16, Granule.G4K, 5, 0x44, true);
        cd[0] |= CD0_S;
        long[] released = CdWords.released(cd);
        assertThat(released[0] & (CD0_R | CD0_S)).isZero();
        assertThat(released[0] & CD0_EPD0).isEqualTo(CD0_EPD0);
        assertThat(released[1]).as("TTB0 cleared").isZero();
        long[] forced = CdWords.released(cd, true);
        assertThat(forced[0] & (CD0_R | CD0_S)).isEqualTo(CD0_R | CD0_S);
    }

    @Test
    void address_fields_stop_at_bit_51_as_the_kernel_masks_do() {
        long high = 1L << 53;
        // STRTAB_STE_3_S2TTB_MASK = GENMASK(51, 4): STE qword 3
        long[] s2 = SteWords.s2(new SteWords.S2Config(high | 0x8000_0000L, 16, 2, 0, 5), 1, false, false, false,
            false);
        assertThat(s2[3]).isEqualTo(0x8000_0000L);
        // STRTAB_STE_0_S1CTXPTR_MASK = GENMASK(51, 6): STE qword 0
        long[] s1 = SteWords.cdTable(high | 0x10000, 0, 0, SteWords.S1DSS_SSID0, false, false, false);
        assertThat(s1[0] & BITS_55_52).isZero();
        assertThat(s1[0] & 0x000F_FFFF_FFFF_FFC0L).isEqualTo(0x10000);
        // CTXDESC_CD_1_TTB0_MASK = GENMASK(51, 4): CD qword 1
        long[] cd = CdWords.makeS1Cd(1, high | 0x1234_5000L, 16, Granule.G4K, 5, 0, true);
        assertThat(cd[1]).isEqualTo(0x1234_5000L);
    }
}
