package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_hwpt_arm_smmuv3_v1}: The March 2023 v1 proposal's nested HWPT data ({@code struct
 * iommu_hwpt_arm_smmuv3} there): S1 context fields and the rejected VMID override.
 */
public record IommuHwptArmSmmuv3V1(long flags, int s2vmid, int reserved, long s1ctxptr, long s1cdmax, long s1fmt,
                     long s1dss) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_arm_smmuv3_v1")
        .u64("flags")
        .u32("s2vmid")
        .u32("__reserved")
        .u64("s1ctxptr")
        .u64("s1cdmax")
        .u64("s1fmt")
        .u64("s1dss")
        .build();

    /** {@code sizeof(struct iommu_hwpt_arm_smmuv3_v1)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptArmSmmuv3V1> TYPE = StructType.of(IommuHwptArmSmmuv3V1.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptArmSmmuv3V1 decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptArmSmmuv3V1> structType() {
        return TYPE;
    }
}
