package org.smmuref.smmu.hw;

/**
 * The non-secure translation regime of a stream (STE.STRW, with CR2.E2H): it tags TLB entries and decides whether
 * the regime has ASIDs, a VMID and two privilege levels.
 */
public enum StreamWorld {
    /** NS-EL1 (the EL1&amp;0 regime): ASIDs, VMID tagging, privileged and unprivileged permissions. */
    NS_EL1,
    /** NS-EL2 without E2H: one privilege level, no ASIDs (every entry global), TTB0 only, no VMID. */
    NS_EL2,
    /** NS-EL2 with E2H (the EL2&amp;0 regime): ASIDs and two privilege levels, no VMID. */
    NS_EL2_E2H;

    /** Whether leaf descriptors with nG=1 are tagged with the ASID in this regime. */
    public boolean hasAsids() {
        return this != NS_EL2;
    }

    /** Whether this regime distinguishes privileged from unprivileged accesses (AP[1], PXN/UXN, PAN). */
    public boolean hasUnprivileged() {
        return this != NS_EL2;
    }

    /** Whether TLB entries of this regime carry a VMID. */
    public boolean hasVmid() {
        return this == NS_EL1;
    }
}
