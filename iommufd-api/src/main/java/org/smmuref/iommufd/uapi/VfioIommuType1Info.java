package org.smmuref.iommufd.uapi;

/** {@code struct vfio_iommu_type1_info}: VFIO_IOMMU_GET_INFO's argument; the capability chain follows it in the caller's buffer. */
public record VfioIommuType1Info(int argsz, int flags, long iovaPgsizes, int capOffset, int pad) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("vfio_iommu_type1_info")
        .u32("argsz")
        .u32("flags")
        .alignedU64("iova_pgsizes")
        .u32("cap_offset")
        .u32("pad")
        .build();

    /** {@code sizeof(struct vfio_iommu_type1_info)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<VfioIommuType1Info> TYPE = StructType.of(VfioIommuType1Info.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static VfioIommuType1Info decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<VfioIommuType1Info> structType() {
        return TYPE;
    }
}
