package org.smmuref.smmu.driver;

/**
 * A device behind the SMMU as firmware describes it to the driver.
 *
 * @param streamId its single StreamID
 * @param atsCapable the endpoint implements PCIe ATS (the driver enables ATS only where the SMMU has IDR0.ATS too)
 * @param canwbs firmware marks the device's root complex CANWBS (IORT memory access flags: fully coherent, PCIe
 *     No-Snoop included, so no cache maintenance is ever needed; the kernel's {@code IOMMU_FWSPEC_PCI_RC_CANWBS},
 *     read by {@code arm_smmu_master_canwbs}). A vIOMMU needs it unless the SMMU has S2FWB.
 */
public record MasterSpec(int streamId, boolean atsCapable, boolean canwbs) {
    /** A device whose firmware description has no CANWBS flag (the firmware's default). */
    public MasterSpec(int streamId, boolean atsCapable) {
        this(streamId, atsCapable, false);
    }
}
