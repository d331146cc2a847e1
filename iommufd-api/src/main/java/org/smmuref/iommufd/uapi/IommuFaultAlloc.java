package org.smmuref.iommufd.uapi;

/** {@code struct iommu_fault_alloc}: IOMMU_FAULT_QUEUE_ALLOC: creates a fault queue object and its file descriptor. */
public record IommuFaultAlloc(int size, int flags, int outFaultId, int outFaultFd) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_fault_alloc")
        .u32("size")
        .u32("flags")
        .u32("out_fault_id")
        .u32("out_fault_fd")
        .build();

    /** {@code sizeof(struct iommu_fault_alloc)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuFaultAlloc> TYPE = StructType.of(IommuFaultAlloc.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuFaultAlloc decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuFaultAlloc> structType() {
        return TYPE;
    }

    /** This value with {@code out_fault_id} replaced (how the kernel's answer is built). */
    public IommuFaultAlloc withOutFaultId(int outFaultId) {
        return new IommuFaultAlloc(size, flags, outFaultId, outFaultFd);
    }

    /** This value with {@code out_fault_fd} replaced (how the kernel's answer is built). */
    public IommuFaultAlloc withOutFaultFd(int outFaultFd) {
        return new IommuFaultAlloc(size, flags, outFaultId, outFaultFd);
    }
}
