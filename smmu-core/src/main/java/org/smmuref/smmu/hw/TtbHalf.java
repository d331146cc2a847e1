package org.smmuref.smmu.hw;

/**
 * The effective configuration of one stage-1 translation table half (TTB0 or TTB1) as decoded from a CD.
 *
 * @param ttb table base: a PA, or an IPA when stage 2 is nested below; bits below the initial table size are
 *     treated as zero (one of the behaviours the architecture allows for a misaligned base)
 * @param tsz TxSZ: the half covers 2^(64 - TxSZ) bytes
 * @param granule the translation granule (CD.TGx after decoding)
 * @param epd EPDx: walks through this half are disabled and fault
 * @param tbi TBIx: the top byte of addresses in this half is ignored
 * @param had HADx: hierarchical attributes (APTable, XNTable, PXNTable) are ignored
 */
public record TtbHalf(long ttb, int tsz, Granule granule, boolean epd, boolean tbi, boolean had) {
    private static final TtbHalf DISABLED = new TtbHalf(0, 25, Granule.G4K, true, false, false);

    /** Validates the half; a disabled half ({@code epd}) is not checked further. */
    public TtbHalf {
        if (granule == null) {
            throw new IllegalArgumentException("granule must be given");
        }
        if (!epd) {
            int n = 64 - tsz;
            if (tsz < 0 || n <= granule.shift() || n > granule.maxInputBits()) {
                throw new IllegalArgumentException(
                    "TxSZ " + tsz + " gives an input size of " + n + " bits, outside (" + granule.shift() + ", "
                        + granule.maxInputBits() + "] for " + granule);
            }
            if (ttb < 0 || (ttb & 7) != 0) {
                throw new IllegalArgumentException(String.format("TTB 0x%x must be a non-negative multiple of 8", ttb));
            }
        }
    }

    /** An enabled half with TBI and HAD off. */
    public static TtbHalf of(long ttb, int tsz, Granule granule) {
        return new TtbHalf(ttb, tsz, granule, false, false, false);
    }

    /** A half whose walks are disabled (EPDx=1). */
    public static TtbHalf disabled() {
        return DISABLED;
    }

    /** The input size in bits, 64 - TxSZ. */
    public int inputBits() {
        return 64 - tsz;
    }

    /** The level the walk starts at. */
    public int startLevel() {
        return granule.startLevel(inputBits());
    }

    /** This half with TBI set as given. */
    public TtbHalf withTbi(boolean value) {
        return new TtbHalf(ttb, tsz, granule, epd, value, had);
    }

    /** This half with HAD set as given. */
    public TtbHalf withHad(boolean value) {
        return new TtbHalf(ttb, tsz, granule, epd, tbi, value);
    }
}
