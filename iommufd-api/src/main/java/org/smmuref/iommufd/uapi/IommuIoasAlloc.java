package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_ioas_alloc}: IOMMU_IOAS_ALLOC: creates an IOAS; {@code flags} must be 0; the new id comes back in
 * {@code out_ioas_id}.
 */
public record IommuIoasAlloc(int size, int flags, int outIoasId) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_ioas_alloc")
        .u32("size")
        .u32("flags")
        .u32("out_ioas_id")
        .build();

    /** {@code sizeof(struct iommu_ioas_alloc)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIoasAlloc> TYPE = StructType.of(IommuIoasAlloc.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIoasAlloc decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIoasAlloc> structType() {
        return TYPE;
    }

    /** This value with {@code out_ioas_id} replaced (how the kernel's answer is built). */
    public IommuIoasAlloc withOutIoasId(int outIoasId) {
        return new IommuIoasAlloc(size, flags, outIoasId);
    }
}
