package org.smmuref.smmu.driver;

/**
 * A device behind the SMMU as firmware describes it to the driver.
 *
 * @param streamId its single StreamID
 * @param atsCapable the endpoint implements PCIe ATS (the driver enables ATS only where the SMMU has IDR0.ATS too)
 * @param canwbs firmware marks the device's root complex CANWBS (IORT memory access flags: fully coherent, PCIe
 *     No-Snoop included, so no cache maintenance is ever needed; the kernel's {@code IOMMU_FWSPEC_PCI_RC_CANWBS},
 *     read by {@code arm_smmu_master_canwbs}). A vIOMMU needs it unless the SMMU has S2FWB.
 * @param pasidBits the width of the endpoint's PCI PASID capability (0: no PASID capability; at most 20)
 * @param pasidExec the PASID capability offers execute permission
 * @param pasidPriv the PASID capability offers privileged mode
 */
public record MasterSpec(int streamId, boolean atsCapable, boolean canwbs, int pasidBits, boolean pasidExec,
                         boolean pasidPriv) {
    /** Rejects a PASID width PCIe cannot express. */
    public MasterSpec {
        if (pasidBits < 0 || pasidBits > 20) {
            throw new IllegalArgumentException("PCI PASID width must be 0..20, not " + pasidBits);
        }
    }

    /** A device without a PASID capability. */
    public MasterSpec(int streamId, boolean atsCapable, boolean canwbs) {
        this(streamId, atsCapable, canwbs, 0, false, false);
    }

    /** A device whose firmware description has no CANWBS flag (the firmware's default). */
    public MasterSpec(int streamId, boolean atsCapable) {
        this(streamId, atsCapable, false);
    }
}
