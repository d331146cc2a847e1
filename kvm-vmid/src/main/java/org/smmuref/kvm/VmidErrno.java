package org.smmuref.kvm;

/**
 * The Linux errno values that VMID allocation and the VMID policies report.
 *
 * <p>Local to kvm-vmid because this module may not depend on iommufd-api; the numbers are the arm64/x86-64 Linux
 * values, so a caller can map them one-to-one onto its own errno type.
 */
public enum VmidErrno {
    /** Device or resource busy: a VM's pinned VMID already tags another stage-2 table on this SMMU. */
    EBUSY(16),
    /** Invalid argument: a request that cannot be served as asked (no VM tied, VM already destroyed). */
    EINVAL(22),
    /** No space left: the pinned-VMID cap or an SMMU's private VMID range is exhausted. */
    ENOSPC(28),
    /** Operation not supported: pinning not available, or a uAPI flag (the v1 VMID override) that is never honoured. */
    EOPNOTSUPP(95);

    private final int value;

    VmidErrno(int value) {
        this.value = value;
    }

    /** The positive errno number, as the kernel would return it negated. */
    public int value() {
        return value;
    }
}
