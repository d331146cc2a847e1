package org.smmuref.iommufd.uapi;

/** {@code struct vfio_iommu_type1_info_cap_iova_range}: the IOVA_RANGE capability's fixed part (header members inline); {@code nr_iovas} {@code vfio_iova_range}s follow. */
public record VfioIommuType1InfoCapIovaRange(int id, int version, int next, int nrIovas, int reserved) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("vfio_iommu_type1_info_cap_iova_range")
        .u16("id")
        .u16("version")
        .u32("next")
        .u32("nr_iovas")
        .u32("reserved")
        .build();

    /** {@code sizeof(struct vfio_iommu_type1_info_cap_iova_range)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<VfioIommuType1InfoCapIovaRange> TYPE = StructType.of(VfioIommuType1InfoCapIovaRange.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static VfioIommuType1InfoCapIovaRange decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<VfioIommuType1InfoCapIovaRange> structType() {
        return TYPE;
    }
}
