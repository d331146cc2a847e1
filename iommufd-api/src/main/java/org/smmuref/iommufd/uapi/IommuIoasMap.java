package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_ioas_map}: IOMMU_IOAS_MAP: maps user memory at {@code user_va} into an IOAS; {@code iova} is in
 * with FIXED_IOVA, else out.
 */
public record IommuIoasMap(int size, int flags, int ioasId, int reserved, long userVa, long length,
                     long iova) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_ioas_map")
        .u32("size")
        .u32("flags")
        .u32("ioas_id")
        .u32("__reserved")
        .alignedU64("user_va")
        .alignedU64("length")
        .alignedU64("iova")
        .build();

    /** {@code sizeof(struct iommu_ioas_map)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIoasMap> TYPE = StructType.of(IommuIoasMap.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIoasMap decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIoasMap> structType() {
        return TYPE;
    }

    /** This value with {@code iova} replaced (how the kernel's answer is built). */
    public IommuIoasMap withIova(long iova) {
        return new IommuIoasMap(size, flags, ioasId, reserved, userVa, length, iova);
    }
}
