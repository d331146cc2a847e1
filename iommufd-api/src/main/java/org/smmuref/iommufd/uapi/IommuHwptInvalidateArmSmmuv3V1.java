package org.smmuref.iommufd.uapi;

import java.util.List;
import java.util.Objects;

/**
 * {@code struct iommu_hwpt_invalidate_arm_smmuv3_v1}: The v1 proposal's invalidation request ({@code struct
 * iommu_hwpt_invalidate_arm_smmuv3} there): opcode, ASID, SSID, granule and range.
 */
public record IommuHwptInvalidateArmSmmuv3V1(long flags, int opcode, List<Integer> padding, int asid, int ssid,
                     int granuleSize, IommuIovaRange range) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_invalidate_arm_smmuv3_v1")
        .u64("flags")
        .u8("opcode")
        .array(CType.U8, "padding", 3)
        .u32("asid")
        .u32("ssid")
        .u32("granule_size")
        .struct(IommuIovaRange.LAYOUT, "range")
        .build();

    /** {@code sizeof(struct iommu_hwpt_invalidate_arm_smmuv3_v1)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptInvalidateArmSmmuv3V1> TYPE = StructType.of(IommuHwptInvalidateArmSmmuv3V1.class, LAYOUT);

    /** Checks that every member fits its C type; arrays are copied and immutable. */
    public IommuHwptInvalidateArmSmmuv3V1 {
        Members.u8("opcode", opcode);
        padding = Members.fixedU8("padding", padding, 3);
        Objects.requireNonNull(range, "range");
    }

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptInvalidateArmSmmuv3V1 decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptInvalidateArmSmmuv3V1> structType() {
        return TYPE;
    }
}
