package org.smmuref.kvm.policy;

import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/**
 * UNSAFE, for demonstrations only: honours the v1 user-chosen VMID, as the rejected proposal did. Two VMMs naming the
 * same VMID share one TLB namespace on the SMMU. Never chosen by {@link VmidPolicyChooser}.
 */
public final class UnsafeUserChosenVmid implements VmidPolicy {
    private final SmmuVmidFeatures smmu;

    /** Creates the unsafe policy for one SMMU. */
    public UnsafeUserChosenVmid(SmmuVmidFeatures smmu) {
        this.smmu = java.util.Objects.requireNonNull(smmu, "smmu");
    }

    /**
     * Leases exactly the VMID userspace named.
     *
     * @throws VmidException EINVAL without {@code FLAG_VMID} or with a VMID outside 1..2^bits-1
     */
    @Override
    public VmidLease acquire(VmidRequest request) {
        UserVmidOverride override = request.userOverride()
            .filter(o -> (o.flags() & UserVmidOverride.FLAG_VMID) != 0)
            .orElseThrow(() -> new VmidException(VmidErrno.EINVAL, "no user-chosen VMID (IOMMU_SMMUV3_FLAG_VMID)"));
        if (override.s2vmid() < 1 || override.s2vmid() > smmu.maxVmid()) {
            throw new VmidException(VmidErrno.EINVAL, "s2vmid " + override.s2vmid() + " outside 1.." + smmu.maxVmid());
        }
        return new AbstractVmidLease(override.s2vmid(), VmidSource.UNSAFE_USER_CHOSEN, request.vm(), false) {
            @Override
            void giveBack() {
                // Nothing was allocated: that is the flaw.
            }
        };
    }
}
