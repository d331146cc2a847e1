package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_hwpt_invalidate}: IOMMU_HWPT_INVALIDATE: submits an array of driver-specific invalidation
 * entries; {@code entry_num} comes back as the number handled.
 */
public record IommuHwptInvalidate(int size, int hwptId, long dataUptr, int dataType, int entryLen, int entryNum,
                     int reserved) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_invalidate")
        .u32("size")
        .u32("hwpt_id")
        .alignedU64("data_uptr")
        .u32("data_type")
        .u32("entry_len")
        .u32("entry_num")
        .u32("__reserved")
        .build();

    /** {@code sizeof(struct iommu_hwpt_invalidate)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptInvalidate> TYPE = StructType.of(IommuHwptInvalidate.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptInvalidate decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptInvalidate> structType() {
        return TYPE;
    }

    /** This value with {@code entry_num} replaced (how the kernel's answer is built). */
    public IommuHwptInvalidate withEntryNum(int entryNum) {
        return new IommuHwptInvalidate(size, hwptId, dataUptr, dataType, entryLen, entryNum, reserved);
    }

    /** {@code entry_len} as the unsigned 32-bit number it is. */
    public long entryLenUnsigned() {
        return Integer.toUnsignedLong(entryLen);
    }

    /** {@code entry_num} as the unsigned 32-bit number it is. */
    public long entryNumUnsigned() {
        return Integer.toUnsignedLong(entryNum);
    }
}
