package org.smmuref.kvm.policy;

import java.util.Objects;
import java.util.Optional;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/**
 * The stage-2 VMID is the VM's KVM VMID, pinned for as long as the SMMU uses it: the policy for an SMMU with BTM,
 * where the guest's broadcast TLBIs, tagged by the CPU with the VM's KVM VMID, must hit the SMMU's entries.
 *
 * <p>The lease holds a VM reference and a pin; releasing it quiesces the SMMU, then unpins, then drops the reference.
 */
public final class KvmPinned implements VmidPolicy {

    /** The reason given when no VM is tied to the request. */
    public static final String NO_VM = "a nesting context that needs the KVM VMID must be tied to a KVM VM";

    private final Kvm kvm;

    /**
     * Creates the policy for one SMMU.
     *
     * @throws IllegalArgumentException if the SMMU's VMID width differs from the CPUs' (the VMIDs would not match)
     */
    public KvmPinned(Kvm kvm, SmmuVmidFeatures smmu) {
        this.kvm = Objects.requireNonNull(kvm, "kvm");
        if (smmu.vmidBits() != kvm.config().vmidBits()) {
            throw new IllegalArgumentException("KVM VMIDs are " + kvm.config().vmidBits() + "-bit but the SMMU's are "
                + smmu.vmidBits() + "-bit: a KVM VMID cannot be used as the SMMU's stage-2 VMID");
        }
    }

    /**
     * Pins the tied VM's VMID and leases it.
     *
     * @throws VmidException EOPNOTSUPP for a user-chosen VMID or without pinning support, EINVAL without a live VM of
     *     this host, ENOSPC at the pin cap
     */
    @Override
    public VmidLease acquire(VmidRequest request) {
        request.rejectUserChosenVmid();
        Vm vm = request.vm().orElseThrow(() -> new VmidException(VmidErrno.EINVAL, NO_VM));
        if (vm.kvm() != kvm) {
            throw new VmidException(VmidErrno.EINVAL, vm + " belongs to another KVM host than this SMMU's");
        }
        if (vm.isDestroyed()) {
            throw new VmidException(VmidErrno.EINVAL, vm + " is destroyed");
        }
        // The vIOMMU's own reference keeps the VM for as long as the pin exists.
        vm.get();
        int vmid;
        try {
            vmid = kvm.pin(vm);
        } catch (RuntimeException e) {
            vm.put();
            throw e;
        }
        return new AbstractVmidLease(vmid, VmidSource.KVM_PINNED, Optional.of(vm), true) {
            @Override
            void giveBack() {
                kvm.unpin(vm);
                vm.put();
            }
        };
    }

    @Override
    public String toString() {
        return "KvmPinned";
    }
}
