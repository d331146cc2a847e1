package org.smmuref.kvm.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/** The SMMU stage-2 VMID policies: choice, ranges, leases and their release order. */
class VmidPolicyTest {

    private static final SmmuVmidFeatures BTM8 = new SmmuVmidFeatures(8, true, true, false);
    private static final SmmuVmidFeatures BTM16 = new SmmuVmidFeatures(16, true, true, false);
    private static final Quiescer NOTHING_CACHED = vmid -> { };

    private final Kvm kvm = new Kvm(KvmConfig.of(8, 2).withSmmuPrivateVmids(16));

    private SmmuVmids smmu(SmmuVmidFeatures features) {
        return new VmidPolicyChooser(Optional.of(kvm), VmidPolicyConfig.DEFAULT).forSmmu(features);
    }

    @Test
    void btm_smmu_with_a_tied_vm_gets_the_pinned_kvm_vmid() {
        SmmuVmids smmu = smmu(BTM8);
        assertThat(smmu.btmEnabled()).isTrue();
        assertThat(smmu.ptm()).isFalse();
        Vm vm = kvm.createVm();
        VmidLease lease = smmu.acquire(VmidRequest.forVm(vm));
        assertThat(lease.source()).isEqualTo(VmidSource.KVM_PINNED);
        assertThat(lease.vmid()).isEqualTo(vm.currentVmid()).isNotZero();
        assertThat(lease.broadcastMaintenance()).isTrue();
        assertThat(lease.vm()).contains(vm);
        assertThat(vm.isPinned()).isTrue();
        assertThat(vm.users()).as("file + lease + pin").isEqualTo(3);
    }

    @Test
    void btm_smmu_without_a_vm_gets_a_private_vmid_from_the_partition_kvm_never_uses() {
        SmmuVmids smmu = smmu(BTM8);
        VmidLease lease = smmu.acquire(VmidRequest.untied());
        assertThat(lease.source()).isEqualTo(VmidSource.SMMU_PRIVATE);
        assertThat(lease.vmid()).isEqualTo(240);
        assertThat(lease.broadcastMaintenance()).isFalse();
        assertThat(smmu.smmuPrivate().first()).isEqualTo(kvm.config().firstSmmuPrivateVmid()).isEqualTo(240);
        assertThat(smmu.smmuPrivate().last()).isEqualTo(255);
        assertThat(smmu.btmDecision()).contains("240..255");
    }

    @Test
    void smmu_without_btm_uses_its_whole_space_privately() {
        SmmuVmids smmu = smmu(new SmmuVmidFeatures(16, false, true, false));
        assertThat(smmu.btmEnabled()).isFalse();
        assertThat(smmu.ptm()).isTrue();
        assertThat(smmu.btmDecision()).contains("IDR0.BTM=0");
        Vm vm = kvm.createVm();
        VmidLease lease = smmu.acquire(VmidRequest.forVm(vm));
        assertThat(lease.source()).isEqualTo(VmidSource.SMMU_PRIVATE);
        assertThat(lease.vmid()).isEqualTo(1);
        assertThat(lease.vm()).contains(vm);
        assertThat(vm.isPinned()).isFalse();
        assertThat(smmu.smmuPrivate().last()).isEqualTo(65535);
    }

    @Test
    void btm_is_refused_and_the_reason_named_for_every_failed_condition() {
        assertThat(smmu(new SmmuVmidFeatures(8, true, true, true)).btmDecision()).contains("CR2.PTM=1");
        assertThat(smmu(BTM16).btmDecision()).contains("8-bit VMIDs but the SMMU 16-bit");
        assertThat(new VmidPolicyChooser(Optional.of(kvm), new VmidPolicyConfig(VmidPolicyConfig.Mode.FORCE_PRIVATE))
            .forSmmu(BTM8).btmDecision()).contains("forces SMMU-private");
        assertThat(new VmidPolicyChooser(Optional.empty(), VmidPolicyConfig.DEFAULT).forSmmu(BTM8).btmDecision())
            .contains("no KVM host");
        Kvm noPin = new Kvm(KvmConfig.of(8, 2).withPinning(false).withSmmuPrivateVmids(16));
        assertThat(new VmidPolicyChooser(Optional.of(noPin), VmidPolicyConfig.DEFAULT).forSmmu(BTM8).btmDecision())
            .contains("cannot pin");
        Kvm vhe = new Kvm(KvmConfig.of(8, 2).withVhe(true).withSmmuPrivateVmids(16));
        VmidPolicyChooser vheChooser = new VmidPolicyChooser(Optional.of(vhe), VmidPolicyConfig.DEFAULT);
        assertThat(vheChooser.forSmmu(new SmmuVmidFeatures(8, true, false, false)).btmDecision())
            .contains("IDR0.HYP");
        assertThat(vheChooser.forSmmu(BTM8).btmEnabled()).isTrue();
        Kvm noPartition = new Kvm(KvmConfig.of(8, 2));
        assertThat(new VmidPolicyChooser(Optional.of(noPartition), VmidPolicyConfig.DEFAULT).forSmmu(BTM8)
            .btmDecision()).contains("alias");
        for (SmmuVmids refused : List.of(smmu(BTM16), smmu(new SmmuVmidFeatures(8, true, true, true)))) {
            assertThat(refused.btmEnabled()).isFalse();
            assertThat(refused.ptm()).isTrue();
            assertThat(refused.kvmPinned()).isEmpty();
            assertThat(refused.btmDecision()).startsWith("BTM off (CR2.PTM=1)");
        }
    }

    @Test
    void features_read_from_idr0() {
        int idr0 = SmmuVmidFeatures.IDR0_BTM | SmmuVmidFeatures.IDR0_VMID16;
        assertThat(SmmuVmidFeatures.fromIdr0(idr0, false)).isEqualTo(new SmmuVmidFeatures(16, true, false, false));
        assertThat(SmmuVmidFeatures.fromIdr0(SmmuVmidFeatures.IDR0_HYP, true))
            .isEqualTo(new SmmuVmidFeatures(8, false, true, true));
    }

    @Test
    void the_kvm_pinned_policy_refuses_mismatched_widths_and_untied_contexts() {
        assertThatThrownBy(() -> new KvmPinned(kvm, BTM16)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("8-bit but the SMMU's are 16-bit");
        KvmPinned policy = new KvmPinned(kvm, BTM8);
        assertThatThrownBy(() -> policy.acquire(VmidRequest.untied()))
            .isInstanceOfSatisfying(VmidException.class, e -> assertThat(e.errno()).isEqualTo(VmidErrno.EINVAL))
            .hasMessage("EINVAL: a nesting context that needs the KVM VMID must be tied to a KVM VM");
        Vm destroyed = kvm.createVm();
        destroyed.destroy();
        assertThatThrownBy(() -> policy.acquire(VmidRequest.forVm(destroyed)))
            .isInstanceOfSatisfying(VmidException.class, e -> assertThat(e.errno()).isEqualTo(VmidErrno.EINVAL));
        Vm foreign = new Kvm(KvmConfig.of(8, 2)).createVm();
        assertThatThrownBy(() -> policy.acquire(VmidRequest.forVm(foreign)))
            .isInstanceOf(VmidException.class).hasMessageContaining("another KVM host");
    }

    @Test
    void at_the_pin_cap_acquisition_fails_with_enospc_and_keeps_no_reference() {
        KvmPinned policy = new KvmPinned(kvm, BTM8);
        for (int i = 0; i < kvm.maxPinnedVmids(); i++) {
            policy.acquire(VmidRequest.forVm(kvm.createVm()));
        }
        Vm late = kvm.createVm();
        assertThatThrownBy(() -> policy.acquire(VmidRequest.forVm(late)))
            .isInstanceOfSatisfying(VmidException.class, e -> assertThat(e.errno()).isEqualTo(VmidErrno.ENOSPC));
        assertThat(late.users()).isEqualTo(1);
        assertThat(late.isPinned()).isFalse();
    }

    @Test
    void the_private_range_is_exhausted_with_enospc_and_freed_vmids_are_reused_lowest_first() {
        SmmuPrivate policy = new SmmuPrivate(10, 12);
        List<VmidLease> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(policy.acquire(VmidRequest.untied()));
        }
        assertThat(leases).extracting(VmidLease::vmid).containsExactly(10, 11, 12);
        assertThatThrownBy(() -> policy.acquire(VmidRequest.untied()))
            .isInstanceOfSatisfying(VmidException.class, e -> assertThat(e.errno()).isEqualTo(VmidErrno.ENOSPC))
            .hasMessage("ENOSPC: all 3 SMMU-private VMIDs 10..12 are in use");
        leases.get(1).release(NOTHING_CACHED);
        assertThat(policy.isAllocated(11)).isFalse();
        assertThat(policy.acquire(VmidRequest.untied()).vmid()).isEqualTo(11);
        assertThatThrownBy(() -> new SmmuPrivate(0, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SmmuPrivate(5, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SmmuPrivate.wholeSpace(BTM8).last()).isEqualTo(255);
    }

    @Test
    void release_quiesces_the_smmu_before_the_vmid_is_unpinned_and_the_vm_put() {
        KvmPinned policy = new KvmPinned(kvm, BTM8);
        Vm vm = kvm.createVm();
        VmidLease lease = policy.acquire(VmidRequest.forVm(vm));
        vm.destroy();
        assertThat(vm.isFreed()).as("the lease keeps the VM").isFalse();
        List<String> seen = new ArrayList<>();
        lease.release(vmid -> {
            assertThat(vmid).isEqualTo(lease.vmid());
            seen.add("quiesce: pinned=" + vm.isPinned() + " freed=" + vm.isFreed());
        });
        assertThat(seen).containsExactly("quiesce: pinned=true freed=false");
        assertThat(vm.isPinned()).isFalse();
        assertThat(vm.isFreed()).isTrue();
        assertThat(lease.isReleased()).isTrue();
        assertThatThrownBy(() -> lease.release(NOTHING_CACHED)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("already released");
    }

    @Test
    void a_failed_quiesce_keeps_the_vmid_leased() {
        SmmuPrivate policy = new SmmuPrivate(1, 255);
        VmidLease lease = policy.acquire(VmidRequest.untied());
        assertThatThrownBy(() -> lease.release(vmid -> {
            throw new IllegalStateException("CMD_SYNC timed out");
        })).hasMessage("CMD_SYNC timed out");
        assertThat(lease.isReleased()).isFalse();
        assertThat(policy.isAllocated(lease.vmid())).isTrue();
        lease.release(NOTHING_CACHED);
        assertThat(policy.isAllocated(lease.vmid())).isFalse();

        Vm vm = kvm.createVm();
        VmidLease pinned = new KvmPinned(kvm, BTM8).acquire(VmidRequest.forVm(vm));
        assertThatThrownBy(() -> pinned.release(vmid -> {
            throw new IllegalStateException("STE still live");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(vm.isPinned()).isTrue();
        assertThat(pinned.isReleased()).isFalse();
    }

    @Test
    void two_domains_of_one_vm_share_its_pinned_vmid_with_one_pin_each() {
        SmmuVmids smmu = smmu(BTM8);
        Vm vm = kvm.createVm();
        VmidLease a = smmu.acquire(VmidRequest.forVm(vm));
        VmidLease b = smmu.acquire(VmidRequest.forVm(vm));
        assertThat(a.vmid()).isEqualTo(b.vmid());
        assertThat(vm.pinCount()).isEqualTo(2);
        a.release(NOTHING_CACHED);
        assertThat(vm.pinCount()).isEqualTo(1);
        b.release(NOTHING_CACHED);
        assertThat(vm.pinCount()).isZero();
        assertThat(vm.users()).isEqualTo(1);
    }
    @Test
    void after_a_rollover_an_unpinned_copy_of_a_kvm_vmid_belongs_to_another_vm_but_a_pinned_one_does_not() {
        Vm a = kvm.createVm();
        a.createVcpu().load(0);
        a.vcpus().get(0).put();
        VmidLease unsafe = new UnsafeUnpinnedKvmVmid(kvm).acquire(VmidRequest.forVm(a));
        assertThat(unsafe.vmid()).isEqualTo(1);
        // Fresh VMs run until one of them rolls over; that one searches from index 1 and takes the copied VMID.
        long rollovers = kvm.rollovers();
        Vm thief;
        do {
            thief = kvm.createVm();
            thief.createVcpu().load(1);
            thief.vcpus().get(0).put();
        } while (kvm.rollovers() == rollovers);
        assertThat(thief.currentVmid()).as("another VM now runs with the SMMU domain's VMID").isEqualTo(unsafe.vmid());
        a.vcpus().get(0).load(0);
        assertThat(a.currentVmid()).as("A moved away from the VMID its SMMU domain still uses")
            .isNotEqualTo(unsafe.vmid());
        a.vcpus().get(0).put();

        Vm b = kvm.createVm();
        VmidLease pinned = new KvmPinned(kvm, BTM8).acquire(VmidRequest.forVm(b));
        for (int i = 0; i < 3; i++) {
            kvm.forceRollover(1);
        }
        assertThat(b.currentVmid()).isEqualTo(pinned.vmid());
        Vm fresh = kvm.createVm();
        fresh.createVcpu().load(1);
        assertThat(fresh.currentVmid()).isNotEqualTo(pinned.vmid());
        unsafe.release(NOTHING_CACHED);
        assertThat(a.users()).isEqualTo(1);
    }

    /** The 2021 review's rule: a nesting context that needs the KVM VMID must be tied to KVM (no private fallback). */
    @Test
    void on_a_btm_smmu_an_untied_nesting_request_is_einval_but_an_untied_host_domain_is_private() {
        SmmuVmids smmu = smmu(BTM8);
        assertThatThrownBy(() -> smmu.acquire(VmidRequest.nesting(Optional.empty())))
            .isInstanceOf(VmidException.class).hasMessageContaining(KvmPinned.NO_VM)
            .extracting(e -> ((VmidException) e).errno()).isEqualTo(VmidErrno.EINVAL);
        assertThat(smmu.smmuPrivate().allocated()).isZero();
        assertThat(smmu.acquire(VmidRequest.untied()).source()).isEqualTo(VmidSource.SMMU_PRIVATE);
        // Without BTM the untied nesting context is served privately: no guest broadcast could reach it anyway.
        assertThat(smmu(new SmmuVmidFeatures(8, false, false, true)).acquire(VmidRequest.nesting(Optional.empty()))
            .source()).isEqualTo(VmidSource.SMMU_PRIVATE);
    }

    /** smmuv3.md 7.1: STEs with different stage-2 table pointers must not share a VMID. */
    @Test
    void one_vms_pinned_vmid_tags_one_stage2_table_per_smmu() {
        SmmuVmids smmu = smmu(BTM8);
        SmmuVmids other = smmu(BTM8);
        Vm vm = kvm.createVm();
        VmidLease a = smmu.acquire(VmidRequest.forVm(vm).onStage2(0x1000));
        VmidLease again = smmu.acquire(VmidRequest.forVm(vm).onStage2(0x1000));
        assertThatThrownBy(() -> smmu.acquire(VmidRequest.forVm(vm).onStage2(0x2000)))
            .isInstanceOf(VmidException.class).hasMessageContaining(KvmPinned.SECOND_STAGE2)
            .extracting(e -> ((VmidException) e).errno()).isEqualTo(VmidErrno.EBUSY);
        assertThat(vm.pinCount()).as("the refusal took no pin").isEqualTo(2);
        VmidLease elsewhere = other.acquire(VmidRequest.forVm(vm).onStage2(0x2000));
        assertThat(elsewhere.vmid()).as("another SMMU has its own TLB").isEqualTo(a.vmid());
        a.release(NOTHING_CACHED);
        assertThatThrownBy(() -> smmu.acquire(VmidRequest.forVm(vm).onStage2(0x2000)))
            .isInstanceOf(VmidException.class);
        again.release(NOTHING_CACHED);
        assertThat(smmu.kvmPinned().orElseThrow().stage2Of(vm)).isEmpty();
        VmidLease b = smmu.acquire(VmidRequest.forVm(vm).onStage2(0x2000));
        assertThat(smmu.kvmPinned().orElseThrow().stage2Of(vm)).hasValue(0x2000);
        b.release(NOTHING_CACHED);
        elsewhere.release(NOTHING_CACHED);
        assertThat(vm.isPinned()).isFalse();
    }
}
