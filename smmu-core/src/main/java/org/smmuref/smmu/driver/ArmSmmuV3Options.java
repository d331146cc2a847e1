package org.smmuref.smmu.driver;

/**
 * Per-SMMU driver choices. (The HWPT_INVALIDATE contract is no option: it follows the caller's kernel profile,
 * {@link org.smmuref.iommufd.uapi.KernelProfile}.)
 *
 * @param ptmRequested the platform asks for CR2.PTM=1 (private TLB maintenance) whatever the VMID policy could do
 */
public record ArmSmmuV3Options(boolean ptmRequested) {
    /** BTM left to the VMID policy. */
    public static final ArmSmmuV3Options DEFAULT = new ArmSmmuV3Options(false);
}
