package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_ioas_copy}: IOMMU_IOAS_COPY: maps the pages behind a source IOAS range into a destination IOAS.
 */
public record IommuIoasCopy(int size, int flags, int dstIoasId, int srcIoasId, long length, long dstIova,
                     long srcIova) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_ioas_copy")
        .u32("size")
        .u32("flags")
        .u32("dst_ioas_id")
        .u32("src_ioas_id")
        .alignedU64("length")
        .alignedU64("dst_iova")
        .alignedU64("src_iova")
        .build();

    /** {@code sizeof(struct iommu_ioas_copy)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIoasCopy> TYPE = StructType.of(IommuIoasCopy.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIoasCopy decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIoasCopy> structType() {
        return TYPE;
    }

    /** This value with {@code dst_iova} replaced (how the kernel's answer is built). */
    public IommuIoasCopy withDstIova(long dstIova) {
        return new IommuIoasCopy(size, flags, dstIoasId, srcIoasId, length, dstIova, srcIova);
    }
}
