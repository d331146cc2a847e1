package org.smmuref.iommufd.uapi;

/**
 * The scalar C types that appear in the iommufd uAPI header, with their size and alignment on the 64-bit ABIs the
 * kernel supports for iommufd (x86-64 and arm64 agree on every one of them).
 */
public enum CType {
    /** {@code __u8}. */
    U8("__u8", 1, 1, false),
    /** {@code __u16}. */
    U16("__u16", 2, 2, false),
    /** {@code __u32}. */
    U32("__u32", 4, 4, false),
    /** {@code __s32} (a file descriptor). */
    S32("__s32", 4, 4, true),
    /** {@code __u64}; 8-byte aligned on x86-64 and arm64 (unlike i386, which iommufd does not serve). */
    U64("__u64", 8, 8, false),
    /** {@code __aligned_u64}: a u64 forced to 8-byte alignment on every ABI. */
    ALIGNED_U64("__aligned_u64", 8, 8, false),
    /** {@code __aligned_le64}: an explicitly little-endian, 8-byte aligned u64 (raw STE and command words). */
    ALIGNED_LE64("__aligned_le64", 8, 8, false);

    private final String cName;
    private final int size;
    private final int alignment;
    private final boolean signed;

    CType(String cName, int size, int alignment, boolean signed) {
        this.cName = cName;
        this.size = size;
        this.alignment = alignment;
        this.signed = signed;
    }

    /** The spelling in the kernel header. */
    public String cName() {
        return cName;
    }

    /** {@code sizeof} in bytes. */
    public int size() {
        return size;
    }

    /** {@code _Alignof} in bytes. */
    public int alignment() {
        return alignment;
    }

    /** Whether the type is signed (only {@code __s32}). */
    public boolean signed() {
        return signed;
    }

    /** Whether Java holds the value in a {@code long} (8-byte types) rather than an {@code int}. */
    public boolean isWide() {
        return size == 8;
    }

    /** Reads a value of this type, little-endian, at {@code offset}; 8-byte types as a long, others as an int. */
    long read(byte[] buf, int offset) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (buf[offset + i] & 0xffL);
        }
        if (signed) {
            v = (int) v;
        }
        return v;
    }

    /** Writes the low {@link #size()} bytes of {@code value}, little-endian, at {@code offset}. */
    void write(byte[] buf, int offset, long value) {
        for (int i = 0; i < size; i++) {
            buf[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /**
     * Checks that a Java value fits the C type as the records hold it: u8 and u16 as non-negative ints within range,
     * u32 and s32 as any int (a u32 is its bit pattern), 64-bit types as any long.
     */
    void checkRange(String field, long value) {
        switch (this) {
            case U8, U16 -> {
                long max = (1L << (8 * size)) - 1;
                if (value < 0 || value > max) {
                    throw new IllegalArgumentException(field + " is a " + cName + ": " + value + " is outside 0.." + max);
                }
            }
            case U32, S32 -> {
                if (value != (int) value) {
                    throw new IllegalArgumentException(field + " is a " + cName + " held in a Java int: " + value);
                }
            }
            default -> {
                // every long is a valid 64-bit pattern
            }
        }
    }
}
