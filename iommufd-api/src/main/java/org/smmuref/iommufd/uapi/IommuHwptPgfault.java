package org.smmuref.iommufd.uapi;

/** {@code struct iommu_hwpt_pgfault}: One I/O page fault as read from a fault queue. */
public record IommuHwptPgfault(int flags, int devId, int pasid, int grpid, int perm, int reserved, long addr,
                     int length, int cookie) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_pgfault")
        .u32("flags")
        .u32("dev_id")
        .u32("pasid")
        .u32("grpid")
        .u32("perm")
        .u32("__reserved")
        .alignedU64("addr")
        .u32("length")
        .u32("cookie")
        .build();

    /** {@code sizeof(struct iommu_hwpt_pgfault)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptPgfault> TYPE = StructType.of(IommuHwptPgfault.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptPgfault decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptPgfault> structType() {
        return TYPE;
    }

    /** {@code length} as the unsigned 32-bit number it is. */
    public long lengthUnsigned() {
        return Integer.toUnsignedLong(length);
    }
}
