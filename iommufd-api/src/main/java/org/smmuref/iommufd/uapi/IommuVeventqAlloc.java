package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_veventq_alloc}: IOMMU_VEVENTQ_ALLOC: creates a vEVENTQ of one type on a vIOMMU, with its depth
 * and file descriptor.
 */
public record IommuVeventqAlloc(int size, int flags, int viommuId, int type, int veventqDepth, int outVeventqId,
                     int outVeventqFd, int reserved) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_veventq_alloc")
        .u32("size")
        .u32("flags")
        .u32("viommu_id")
        .u32("type")
        .u32("veventq_depth")
        .u32("out_veventq_id")
        .u32("out_veventq_fd")
        .u32("__reserved")
        .build();

    /** {@code sizeof(struct iommu_veventq_alloc)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuVeventqAlloc> TYPE = StructType.of(IommuVeventqAlloc.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuVeventqAlloc decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuVeventqAlloc> structType() {
        return TYPE;
    }

    /** This value with {@code out_veventq_id} replaced (how the kernel's answer is built). */
    public IommuVeventqAlloc withOutVeventqId(int outVeventqId) {
        return new IommuVeventqAlloc(size, flags, viommuId, type, veventqDepth, outVeventqId, outVeventqFd, reserved);
    }

    /** This value with {@code out_veventq_fd} replaced (how the kernel's answer is built). */
    public IommuVeventqAlloc withOutVeventqFd(int outVeventqFd) {
        return new IommuVeventqAlloc(size, flags, viommuId, type, veventqDepth, outVeventqId, outVeventqFd, reserved);
    }

    /** {@code veventq_depth} as the unsigned 32-bit number it is. */
    public long veventqDepthUnsigned() {
        return Integer.toUnsignedLong(veventqDepth);
    }
}
