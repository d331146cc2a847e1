package org.smmuref.iommufd.uapi;

import java.util.List;

/**
 * {@code struct iommu_hwpt_arm_smmuv3}: Upstream nested HWPT data for the Arm SMMUv3: the guest STE's dwords 0 and 1
 * (the vSTE), filtered by the allow-masks.
 */
public record IommuHwptArmSmmuv3(List<Long> ste) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_arm_smmuv3")
        .array(CType.ALIGNED_LE64, "ste", 2)
        .build();

    /** {@code sizeof(struct iommu_hwpt_arm_smmuv3)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptArmSmmuv3> TYPE = StructType.of(IommuHwptArmSmmuv3.class, LAYOUT);

    /** Checks that every member fits its C type; arrays are copied and immutable. */
    public IommuHwptArmSmmuv3 {
        ste = Members.fixed("ste", ste, 2);
    }

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptArmSmmuv3 decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptArmSmmuv3> structType() {
        return TYPE;
    }
}
