package org.smmuref.iommufd.uapi;

/** {@code struct vfio_iommu_type1_dma_map}: VFIO_IOMMU_MAP_DMA's argument: maps {@code size} bytes at user {@code vaddr} to a fixed {@code iova}. */
public record VfioIommuType1DmaMap(int argsz, int flags, long vaddr, long iova, long size) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("vfio_iommu_type1_dma_map")
        .u32("argsz")
        .u32("flags")
        .alignedU64("vaddr")
        .alignedU64("iova")
        .alignedU64("size")
        .build();

    /** {@code sizeof(struct vfio_iommu_type1_dma_map)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<VfioIommuType1DmaMap> TYPE = StructType.of(VfioIommuType1DmaMap.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static VfioIommuType1DmaMap decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<VfioIommuType1DmaMap> structType() {
        return TYPE;
    }
}
