package org.smmuref.smmu.driver;

/**
 * Per-SMMU driver choices.
 *
 * @param kernelInvalidationQuirks reproduce the upstream kernel's HWPT_INVALIDATE quirks (iommufd-driver.md section
 *     2.6 and 7) instead of the documented contract: entry_num 0 is EINVAL, a conversion error at entry k reports k
 *     although the converted entries before it since the last batch were never issued, and a refused batch reports
 *     the index of its last command
 * @param ptmRequested the platform asks for CR2.PTM=1 (private TLB maintenance) whatever the VMID policy could do
 */
public record ArmSmmuV3Options(boolean kernelInvalidationQuirks, boolean ptmRequested) {
    /** The documented contract, and BTM left to the VMID policy. */
    public static final ArmSmmuV3Options DEFAULT = new ArmSmmuV3Options(false, false);
}
