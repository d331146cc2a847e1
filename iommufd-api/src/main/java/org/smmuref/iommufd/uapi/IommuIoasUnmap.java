package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_ioas_unmap}: IOMMU_IOAS_UNMAP: unmaps whole earlier mappings; {@code length} comes back as the
 * bytes unmapped.
 */
public record IommuIoasUnmap(int size, int ioasId, long iova, long length) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_ioas_unmap")
        .u32("size")
        .u32("ioas_id")
        .alignedU64("iova")
        .alignedU64("length")
        .build();

    /** {@code sizeof(struct iommu_ioas_unmap)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIoasUnmap> TYPE = StructType.of(IommuIoasUnmap.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIoasUnmap decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIoasUnmap> structType() {
        return TYPE;
    }

    /** This value with {@code length} replaced (how the kernel's answer is built). */
    public IommuIoasUnmap withLength(long length) {
        return new IommuIoasUnmap(size, ioasId, iova, length);
    }
}
