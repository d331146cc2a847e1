package org.smmuref.iommufd.uapi;

import java.util.List;

/**
 * {@code struct iommu_hw_info_arm_smmuv3}: GET_HW_INFO driver data of the Arm SMMUv3: the raw IDR0..IDR5, IIDR and AIDR
 * registers.
 */
public record IommuHwInfoArmSmmuv3(int flags, int reserved, List<Integer> idr, int iidr,
                     int aidr) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hw_info_arm_smmuv3")
        .u32("flags")
        .u32("__reserved")
        .array(CType.U32, "idr", 6)
        .u32("iidr")
        .u32("aidr")
        .build();

    /** {@code sizeof(struct iommu_hw_info_arm_smmuv3)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwInfoArmSmmuv3> TYPE = StructType.of(IommuHwInfoArmSmmuv3.class, LAYOUT);

    /** Checks that every member fits its C type; arrays are copied and immutable. */
    public IommuHwInfoArmSmmuv3 {
        idr = Members.fixed("idr", idr, 6);
    }

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwInfoArmSmmuv3 decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwInfoArmSmmuv3> structType() {
        return TYPE;
    }
}
