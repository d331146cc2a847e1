package org.smmuref.smmu.hw;

/**
 * VMSAv8-64 walk geometry shared by the STE and CD decoders: granule encodings, start levels, stage-2 start-level
 * consistency and concatenation (smmuv3.md sections 6.2 and 6.3, after the Arm ARM's rules for VTCR_EL2 and TCR_ELx).
 *
 * <p>Granules are given as their shift: 12 (4 KB), 14 (16 KB) or 16 (64 KB). Descriptors are 8 bytes, so a level
 * resolves {@code shift - 3} bits. The model has no FEAT_LPA2 (IDR5.DS = 0), so DS is always 0 here.
 */
public final class TranslationGeometry {
    /** The last lookup level. */
    public static final int FINAL_LEVEL = 3;
    /** Returned by the decoders for a reserved granule encoding. */
    public static final int RESERVED = 0;

    private TranslationGeometry() {
    }

    /** The granule shift of an STE.S2TG or CD.TG0 encoding (00 4 KB, 01 64 KB, 10 16 KB), or {@link #RESERVED}. */
    public static int granuleFromTg0(int tg0) {
        switch (tg0) {
            case 0b00:
                return 12;
            case 0b01:
                return 16;
            case 0b10:
                return 14;
            default:
                return RESERVED;
        }
    }

    /** The granule shift of a CD.TG1 encoding (01 16 KB, 10 4 KB, 11 64 KB), or {@link #RESERVED}. */
    public static int granuleFromTg1(int tg1) {
        switch (tg1) {
            case 0b01:
                return 14;
            case 0b10:
                return 12;
            case 0b11:
                return 16;
            default:
                return RESERVED;
        }
    }

    /** The TG0/S2TG encoding of a granule shift. */
    public static int tg0Encoding(int granuleShift) {
        switch (checkGranule(granuleShift)) {
            case 12:
                return 0b00;
            case 16:
                return 0b01;
            default:
                return 0b10;
        }
    }

    /** The TG1 encoding of a granule shift. */
    public static int tg1Encoding(int granuleShift) {
        switch (checkGranule(granuleShift)) {
            case 12:
                return 0b10;
            case 16:
                return 0b11;
            default:
                return 0b01;
        }
    }

    /** Bits resolved by one table level: {@code granuleShift - 3}. */
    public static int stride(int granuleShift) {
        return checkGranule(granuleShift) - 3;
    }

    /** The number of low input-address bits resolved from {@code level} down to the page: the level's block span. */
    public static int levelShift(int level, int granuleShift) {
        return granuleShift + (FINAL_LEVEL - level) * stride(granuleShift);
    }

    /** The stage-1 start level for an input of {@code inputBits}: {@code 4 - ceil((N - g) / stride)}. */
    public static int stage1StartLevel(int inputBits, int granuleShift) {
        int stride = stride(granuleShift);
        return 4 - (inputBits - granuleShift + stride - 1) / stride;
    }

    /**
     * The stage-2 start level that S2SL0 encodes for a granule (VTCR_EL2.SL0 with DS=0), or -1 if the encoding is
     * invalid: 4 KB SL0=3 (level 3) needs STT (FEAT_TTST); 4 KB SL0=2 (level 0) and 16/64 KB SL0=2 (level 1) need a
     * physical address size of at least 44 (4 KB, 64 KB) or 42 (16 KB) bits; SL0=3 is reserved for 16 and 64 KB.
     */
    public static int stage2StartLevel(int granuleShift, int sl0, boolean stt, int paBits) {
        switch (checkGranule(granuleShift)) {
            case 12:
                switch (sl0) {
                    case 0:
                        return 2;
                    case 1:
                        return 1;
                    case 2:
                        return paBits >= 44 ? 0 : -1;
                    default:
                        return stt ? 3 : -1;
                }
            case 14:
                switch (sl0) {
                    case 0:
                        return 3;
                    case 1:
                        return 2;
                    case 2:
                        return paBits >= 42 ? 1 : -1;
                    default:
                        return -1; // level 0 only with DS=1
                }
            default:
                switch (sl0) {
                    case 0:
                        return 3;
                    case 1:
                        return 2;
                    case 2:
                        return paBits >= 44 ? 1 : -1;
                    default:
                        return -1;
                }
        }
    }

    /**
     * Whether a stage-2 input size is consistent with a start level: the initial lookup must decode at least one bit
     * and at most one full level plus four bits of concatenation (up to 16 tables).
     */
    public static boolean stage2Consistent(int inputBits, int startLevel, int granuleShift) {
        int stride = stride(granuleShift);
        int min = (FINAL_LEVEL - startLevel) * stride + granuleShift + 1;
        int max = min + (stride - 1) + 4;
        return inputBits >= min && inputBits <= max;
    }

    /** The number of concatenated initial tables (1..16) of a consistent stage-2 configuration. */
    public static int concatenatedTables(int inputBits, int startLevel, int granuleShift) {
        int fullLevelBits = levelShift(startLevel - 1, granuleShift);
        return inputBits <= fullLevelBits ? 1 : 1 << (inputBits - fullLevelBits);
    }

    /**
     * The size in bytes of the initial table (all concatenated tables together), which is also the alignment that
     * the walk imposes on the table base (at least 64 bytes when the output size is 52 bits).
     */
    public static long initialTableBytes(int inputBits, int startLevel, int granuleShift, int outputBits) {
        int indexBits = inputBits - levelShift(startLevel, granuleShift);
        long bytes = 1L << (indexBits + 3);
        return outputBits >= 52 ? Math.max(64, bytes) : bytes;
    }

    private static int checkGranule(int granuleShift) {
        if (granuleShift != 12 && granuleShift != 14 && granuleShift != 16) {
            throw new IllegalArgumentException("granule shift must be 12, 14 or 16, was " + granuleShift);
        }
        return granuleShift;
    }
}
