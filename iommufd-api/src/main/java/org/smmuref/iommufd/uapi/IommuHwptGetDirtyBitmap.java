package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_hwpt_get_dirty_bitmap}: IOMMU_HWPT_GET_DIRTY_BITMAP: reads (and clears) the dirty bits of an IOVA
 * range into a user bitmap.
 */
public record IommuHwptGetDirtyBitmap(int size, int hwptId, int flags, int reserved, long iova, long length,
                     long pageSize, long data) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_get_dirty_bitmap")
        .u32("size")
        .u32("hwpt_id")
        .u32("flags")
        .u32("__reserved")
        .alignedU64("iova")
        .alignedU64("length")
        .alignedU64("page_size")
        .alignedU64("data")
        .build();

    /** {@code sizeof(struct iommu_hwpt_get_dirty_bitmap)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptGetDirtyBitmap> TYPE = StructType.of(IommuHwptGetDirtyBitmap.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptGetDirtyBitmap decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptGetDirtyBitmap> structType() {
        return TYPE;
    }
}
