package org.smmuref.iommufd.uapi;

import java.util.List;

/** {@code struct iommu_vevent_arm_smmuv3}: One Arm SMMUv3 vEVENT: a 32-byte event record whose StreamID is the vSID. */
public record IommuVeventArmSmmuv3(List<Long> evt) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_vevent_arm_smmuv3")
        .array(CType.ALIGNED_LE64, "evt", 4)
        .build();

    /** {@code sizeof(struct iommu_vevent_arm_smmuv3)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuVeventArmSmmuv3> TYPE = StructType.of(IommuVeventArmSmmuv3.class, LAYOUT);

    /** Checks that every member fits its C type; arrays are copied and immutable. */
    public IommuVeventArmSmmuv3 {
        evt = Members.fixed("evt", evt, 4);
    }

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuVeventArmSmmuv3 decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuVeventArmSmmuv3> structType() {
        return TYPE;
    }
}
