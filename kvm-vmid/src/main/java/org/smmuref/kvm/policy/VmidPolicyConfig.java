package org.smmuref.kvm.policy;

import java.util.Objects;

/**
 * The per-platform choice of stage-2 VMID policy.
 *
 * @param mode whether BTM with KVM-pinned VMIDs may be used at all
 * @param viommuVmid where a vIOMMU's VMID comes from: its own lease (smmuref) or its nest parent's (upstream)
 */
public record VmidPolicyConfig(Mode mode, ViommuVmid viommuVmid) {

    /** How the chooser may decide. */
    public enum Mode {
        /** KVM-pinned VMIDs with BTM where the SMMU and the host allow it, SMMU-private VMIDs elsewhere. */
        AUTO,
        /** Forbid BTM: every SMMU keeps CR2.PTM=1 and every VMID is SMMU-private (today's upstream behaviour). */
        FORCE_PRIVATE
    }

    /** Where a vIOMMU's stage-2 VMID comes from. */
    public enum ViommuVmid {
        /**
         * smmuref's policy: each vIOMMU leases its own VMID when it is created (the VM's pinned KVM VMID under BTM, else
         * an SMMU-private one), independent of the nest parent's.
         */
        PER_VIOMMU,
        /**
         * Upstream's {@code arm_vsmmu_init}: the vIOMMU uses its nest parent's VMID, allocated with the parent and
         * shared by every vIOMMU on it. That VMID is SMMU-private, so BTM is refused on every SMMU (CR2.PTM=1, as
         * upstream's {@code arm_smmu_device_reset} always sets).
         */
        NEST_PARENT
    }

    /** The default: {@link Mode#AUTO} with {@link ViommuVmid#PER_VIOMMU}. */
    public static final VmidPolicyConfig DEFAULT = new VmidPolicyConfig(Mode.AUTO, ViommuVmid.PER_VIOMMU);

    /** Upstream's arrangement: nest-parent VMIDs, no BTM. */
    public static final VmidPolicyConfig UPSTREAM = new VmidPolicyConfig(Mode.AUTO, ViommuVmid.NEST_PARENT);

    /** Validates the components. */
    public VmidPolicyConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(viommuVmid, "viommuVmid");
    }

    /** The mode with per-vIOMMU VMIDs. */
    public VmidPolicyConfig(Mode mode) {
        this(mode, ViommuVmid.PER_VIOMMU);
    }
}
