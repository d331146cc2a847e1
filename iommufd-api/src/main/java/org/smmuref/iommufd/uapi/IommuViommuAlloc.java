package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_viommu_alloc}: IOMMU_VIOMMU_ALLOC: creates a vIOMMU, a VM's slice of one physical IOMMU on a
 * nest-parent HWPT.
 */
public record IommuViommuAlloc(int size, int flags, int type, int devId, int hwptId, int outViommuId, int dataLen,
                     int reserved, long dataUptr) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_viommu_alloc")
        .u32("size")
        .u32("flags")
        .u32("type")
        .u32("dev_id")
        .u32("hwpt_id")
        .u32("out_viommu_id")
        .u32("data_len")
        .u32("__reserved")
        .alignedU64("data_uptr")
        .build();

    /** {@code sizeof(struct iommu_viommu_alloc)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuViommuAlloc> TYPE = StructType.of(IommuViommuAlloc.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuViommuAlloc decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuViommuAlloc> structType() {
        return TYPE;
    }

    /** This value with {@code out_viommu_id} replaced (how the kernel's answer is built). */
    public IommuViommuAlloc withOutViommuId(int outViommuId) {
        return new IommuViommuAlloc(size, flags, type, devId, hwptId, outViommuId, dataLen, reserved, dataUptr);
    }

    /** {@code data_len} as the unsigned 32-bit number it is. */
    public long dataLenUnsigned() {
        return Integer.toUnsignedLong(dataLen);
    }
}
