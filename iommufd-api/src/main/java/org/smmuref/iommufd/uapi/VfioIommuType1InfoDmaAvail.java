package org.smmuref.iommufd.uapi;

/** {@code struct vfio_iommu_type1_info_dma_avail}: the DMA_AVAIL capability (its {@code vfio_info_cap_header} members inline). */
public record VfioIommuType1InfoDmaAvail(int id, int version, int next, int avail) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("vfio_iommu_type1_info_dma_avail")
        .u16("id")
        .u16("version")
        .u32("next")
        .u32("avail")
        .build();

    /** {@code sizeof(struct vfio_iommu_type1_info_dma_avail)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<VfioIommuType1InfoDmaAvail> TYPE = StructType.of(VfioIommuType1InfoDmaAvail.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static VfioIommuType1InfoDmaAvail decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<VfioIommuType1InfoDmaAvail> structType() {
        return TYPE;
    }
}
