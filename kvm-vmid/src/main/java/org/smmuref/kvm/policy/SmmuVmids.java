package org.smmuref.kvm.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * The stage-2 VMID arrangement of one SMMU instance, as decided by {@link VmidPolicyChooser}: whether BTM is on (the
 * CR2.PTM to program), its private allocator, and, with BTM, the KVM-pinned policy. It is itself a policy that picks
 * per request: with BTM on, the VM's pinned KVM VMID for a VM-tied or nesting request (an untied nesting context is
 * refused, since its guest's own TLBIs would miss a private VMID), else an SMMU-private VMID.
 */
public final class SmmuVmids implements VmidPolicy {
    private final SmmuVmidFeatures features;
    private final boolean btm;
    private final String btmDecision;
    private final SmmuPrivate smmuPrivate;
    private final Optional<KvmPinned> kvmPinned;
    private final boolean viommuVmidFromNestParent;
    private final Optional<VmidPolicy> vmPolicy;

    SmmuVmids(SmmuVmidFeatures features, boolean btm, String btmDecision, SmmuPrivate smmuPrivate,
              Optional<KvmPinned> kvmPinned, boolean viommuVmidFromNestParent, Optional<VmidPolicy> vmPolicy) {
        this.viommuVmidFromNestParent = viommuVmidFromNestParent;
        this.vmPolicy = vmPolicy;
        this.features = features;
        this.btm = btm;
        this.btmDecision = btmDecision;
        this.smmuPrivate = smmuPrivate;
        this.kvmPinned = kvmPinned;
    }

    /** The SMMU's description. */
    public SmmuVmidFeatures features() {
        return features;
    }

    /** Whether the SMMU takes part in broadcast TLB maintenance. */
    public boolean btmEnabled() {
        return btm;
    }

    /** The CR2.PTM value the driver must program: set unless BTM is on. */
    public boolean ptm() {
        return !btm;
    }

    /** A sentence saying whether BTM is on and why (or why not). */
    public String btmDecision() {
        return btmDecision;
    }

    /** The SMMU's private VMID allocator. */
    public SmmuPrivate smmuPrivate() {
        return smmuPrivate;
    }

    /**
     * Whether a vIOMMU uses its nest parent's VMID (upstream's {@code arm_vsmmu_init}) instead of leasing its own
     * ({@link VmidPolicyConfig.ViommuVmid}); BTM is then off.
     */
    public boolean viommuVmidFromNestParent() {
        return viommuVmidFromNestParent;
    }

    /** The KVM-pinned policy, present when BTM is on. */
    public Optional<KvmPinned> kvmPinned() {
        return kvmPinned;
    }

    /**
     * The policy that serves a request: KVM-pinned with BTM and a tied VM or a nesting context (KVM-pinned refuses an
     * untied one with EINVAL), else SMMU-private.
     */
    public VmidPolicy policyFor(VmidRequest request) {
        Objects.requireNonNull(request, "request");
        if (kvmPinned.isPresent() && (request.vm().isPresent() || request.nesting())) {
            return vmPolicy.isPresent() ? vmPolicy.get() : kvmPinned.get();
        }
        return smmuPrivate;
    }

    @Override
    public VmidLease acquire(VmidRequest request) {
        request.rejectUserChosenVmid();
        return policyFor(request).acquire(request);
    }

    @Override
    public String toString() {
        return "SmmuVmids[" + btmDecision + "]";
    }
}
