package org.smmuref.iommufd.spi;

/**
 * A driver's answer to GET_HW_INFO: the {@code iommu_hw_info_type} it reports and its info struct bytes (for the
 * ARM SMMUv3 the 40-byte {@code iommu_hw_info_arm_smmuv3}).
 */
public record HwInfo(int type, byte[] data) {
    /** Copies the bytes so that the record is immutable; the type must not be NONE (0). */
    public HwInfo {
        if (type == 0) {
            throw new IllegalArgumentException("a driver that has hw_info must report a type other than NONE");
        }
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }
}
