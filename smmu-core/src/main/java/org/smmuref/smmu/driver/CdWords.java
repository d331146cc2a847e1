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
    static final Field A = f("A");
    static final Field ASET = f("ASET");
    static final Field ASID = f("ASID");
    static final Field TTB0 = f("TTB0");
    static final Field MAIR0 = f("MAIR0");

    private static final long[] TTB0_WALK = SteWords.mask(T0SZ, TG0, IR0, OR0, SH0, TTB0);

    private CdWords() {
    }

    /**
     * A valid AArch64 stage-1 CD translating through TTB0 only (TTB1 walks disabled), recording and aborting faults.
     *
     * @param asid the ASID
     * @param ttb0 the table base (an IPA when the STE is nested)
     * @param t0sz 64 - input bits
     * @param granule the TTB0 granule
     * @param ips IPS (OAS encoding of the output size)
     * @param mair0 MAIR0 (attribute index 0 is what the builder's default descriptors use)
     */
    public static long[] s1(int asid, long ttb0, int t0sz, Granule granule, int ips, int mair0) {
        long[] e = new long[EntryWriter.QWORDS];
        T0SZ.set(e, t0sz);
        TG0.set(e, tg0(granule));
        IR0.set(e, 1);
        OR0.set(e, 1);
        SH0.set(e, SteWords.SH_ISH);
        EPD1.set(e, 1);
        V.set(e, 1);
        IPS.set(e, ips);
        AA64.set(e, 1);
        R.set(e, 1);
        A.set(e, 1);
        ASID.set(e, asid);
        TTB0.setDisplay(e, ttb0);
        MAIR0.set(e, Integer.toUnsignedLong(mair0));
        return e;
    }

    /**
     * {@code cd} with its TTB0 walks disabled: EPD0 set and the walk fields (T0SZ, TG0, IR0, OR0, SH0, TTB0) cleared,
     * everything else kept (the shape of a released SVA CD, {@code arm_smmu_make_sva_cd} without an mm).
     */
    public static long[] released(long[] cd) {
        long[] e = EntryWriter.copy(cd);
        for (int i = 0; i < e.length; i++) {
            e[i] &= ~TTB0_WALK[i];
        }
        EPD0.set(e, 1);
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
