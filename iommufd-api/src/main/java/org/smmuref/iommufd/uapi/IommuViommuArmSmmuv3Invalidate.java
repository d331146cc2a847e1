package org.smmuref.iommufd.uapi;

import java.util.List;

/**
 * {@code struct iommu_viommu_arm_smmuv3_invalidate}: One Arm SMMUv3 invalidation entry for HWPT_INVALIDATE on a vIOMMU:
 * a raw 16-byte CMDQ command.
 */
public record IommuViommuArmSmmuv3Invalidate(List<Long> cmd) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_viommu_arm_smmuv3_invalidate")
        .array(CType.ALIGNED_LE64, "cmd", 2)
        .build();

    /** {@code sizeof(struct iommu_viommu_arm_smmuv3_invalidate)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuViommuArmSmmuv3Invalidate> TYPE = StructType.of(IommuViommuArmSmmuv3Invalidate.class, LAYOUT);

    /** Checks that every member fits its C type; arrays are copied and immutable. */
    public IommuViommuArmSmmuv3Invalidate {
        cmd = Members.fixed("cmd", cmd, 2);
    }

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuViommuArmSmmuv3Invalidate decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuViommuArmSmmuv3Invalidate> structType() {
        return TYPE;
    }
}
