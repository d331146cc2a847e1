package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_hwpt_alloc}: IOMMU_HWPT_ALLOC: allocates a paging, nest-parent or nested HWPT on {@code pt_id},
 * with optional driver data.
 */
public record IommuHwptAlloc(int size, int flags, int devId, int ptId, int outHwptId, int reserved, int dataType,
                     int dataLen, long dataUptr, int faultId, int reserved2) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_alloc")
        .u32("size")
        .u32("flags")
        .u32("dev_id")
        .u32("pt_id")
        .u32("out_hwpt_id")
        .u32("__reserved")
        .u32("data_type")
        .u32("data_len")
        .alignedU64("data_uptr")
        .u32("fault_id")
        .u32("__reserved2")
        .build();

    /** {@code sizeof(struct iommu_hwpt_alloc)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptAlloc> TYPE = StructType.of(IommuHwptAlloc.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptAlloc decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptAlloc> structType() {
        return TYPE;
    }

    /** This value with {@code out_hwpt_id} replaced (how the kernel's answer is built). */
    public IommuHwptAlloc withOutHwptId(int outHwptId) {
        return new IommuHwptAlloc(
            size, flags, devId, ptId, outHwptId, reserved, dataType, dataLen, dataUptr, faultId, reserved2);
    }

    /** {@code data_len} as the unsigned 32-bit number it is. */
    public long dataLenUnsigned() {
        return Integer.toUnsignedLong(dataLen);
    }
}
