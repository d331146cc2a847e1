package org.smmuref.kvm.policy;

import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/**
 * The stage-2 VMID part of the rejected v1 proposal's {@code struct iommu_hwpt_arm_smmuv3}: its {@code flags} and
 * {@code s2vmid}. With {@link #FLAG_VMID} userspace asked the kernel to use {@code s2vmid} as the stage-2 VMID.
 *
 * <p>smmuref never honours it: the VMID space is global to the SMMU, so a VMM could name another VM's VMID and hit
 * that VM's cached translations. Safe policies reject it with {@link VmidErrno#EOPNOTSUPP} (see
 * {@code docs/vmid-policy.md}).
 *
 * @param flags the v1 flags ({@link #FLAG_S2}, {@link #FLAG_VMID})
 * @param s2vmid the VMID userspace asked for
 */
public record UserVmidOverride(long flags, int s2vmid) {

    /** {@code IOMMU_SMMUV3_FLAG_S2}: allocate the stage-2 (nest parent) domain. Not a VMID matter. */
    public static final long FLAG_S2 = 1L << 0;
    /** {@code IOMMU_SMMUV3_FLAG_VMID}: use {@code s2vmid} as the stage-2 VMID. */
    public static final long FLAG_VMID = 1L << 1;

    /** The errno of the rejection: the uAPI's answer to a flag or field it does not support. */
    public static final VmidErrno REJECTION_ERRNO = VmidErrno.EOPNOTSUPP;

    /** The reason given with the rejection. */
    public static final String REJECTION_REASON = "a user-chosen stage-2 VMID (IOMMU_SMMUV3_FLAG_VMID / s2vmid) is "
        + "never honoured: the VMID space is global to the SMMU, so it could alias another VM's cached translations; "
        + "the kernel chooses the VMID (SMMU-private, or the VM's pinned KVM VMID under BTM)";

    /** Whether the request asks for a VMID: the flag is set or a VMID is given. */
    public boolean requestsVmid() {
        return (flags & FLAG_VMID) != 0 || s2vmid != 0;
    }

    /**
     * Rejects the request if it asks for a VMID.
     *
     * @throws VmidException EOPNOTSUPP with {@link #REJECTION_REASON}
     */
    public void rejectIfRequested() {
        if (requestsVmid()) {
            throw new VmidException(REJECTION_ERRNO, REJECTION_REASON + " (asked for s2vmid=" + s2vmid + ")");
        }
    }
}
