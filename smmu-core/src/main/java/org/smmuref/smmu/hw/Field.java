package org.smmuref.smmu.hw;

import java.util.Objects;

/**
 * One named field of an SMMU structure (STE, CD, command, event record, ...), at an absolute bit position of the
 * structure's little-endian dwords.
 *
 * @param name the field's name as the SMMUv3 spec writes it
 * @param lsb absolute bit number of the field's least significant bit
 * @param width width in bits
 * @param address whether the field encodes a byte address: its bits keep their place within their dword and the low
 *     bits read as zero (S1ContextPtr, S2TTB, TTB0, a command's Address)
 */
public record Field(String name, int lsb, int width, boolean address) {
    /** Validates the field. */
    public Field {
        Objects.requireNonNull(name);
        if (lsb < 0 || width < 1 || width > 64) {
            throw new IllegalArgumentException("bad field " + name + ": lsb=" + lsb + " width=" + width);
        }
        if (address && (lsb >>> 6) != ((lsb + width - 1) >>> 6)) {
            throw new IllegalArgumentException("address field " + name + " must lie in one dword");
        }
    }

    /** A plain value field spanning bits {@code msb..lsb}. */
    public static Field value(String name, int msb, int lsb) {
        return new Field(name, lsb, msb - lsb + 1, false);
    }

    /** An address field spanning bits {@code msb..lsb}. */
    public static Field address(String name, int msb, int lsb) {
        return new Field(name, lsb, msb - lsb + 1, true);
    }

    /** Absolute bit number of the most significant bit. */
    public int msb() {
        return lsb + width - 1;
    }

    /** The field's raw integer value. */
    public long get(long[] dwords) {
        return Bits.extract(dwords, lsb, width);
    }

    /** The field's value as written by the decoder tool: the byte address for address fields, else the integer. */
    public long display(long[] dwords) {
        long raw = get(dwords);
        return address ? raw << (lsb & 63) : raw;
    }

    /** Sets the field's raw integer value. */
    public void set(long[] dwords, long value) {
        Bits.insert(dwords, lsb, width, value);
    }

    /** Sets the field from its display value (a byte address for address fields, whose low bits must be zero). */
    public void setDisplay(long[] dwords, long value) {
        if (address) {
            int shift = lsb & 63;
            if (!Bits.isAligned(value, shift)) {
                throw new IllegalArgumentException(String.format(
                    "%s: address 0x%x must be aligned to 2^%d", name, value, shift));
            }
            set(dwords, value >>> shift);
        } else {
            set(dwords, value);
        }
    }
}
