package org.smmuref.smmu.hw;

/** Small bit-field helpers over 64-bit words and over little-endian arrays of 64-bit dwords. */
public final class Bits {
    private Bits() {
    }

    /** A mask of the low {@code width} bits (0..64). */
    public static long mask(int width) {
        if (width < 0 || width > 64) {
            throw new IllegalArgumentException("width must be 0..64, was " + width);
        }
        return width == 64 ? -1L : (1L << width) - 1;
    }

    /** A mask of bits {@code msb..lsb} inclusive, as the spec writes ranges ({@code [msb:lsb]}). */
    public static long range(int msb, int lsb) {
        if (lsb < 0 || msb > 63 || msb < lsb) {
            throw new IllegalArgumentException("bad bit range [" + msb + ":" + lsb + "]");
        }
        return mask(msb - lsb + 1) << lsb;
    }

    /** The {@code width}-bit field of {@code word} starting at bit {@code lsb}. */
    public static long extract(long word, int lsb, int width) {
        return (word >>> lsb) & mask(width);
    }

    /** {@code word} with its {@code width}-bit field at {@code lsb} replaced by {@code value}. */
    public static long insert(long word, int lsb, int width, long value) {
        long m = mask(width);
        if ((value & ~m) != 0) {
            throw new IllegalArgumentException(
                String.format("value 0x%x does not fit in %d bits", value, width));
        }
        return (word & ~(m << lsb)) | (value << lsb);
    }

    /** The field at absolute bit {@code lsb} of a structure held as little-endian dwords; it may span two dwords. */
    public static long extract(long[] dwords, int lsb, int width) {
        int index = lsb >>> 6;
        int shift = lsb & 63;
        long value = dwords[index] >>> shift;
        if (shift + width > 64) {
            value |= dwords[index + 1] << (64 - shift);
        }
        return value & mask(width);
    }

    /** Writes the field at absolute bit {@code lsb} of a structure held as little-endian dwords. */
    public static void insert(long[] dwords, int lsb, int width, long value) {
        long m = mask(width);
        if ((value & ~m) != 0) {
            throw new IllegalArgumentException(
                String.format("value 0x%x does not fit in %d bits", value, width));
        }
        int index = lsb >>> 6;
        int shift = lsb & 63;
        int low = Math.min(width, 64 - shift);
        dwords[index] = insert(dwords[index], shift, low, value & mask(low));
        if (low < width) {
            dwords[index + 1] = insert(dwords[index + 1], 0, width - low, value >>> low);
        }
    }

    /** Sign-extends the low {@code bits} bits of {@code value}. */
    public static long signExtend(long value, int bits) {
        int shift = 64 - bits;
        return (value << shift) >> shift;
    }

    /** Whether {@code value} is a multiple of 2^{@code log2}. */
    public static boolean isAligned(long value, int log2) {
        return (value & mask(log2)) == 0;
    }
}
