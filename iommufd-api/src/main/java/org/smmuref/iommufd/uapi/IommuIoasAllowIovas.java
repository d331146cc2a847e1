package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_ioas_allow_iovas}: IOMMU_IOAS_ALLOW_IOVAS: restricts automatic IOVA allocation to a user array of
 * ranges.
 */
public record IommuIoasAllowIovas(int size, int ioasId, int numIovas, int reserved,
                     long allowedIovas) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_ioas_allow_iovas")
        .u32("size")
        .u32("ioas_id")
        .u32("num_iovas")
        .u32("__reserved")
        .alignedU64("allowed_iovas")
        .build();

    /** {@code sizeof(struct iommu_ioas_allow_iovas)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIoasAllowIovas> TYPE = StructType.of(IommuIoasAllowIovas.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIoasAllowIovas decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIoasAllowIovas> structType() {
        return TYPE;
    }

    /** {@code num_iovas} as the unsigned 32-bit number it is. */
    public long numIovasUnsigned() {
        return Integer.toUnsignedLong(numIovas);
    }
}
