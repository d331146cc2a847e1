package org.smmuref.smmu.hw;

/**
 * A VMSAv8-64 translation granule (DS=0): the page size, the per-level index width and which levels may hold blocks.
 */
public enum Granule {
    /** 4 KiB pages, 9 index bits per level, blocks at levels 1 (1 GiB) and 2 (2 MiB). */
    G4K(12),
    /** 16 KiB pages, 11 index bits per level, blocks at level 2 (32 MiB) only. */
    G16K(14),
    /** 64 KiB pages, 13 index bits per level, blocks at level 2 (512 MiB), and level 1 (4 TiB) with 52-bit OA. */
    G64K(16);

    private static final Granule[] VALUES = values();

    private final int shift;

    Granule(int shift) {
        this.shift = shift;
    }

    /** log2 of the page size: 12, 14 or 16. */
    public int shift() {
        return shift;
    }

    /** The page size in bytes. */
    public long pageSize() {
        return 1L << shift;
    }

    /** Index bits resolved per level (a table holds 2^stride descriptors). */
    public int stride() {
        return shift - 3;
    }

    /** log2 of the bytes mapped by one descriptor at {@code level} (0..3): g + (3 - L)(g - 3). */
    public int levelShift(int level) {
        return shift + (3 - level) * (shift - 3);
    }

    /** The lowest level at which a walk can start for this granule without DS (4K: 0; 16K: 0, only 2 entries; 64K: 1). */
    public int minLevel() {
        return this == G64K ? 1 : 0;
    }

    /** The largest input size in bits this granule can translate with DS=0 (48, or 52 for 64K with LPA). */
    public int maxInputBits() {
        return this == G64K ? 52 : 48;
    }

    /**
     * Whether a block descriptor is legal at {@code level} (levels 0..2; level 3 holds pages).
     *
     * @param oa52 whether the regime's effective output size is 52 bits (FEAT_LPA), which allows 64K level-1 blocks
     */
    public boolean blockAllowed(int level, boolean oa52) {
        switch (this) {
            case G4K:
                return level == 1 || level == 2;
            case G16K:
                return level == 2;
            default:
                return level == 2 || (level == 1 && oa52);
        }
    }

    /**
     * The stage-1 start level for an input size of {@code inputBits}: 4 - ceil((N - g) / stride).
     *
     * @throws IllegalArgumentException if the size cannot be translated with this granule
     */
    public int startLevel(int inputBits) {
        if (inputBits <= shift || inputBits > maxInputBits()) {
            throw new IllegalArgumentException(name() + ": input size " + inputBits + " bits out of range");
        }
        int stride = stride();
        return 4 - (inputBits - shift + stride - 1) / stride;
    }

    /** A dense 2-bit code (1..3) used in TLB tags; 0 is reserved for "no stage". */
    int code() {
        return ordinal() + 1;
    }

    /** The granule whose log2 page size is {@code shift}. */
    public static Granule ofShift(int shift) {
        for (Granule g : VALUES) {
            if (g.shift == shift) {
                return g;
            }
        }
        throw new IllegalArgumentException("no granule with page shift " + shift);
    }
}
