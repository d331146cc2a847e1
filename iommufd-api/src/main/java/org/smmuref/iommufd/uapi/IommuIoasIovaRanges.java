package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_ioas_iova_ranges}: IOMMU_IOAS_IOVA_RANGES: reports the usable IOVA ranges into a user array of
 * {@code iommu_iova_range} (EMSGSIZE with the needed count when it is too small).
 */
public record IommuIoasIovaRanges(int size, int ioasId, int numIovas, int reserved, long allowedIovas,
                     long outIovaAlignment) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_ioas_iova_ranges")
        .u32("size")
        .u32("ioas_id")
        .u32("num_iovas")
        .u32("__reserved")
        .alignedU64("allowed_iovas")
        .alignedU64("out_iova_alignment")
        .build();

    /** {@code sizeof(struct iommu_ioas_iova_ranges)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIoasIovaRanges> TYPE = StructType.of(IommuIoasIovaRanges.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIoasIovaRanges decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIoasIovaRanges> structType() {
        return TYPE;
    }

    /** This value with {@code num_iovas} replaced (how the kernel's answer is built). */
    public IommuIoasIovaRanges withNumIovas(int numIovas) {
        return new IommuIoasIovaRanges(size, ioasId, numIovas, reserved, allowedIovas, outIovaAlignment);
    }

    /** This value with {@code out_iova_alignment} replaced (how the kernel's answer is built). */
    public IommuIoasIovaRanges withOutIovaAlignment(long outIovaAlignment) {
        return new IommuIoasIovaRanges(size, ioasId, numIovas, reserved, allowedIovas, outIovaAlignment);
    }

    /** {@code num_iovas} as the unsigned 32-bit number it is. */
    public long numIovasUnsigned() {
        return Integer.toUnsignedLong(numIovas);
    }
}
