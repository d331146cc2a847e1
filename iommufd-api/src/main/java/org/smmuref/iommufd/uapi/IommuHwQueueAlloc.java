package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_hw_queue_alloc}: IOMMU_HW_QUEUE_ALLOC: gives a vIOMMU a hardware-accelerated queue in guest
 * memory.
 */
public record IommuHwQueueAlloc(int size, int flags, int viommuId, int type, int index, int outHwQueueId,
                     long nestingParentIova, long length) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hw_queue_alloc")
        .u32("size")
        .u32("flags")
        .u32("viommu_id")
        .u32("type")
        .u32("index")
        .u32("out_hw_queue_id")
        .alignedU64("nesting_parent_iova")
        .alignedU64("length")
        .build();

    /** {@code sizeof(struct iommu_hw_queue_alloc)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwQueueAlloc> TYPE = StructType.of(IommuHwQueueAlloc.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwQueueAlloc decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwQueueAlloc> structType() {
        return TYPE;
    }

    /** This value with {@code out_hw_queue_id} replaced (how the kernel's answer is built). */
    public IommuHwQueueAlloc withOutHwQueueId(int outHwQueueId) {
        return new IommuHwQueueAlloc(size, flags, viommuId, type, index, outHwQueueId, nestingParentIova, length);
    }

    /** {@code index} as the unsigned 32-bit number it is. */
    public long indexUnsigned() {
        return Integer.toUnsignedLong(index);
    }
}
