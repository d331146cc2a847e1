package org.smmuref.kvm.policy;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/**
 * The stage-2 VMID is the VM's KVM VMID, pinned for as long as the SMMU uses it: the policy for an SMMU with BTM,
 * where the guest's broadcast TLBIs, tagged by the CPU with the VM's KVM VMID, must hit the SMMU's entries.
 *
 * <p>The lease holds a VM reference and a pin; releasing it quiesces the SMMU, then unpins, then drops the reference.
 *
 * <p>One instance serves one SMMU. A VM has one KVM VMID, and STEs with different stage-2 table pointers must not
 * share a VMID ({@code smmuv3.md} section 7.1: "TTBs in the same VMID are equivalent"), so a VM's leases on this SMMU
 * that name a stage-2 table must all name the same one; a second table is EBUSY ({@link #SECOND_STAGE2}).
 */
public final class KvmPinned implements VmidPolicy {

    /** The reason given when no VM is tied to the request. */
    public static final String NO_VM = "a nesting context that needs the KVM VMID must be tied to a KVM VM";

    /** The reason given for a second stage-2 table of one VM on this SMMU. */
    public static final String SECOND_STAGE2 = "under BTM a VM's stage-2 VMID is its one KVM VMID, and one VMID must"
        + " not tag two stage-2 tables on one SMMU (smmuv3.md 7.1): use one nest parent per VM and SMMU";

    private final Kvm kvm;
    /** Per VM: the stage-2 table its leases tag on this SMMU, and how many leases name it. */
    private final Map<Vm, long[]> stage2 = new HashMap<>();

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
     *     this host, EBUSY when the VM's VMID already tags another stage-2 table on this SMMU, ENOSPC at the pin cap
     */
    @Override
    public synchronized VmidLease acquire(VmidRequest request) {
        request.rejectUserChosenVmid();
        Vm vm = request.vm().orElseThrow(() -> new VmidException(VmidErrno.EINVAL, NO_VM));
        if (vm.kvm() != kvm) {
            throw new VmidException(VmidErrno.EINVAL, vm + " belongs to another KVM host than this SMMU's");
        }
        if (vm.isDestroyed()) {
            throw new VmidException(VmidErrno.EINVAL, vm + " is destroyed");
        }
        OptionalLong table = request.stage2Table();
        long[] use = stage2.get(vm);
        if (table.isPresent() && use != null && use[0] != table.getAsLong()) {
            throw new VmidException(VmidErrno.EBUSY, vm + "'s VMID already tags the stage-2 table at 0x"
                + Long.toHexString(use[0]) + " on this SMMU, not 0x" + Long.toHexString(table.getAsLong()) + ": "
                + SECOND_STAGE2);
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
        if (table.isPresent()) {
            stage2.computeIfAbsent(vm, v -> new long[] {table.getAsLong(), 0})[1]++;
        }
        return new AbstractVmidLease(vmid, VmidSource.KVM_PINNED, Optional.of(vm), true) {
            @Override
            void giveBack() {
                if (table.isPresent()) {
                    dropStage2(vm);
                }
                kvm.unpin(vm);
                vm.put();
            }
        };
    }

    private synchronized void dropStage2(Vm vm) {
        long[] use = stage2.get(vm);
        if (--use[1] == 0) {
            stage2.remove(vm);
        }
    }

    /** The stage-2 table {@code vm}'s leases on this SMMU tag, if any lease names one. */
    public synchronized OptionalLong stage2Of(Vm vm) {
        long[] use = stage2.get(vm);
        return use == null ? OptionalLong.empty() : OptionalLong.of(use[0]);
    }

    @Override
    public String toString() {
        return "KvmPinned";
    }
}
