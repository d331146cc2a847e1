package org.smmuref.kvm.policy;

/** Where a leased stage-2 VMID comes from. */
public enum VmidSource {
    /** The SMMU's own allocator; never a VMID a VM runs with. */
    SMMU_PRIVATE,
    /** The VM's KVM VMID, pinned for the lease's lifetime. */
    KVM_PINNED,
    /** Unsafe design, for demonstrations: whatever VMID userspace named. */
    UNSAFE_USER_CHOSEN,
    /** Unsafe design, for demonstrations: the VM's KVM VMID copied without pinning it. */
    UNSAFE_KVM_UNPINNED
}
