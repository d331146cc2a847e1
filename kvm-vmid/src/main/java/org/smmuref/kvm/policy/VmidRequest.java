package org.smmuref.kvm.policy;

import java.util.Objects;
import java.util.Optional;
import org.smmuref.kvm.Vm;

/**
 * A request for the stage-2 VMID of one SMMU nesting domain / vIOMMU.
 *
 * @param vm the KVM VM the iommufd context is tied to, if any
 * @param userOverride the v1 user-chosen VMID, if the request came through the v1 uAPI
 */
public record VmidRequest(Optional<Vm> vm, Optional<UserVmidOverride> userOverride) {

    /** Validates the components. */
    public VmidRequest {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(userOverride, "userOverride");
    }

    /** A request from a context that is not tied to a VM. */
    public static VmidRequest untied() {
        return new VmidRequest(Optional.empty(), Optional.empty());
    }

    /** A request from a context tied to a VM. */
    public static VmidRequest forVm(Vm vm) {
        return new VmidRequest(Optional.of(vm), Optional.empty());
    }

    /** This request carrying the v1 VMID fields. */
    public VmidRequest withUserOverride(UserVmidOverride override) {
        return new VmidRequest(vm, Optional.of(override));
    }

    /** Rejects a user-chosen VMID; see {@link UserVmidOverride#rejectIfRequested()}. */
    void rejectUserChosenVmid() {
        userOverride.ifPresent(UserVmidOverride::rejectIfRequested);
    }
}
