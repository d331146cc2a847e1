package org.smmuref.kvm.policy;

/** Decides the stage-2 VMID of an SMMU nesting domain / vIOMMU and leases it. */
public interface VmidPolicy {

    /**
     * Leases a VMID for one domain.
     *
     * @throws org.smmuref.kvm.VmidException with the errno the kernel would return when the request cannot be served
     */
    VmidLease acquire(VmidRequest request);
}
