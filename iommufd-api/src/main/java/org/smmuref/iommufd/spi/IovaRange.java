package org.smmuref.iommufd.spi;

/**
 * An inclusive range of IO virtual addresses {@code [start, last]}, compared as unsigned 64-bit numbers (the kernel's
 * {@code struct iommu_iova_range}).
 */
public record IovaRange(long start, long last) {
    /** The whole 64-bit IOVA space. */
    public static final IovaRange ALL = new IovaRange(0, -1L);

    /** Rejects {@code start > last}. */
    public IovaRange {
        if (Long.compareUnsigned(start, last) > 0) {
            throw new IllegalArgumentException("IOVA range start 0x" + Long.toHexString(start) + " > last 0x"
                + Long.toHexString(last));
        }
    }

    /** The range {@code [start, start + length - 1]}; {@code length} must be non-zero and must not wrap. */
    public static IovaRange ofLength(long start, long length) {
        return new IovaRange(start, start + length - 1);
    }

    /** Whether the two ranges share at least one address. */
    public boolean intersects(IovaRange other) {
        return Long.compareUnsigned(start, other.last) <= 0 && Long.compareUnsigned(other.start, last) <= 0;
    }

    /** Whether {@code other} lies entirely inside this range. */
    public boolean contains(IovaRange other) {
        return Long.compareUnsigned(start, other.start) <= 0 && Long.compareUnsigned(other.last, last) <= 0;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(last) + "]";
    }
}
