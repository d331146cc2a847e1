package org.smmuref.kvm.policy;

/**
 * The SMMU side of releasing a VMID: stop every use of it before it goes back to its owner.
 *
 * <p>An SMMU driver implements it by rewriting every STE that carries the VMID (abort or bypass), invalidating the TLB
 * by VMID (CMD_TLBI_S12_VMALL) and waiting for the CMD_SYNC that completes both. Only then may the VMID be unpinned or
 * freed: otherwise KVM or the allocator could hand it to another VM while stale SMMU entries are still tagged with it.
 */
@FunctionalInterface
public interface Quiescer {
    /**
     * Stops every use of the VMID on the SMMU and waits until that is complete.
     *
     * @throws RuntimeException if that could not be completed; the lease then stays held
     */
    void stopUsing(int vmid);
}
