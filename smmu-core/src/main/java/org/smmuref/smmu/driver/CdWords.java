package org.smmuref.smmu.driver;

import org.smmuref.smmu.hw.Field;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.SmmuLayouts;

/**
 * Builds stage-1 Context Descriptors and knows which CD bits the SMMU reads ({@code arm_smmu_get_cd_used}): a guest
 * uses it to fill its CD table, the writer tests to reproduce the KUnit CD cases.
 */
public final class CdWords {
    static final Field T0SZ = f("T0SZ");
    static final Field TG0 = f("TG0");
    static final Field IR0 = f("IR0");
    static final Field OR0 = f("OR0");
    static final Field SH0 = f("SH0");
    static final Field EPD0 = f("EPD0");
    static final Field EPD1 = f("EPD1");
    static final Field V = f("V");
    static final Field IPS = f("IPS");
    static final Field AA64 = f("AA64");
    static final Field R = f("R");
    static final Field S = f("S");
    static final Field A = f("A");
    static final Field ASET = f("ASET");
    static final Field ASID = f("ASID");
    static final Field TTB0 = f("TTB0");
    static final Field MAIR0 = f("MAIR0");

    private static final long[] TTB0_WALK = SteWords.mask(T0SZ, TG0, IR0, OR0, SH0, TTB0);

    private CdWords() {
    }

    /**
     * A guest's stage-1 CD: valid, AArch64, translating through TTB0 only (TTB1 walks disabled), recording and
     * aborting faults, coherent walks, and its ASID in the shared set (ASET=0), so that under BTM the guest's own
     * broadcast TLBI reaches the SMMU's entries for it (an SVA-style CD). The host kernel's DMA-domain CD is
     * {@link #makeS1Cd}, which differs in ASET.
     *
     * @param asid the ASID
     * @param ttb0 the table base (an IPA when the STE is nested)
     * @param t0sz 64 - input bits
     * @param granule the TTB0 granule
     * @param ips IPS (OAS encoding of the output size)
     * @param mair0 MAIR0 (attribute index 0 is what the builder's default descriptors use)
     */
    public static long[] s1(int asid, long ttb0, int t0sz, Granule granule, int ips, int mair0) {
        return build(asid, ttb0, t0sz, granule, ips, mair0, true, false);
    }

    /**
     * The stage-1 CD of a paging domain as {@code arm_smmu_make_s1_cd} builds it: T0SZ, TG0, IR0/OR0/SH0 from the
     * walk's coherency (io-pgtable: write-back read/write-allocate and inner shareable when IDR0.COHACC, else
     * non-cacheable and outer shareable), EPD1, V, IPS, AA64, R, A, ASET=1 (the ASID is private to the SMMU, so no
     * broadcast TLBI from a CPU reaches it), the ASID, TTB0 (bits [51:4], {@code CTXDESC_CD_1_TTB0_MASK}) and
     * MAIR0.
     */
    public static long[] makeS1Cd(int asid, long ttb0, int t0sz, Granule granule, int ips, int mair0,
                                  boolean coherentWalk) {
        return build(asid, ttb0, t0sz, granule, ips, mair0, coherentWalk, true);
    }

    private static long[] build(int asid, long ttb0, int t0sz, Granule granule, int ips, int mair0,
                                boolean coherentWalk, boolean aset) {
        long[] e = new long[EntryWriter.QWORDS];
        T0SZ.set(e, t0sz);
        TG0.set(e, tg0(granule));
        IR0.set(e, coherentWalk ? SteWords.RGN_WBWA : SteWords.RGN_NC);
        OR0.set(e, coherentWalk ? SteWords.RGN_WBWA : SteWords.RGN_NC);
        SH0.set(e, coherentWalk ? SteWords.SH_ISH : SteWords.SH_OSH);
        EPD1.set(e, 1);
        V.set(e, 1);
        IPS.set(e, ips);
        AA64.set(e, 1);
        R.set(e, 1);
        A.set(e, 1);
        ASET.set(e, aset ? 1 : 0);
        ASID.set(e, asid);
        TTB0.setDisplay(e, ttb0 & SteWords.ADDRESS_BITS_51);
        MAIR0.set(e, Integer.toUnsignedLong(mair0));
        return e;
    }

    /** {@link #released(long[], boolean)} on an SMMU that does not force stalls. */
    public static long[] released(long[] cd) {
        return released(cd, false);
    }

    /**
     * {@code cd} as a released SVA CD ({@code arm_smmu_make_sva_cd} without an mm): EPD0 set, the walk fields
     * (T0SZ, TG0, IR0, OR0, SH0, TTB0) cleared, and unless the SMMU forces stalls (IDR0.STALL_MODEL = 0b10) also S
     * and R, so that the device's remaining DMA aborts at once without stalling or recording faults; everything
     * else kept.
     */
    public static long[] released(long[] cd, boolean stallForce) {
        long[] e = EntryWriter.copy(cd);
        for (int i = 0; i < e.length; i++) {
            e[i] &= ~TTB0_WALK[i];
        }
        EPD0.set(e, 1);
        if (!stallForce) {
            S.set(e, 0);
            R.set(e, 0);
        }
        return e;
    }

    /** The bits the SMMU reads for {@code cd}: V only if invalid; all but the TTB0 walk fields if EPD0; else all. */
    public static long[] used(long[] cd) {
        long[] used = new long[EntryWriter.QWORDS];
        used[0] = SteWords.mask(V)[0];
        if (V.get(cd) == 0) {
            return used;
        }
        java.util.Arrays.fill(used, -1L);
        if (EPD0.get(cd) != 0) {
            for (int i = 0; i < used.length; i++) {
                used[i] &= ~TTB0_WALK[i];
            }
        }
        return used;
    }

    /** The CD.TG0 encoding of a granule (00 4 KB, 01 64 KB, 10 16 KB). */
    static int tg0(Granule granule) {
        return switch (granule.shift()) {
            case 12 -> 0;
            case 16 -> 1;
            case 14 -> 2;
            default -> throw new IllegalArgumentException("no TG0 encoding for " + granule);
        };
    }

    private static Field f(String name) {
        return SmmuLayouts.CD.field(name);
    }
}
