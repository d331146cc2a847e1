package org.smmuref.iommufd.uapi;

/** {@code struct vfio_iommu_type1_dma_unmap}: VFIO_IOMMU_UNMAP_DMA's argument (without the trailing {@code data[]}); {@code size} comes back as the bytes unmapped. */
public record VfioIommuType1DmaUnmap(int argsz, int flags, long iova, long size) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("vfio_iommu_type1_dma_unmap")
        .u32("argsz")
        .u32("flags")
        .alignedU64("iova")
        .alignedU64("size")
        .build();

    /** {@code sizeof(struct vfio_iommu_type1_dma_unmap)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<VfioIommuType1DmaUnmap> TYPE = StructType.of(VfioIommuType1DmaUnmap.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static VfioIommuType1DmaUnmap decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<VfioIommuType1DmaUnmap> structType() {
        return TYPE;
    }
}
