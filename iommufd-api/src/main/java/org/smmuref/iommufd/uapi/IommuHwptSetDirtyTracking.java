package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_hwpt_set_dirty_tracking}: IOMMU_HWPT_SET_DIRTY_TRACKING: turns dirty tracking of a HWPT on or
 * off.
 */
public record IommuHwptSetDirtyTracking(int size, int flags, int hwptId, int reserved) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_set_dirty_tracking")
        .u32("size")
        .u32("flags")
        .u32("hwpt_id")
        .u32("__reserved")
        .build();

    /** {@code sizeof(struct iommu_hwpt_set_dirty_tracking)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptSetDirtyTracking> TYPE = StructType.of(IommuHwptSetDirtyTracking.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptSetDirtyTracking decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptSetDirtyTracking> structType() {
        return TYPE;
    }
}
