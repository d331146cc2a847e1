package org.smmuref.kvm.policy;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.smmuref.kvm.Vm;

/**
 * A request for the stage-2 VMID of one SMMU domain: a host stage-2 domain, or a nesting context (a vIOMMU or a v1
 * nested domain) whose guest owns the stage 1 and, under BTM, invalidates it with its own broadcast TLBIs.
 *
 * @param vm the KVM VM the iommufd context is tied to, if any
 * @param userOverride the v1 user-chosen VMID, if the request came through the v1 uAPI
 * @param stage2Table the stage-2 table the VMID will tag (its S2TTB), if the caller names it; the KVM-pinned policy
 *     refuses one VMID over two tables on one SMMU ({@code smmuv3.md} section 7.1)
 * @param nesting whether the VMID tags a guest-owned stage 1 (a vIOMMU or v1 nested domain); under BTM such a
 *     context needs the VM's KVM VMID, so it must be tied to a VM
 */
public record VmidRequest(Optional<Vm> vm, Optional<UserVmidOverride> userOverride, OptionalLong stage2Table,
                          boolean nesting) {

    /** Validates the components. */
    public VmidRequest {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(userOverride, "userOverride");
        Objects.requireNonNull(stage2Table, "stage2Table");
    }

    /** A request with no stage-2 table named; a VM-tied one is a nesting context. */
    public VmidRequest(Optional<Vm> vm, Optional<UserVmidOverride> userOverride) {
        this(vm, userOverride, OptionalLong.empty(), vm.isPresent());
    }

    /** A host stage-2 domain's request: no VM, no guest stage 1. */
    public static VmidRequest untied() {
        return new VmidRequest(Optional.empty(), Optional.empty(), OptionalLong.empty(), false);
    }

    /** A nesting context's request from a context that may or may not be tied to a VM. */
    public static VmidRequest nesting(Optional<Vm> vm) {
        return new VmidRequest(vm, Optional.empty(), OptionalLong.empty(), true);
    }

    /** A nesting context's request from a context tied to a VM. */
    public static VmidRequest forVm(Vm vm) {
        return nesting(Optional.of(vm));
    }

    /** This request carrying the v1 VMID fields. */
    public VmidRequest withUserOverride(UserVmidOverride override) {
        return new VmidRequest(vm, Optional.of(override), stage2Table, nesting);
    }

    /** This request naming the stage-2 table ({@code s2ttb}) the VMID will tag. */
    public VmidRequest onStage2(long s2ttb) {
        return new VmidRequest(vm, userOverride, OptionalLong.of(s2ttb), nesting);
    }

    /** Rejects a user-chosen VMID; see {@link UserVmidOverride#rejectIfRequested()}. */
    void rejectUserChosenVmid() {
        userOverride.ifPresent(UserVmidOverride::rejectIfRequested);
    }
}
