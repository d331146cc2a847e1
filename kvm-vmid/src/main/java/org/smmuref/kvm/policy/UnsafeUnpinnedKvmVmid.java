package org.smmuref.kvm.policy;

import java.util.Optional;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/**
 * UNSAFE, for demonstrations and as the negative control of the isolation properties: copies the VM's current KVM
 * VMID without pinning it. After a rollover KVM may move the VM to another VMID and give the copied one to another
 * VM. Never chosen by {@link VmidPolicyChooser}.
 */
public final class UnsafeUnpinnedKvmVmid implements VmidPolicy {
    private final Kvm kvm;

    /** Creates the unsafe policy over a KVM host. */
    public UnsafeUnpinnedKvmVmid(Kvm kvm) {
        this.kvm = java.util.Objects.requireNonNull(kvm, "kvm");
    }

    /**
     * Leases the VM's current KVM VMID (holding a VM reference, but no pin).
     *
     * @throws VmidException EINVAL without a live VM of this host, or if the VM never ran (it has no VMID to copy)
     */
    @Override
    public VmidLease acquire(VmidRequest request) {
        Vm vm = request.vm().orElseThrow(() -> new VmidException(VmidErrno.EINVAL, KvmPinned.NO_VM));
        if (vm.kvm() != kvm || vm.isDestroyed()) {
            throw new VmidException(VmidErrno.EINVAL, vm + " is not a live VM of this host");
        }
        int vmid = vm.currentVmid();
        if (vmid == 0) {
            throw new VmidException(VmidErrno.EINVAL, vm + " never ran, so it has no KVM VMID to copy");
        }
        vm.get();
        return new AbstractVmidLease(vmid, VmidSource.UNSAFE_KVM_UNPINNED, Optional.of(vm), true) {
            @Override
            void giveBack() {
                vm.put();
            }
        };
    }
}
