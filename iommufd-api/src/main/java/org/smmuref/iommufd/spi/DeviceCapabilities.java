package org.smmuref.iommufd.spi;

/**
 * What a device behind an IOMMU can do, as GET_HW_INFO and HWPT_ALLOC need to know it.
 *
 * @param dirtyTracking the IOMMU can track dirty IOVAs for this device ({@code IOMMU_CAP_DIRTY_TRACKING})
 * @param maxPasids     how many PASIDs (SSIDs) the device supports, 0 for none
 * @param pasidExec     PCI PASID execute permission supported
 * @param pasidPriv     PCI PASID privileged mode supported
 */
public record DeviceCapabilities(boolean dirtyTracking, int maxPasids, boolean pasidExec, boolean pasidPriv) {
    /** A plain device: no dirty tracking, no PASIDs. */
    public static final DeviceCapabilities NONE = new DeviceCapabilities(false, 0, false, false);

    /** Rejects a negative PASID count. */
    public DeviceCapabilities {
        if (maxPasids < 0) {
            throw new IllegalArgumentException("maxPasids must not be negative: " + maxPasids);
        }
    }
}
