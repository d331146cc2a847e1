package org.smmuref.kvm.policy;

import java.util.Objects;

/**
 * The per-platform choice of stage-2 VMID policy.
 *
 * @param mode whether BTM with KVM-pinned VMIDs may be used at all
 */
public record VmidPolicyConfig(Mode mode) {

    /** How the chooser may decide. */
    public enum Mode {
        /** KVM-pinned VMIDs with BTM where the SMMU and the host allow it, SMMU-private VMIDs elsewhere. */
        AUTO,
        /** Forbid BTM: every SMMU keeps CR2.PTM=1 and every VMID is SMMU-private (today's upstream behaviour). */
        FORCE_PRIVATE
    }

    /** The default: {@link Mode#AUTO}. */
    public static final VmidPolicyConfig DEFAULT = new VmidPolicyConfig(Mode.AUTO);

    /** Validates the mode. */
    public VmidPolicyConfig {
        Objects.requireNonNull(mode, "mode");
    }
}
