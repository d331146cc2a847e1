package org.smmuref.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The arm64 allocator rules of kvm-vmid.md section 3.2 and the pinning rules of section 3.3. */
class VmidAllocatorTest {

    private final List<TlbiBroadcast> broadcasts = new ArrayList<>();

    private Kvm kvm(KvmConfig config) {
        Kvm kvm = new Kvm(config);
        kvm.subscribe(broadcasts::add);
        return kvm;
    }

    /** Creates a VM, runs one vCPU of it on the CPU and puts it again; returns the VM (still open). */
    private static Vm runOnce(Kvm kvm, int cpu) {
        Vm vm = kvm.createVm();
        Vcpu vcpu = vm.createVcpu();
        vcpu.load(cpu);
        vcpu.put();
        return vm;
    }

    private static void rerun(Vm vm, int cpu) {
        Vcpu vcpu = vm.vcpus().get(0);
        vcpu.load(cpu);
        vcpu.put();
    }

    @Test
    void first_vmids_are_handed_out_next_fit_from_one_in_generation_one() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        for (int expected = 1; expected <= 5; expected++) {
            Vm vm = runOnce(kvm, 0);
            assertThat(vm.currentVmid()).isEqualTo(expected);
            assertThat(vm.vmidGeneration()).isEqualTo(1);
        }
        assertThat(kvm.generation()).isEqualTo(1);
        assertThat(broadcasts).isEmpty();
    }

    @Test
    void a_vm_that_never_ran_has_no_vmid() {
        Vm vm = kvm(KvmConfig.of(8, 2)).createVm();
        assertThat(vm.currentVmid()).isZero();
        assertThat(vm.vmidGeneration()).isZero();
    }

    @Test
    void exhausting_the_space_rolls_over_once_and_broadcasts_alle1is() {
        Kvm kvm = kvm(KvmConfig.of(8, 1));
        for (int i = 1; i <= 255; i++) {
            assertThat(runOnce(kvm, 0).currentVmid()).isEqualTo(i);
        }
        assertThat(broadcasts).isEmpty();
        Vm next = runOnce(kvm, 0);
        assertThat(kvm.generation()).isEqualTo(2);
        assertThat(kvm.rollovers()).isEqualTo(1);
        assertThat(next.vmidGeneration()).isEqualTo(2);
        assertThat(next.currentVmid()).isEqualTo(1);
        assertThat(broadcasts).singleElement().satisfies(b -> {
            assertThat(b.op()).isInstanceOf(Tlbi.Alle1is.class);
            assertThat(b.cpu()).isEqualTo(0);
        });
    }

    @Test
    void vmid_0_is_never_given_across_many_rollovers() {
        Kvm kvm = kvm(KvmConfig.of(8, 3));
        for (int i = 0; i < 4 * 255; i++) {
            Vm vm = runOnce(kvm, i % 3);
            assertThat(vm.currentVmid()).isBetween(1, 255);
            vm.destroy();
        }
        assertThat(kvm.rollovers()).isGreaterThanOrEqualTo(3);
        assertThat(broadcasts).hasSize((int) kvm.rollovers());
    }

    @Test
    void sixteen_bit_vmids_go_beyond_255_without_rollover() {
        Kvm kvm = kvm(KvmConfig.of(16, 2));
        Vm last = null;
        for (int i = 0; i < 300; i++) {
            last = runOnce(kvm, 0);
        }
        assertThat(last.currentVmid()).isEqualTo(300);
        assertThat(kvm.rollovers()).isZero();
    }

    @Test
    void kvm_never_allocates_from_the_smmu_private_partition() {
        Kvm kvm = kvm(KvmConfig.of(8, 2).withSmmuPrivateVmids(200));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 3 * 55; i++) {
            seen.add(runOnce(kvm, 0).currentVmid());
        }
        assertThat(seen).allMatch(v -> v >= 1 && v < 56);
        assertThat(kvm.rollovers()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void the_active_vmid_of_a_running_vcpu_survives_rollover() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = kvm.createVm();
        Vcpu vcpu = a.createVcpu();
        vcpu.load(1);
        int index = a.currentVmid();

        kvm.forceRollover(0);
        assertThat(kvm.allocator().activeVmid(1)).as("the rollover zeroed CPU 1's active entry").isZero();
        assertThat(kvm.allocator().indexOf(kvm.allocator().reservedVmid(1))).isEqualTo(index);
        // A whole generation of fresh VMs never receives the reserved index.
        for (int i = 0; i < 250; i++) {
            Vm fresh = runOnce(kvm, 0);
            assertThat(fresh.currentVmid()).isNotEqualTo(index);
            fresh.destroy();
        }
        vcpu.put();
        vcpu.load(0);
        assertThat(a.currentVmid()).isEqualTo(index);
        assertThat(a.vmidGeneration()).isEqualTo(kvm.generation());
    }

    @Test
    void a_reserved_vmid_survives_a_second_rollover_before_its_cpu_loads_again() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = kvm.createVm();
        Vcpu vcpu = a.createVcpu();
        vcpu.load(1);
        int index = a.currentVmid();
        kvm.forceRollover(0);
        kvm.forceRollover(0);
        assertThat(kvm.generation()).isEqualTo(3);
        assertThat(kvm.allocator().isAllocated(index)).isTrue();
        vcpu.put();
        vcpu.load(1);
        assertThat(a.currentVmid()).isEqualTo(index);
        assertThat(a.vmidGeneration()).isEqualTo(3);
    }

    @Test
    void a_put_vm_holds_no_vmid_across_rollover_and_can_lose_its_index() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = runOnce(kvm, 1);
        assertThat(a.currentVmid()).isEqualTo(1);
        kvm.forceRollover(0);
        // The VM that triggered the rollover searched from index 1 and took it.
        Vm thief = kvm.createVm();
        Vcpu t = thief.createVcpu();
        t.load(0);
        assertThat(thief.currentVmid()).isEqualTo(2);
        rerun(a, 1);
        assertThat(a.currentVmid()).isNotEqualTo(1).isEqualTo(3);
    }

    @Test
    void a_vm_keeps_its_old_index_in_the_new_generation_while_it_is_still_free() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        for (int i = 0; i < 4; i++) {
            runOnce(kvm, 0);
        }
        Vm a = runOnce(kvm, 0);
        assertThat(a.currentVmid()).isEqualTo(5);
        kvm.forceRollover(0);
        rerun(a, 1);
        assertThat(a.currentVmid()).isEqualTo(5);
        assertThat(a.vmidGeneration()).isEqualTo(2);
    }

    @Test
    void reloading_a_current_vmid_takes_the_lock_free_fast_path() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = runOnce(kvm, 0);
        long slow = kvm.allocator().slowPaths();
        long fast = kvm.allocator().fastPaths();
        rerun(a, 0);
        assertThat(kvm.allocator().fastPaths()).isEqualTo(fast + 1);
        assertThat(kvm.allocator().slowPaths()).isEqualTo(slow);
        // After a rollover the CPU's active entry is 0, which forces the slow path once.
        kvm.forceRollover(1);
        long slowAfterRollover = kvm.allocator().slowPaths();
        rerun(a, 0);
        assertThat(kvm.allocator().slowPaths()).isEqualTo(slowAfterRollover + 1);
    }

    @Test
    void a_rollover_between_the_fast_path_reads_and_its_exchange_forces_the_slow_path() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = runOnce(kvm, 0);
        VmidAllocator allocator = kvm.allocator();
        // CPU 0 is about to load A: it has read its active entry and A's VMID, and the generation matched ...
        long oldActive = allocator.activeVmid(0);
        long id = a.vmidState().id();
        assertThat(oldActive).isNotZero();
        assertThat(allocator.generationOf(id)).isEqualTo(kvm.generation());
        // ... when CPU 1 rolls over: CPU 0's entry becomes 0 and A's index is not reserved in the new generation.
        kvm.forceRollover(1);
        assertThat(allocator.activeVmid(0)).isZero();
        assertThat(allocator.exchangeActive(0, oldActive, id)).as("the exchange must fail on 0").isFalse();
        assertThat(allocator.activeVmid(0)).as("the stale VMID was not installed").isZero();
        // Without a rollover in between, the exchange succeeds.
        rerun(a, 0);
        long current = a.vmidState().id();
        assertThat(allocator.exchangeActive(0, allocator.activeVmid(0), current)).isTrue();
        assertThat(allocator.activeVmid(0)).isEqualTo(current);
    }

    @Test
    void put_marks_the_cpu_active_vmid_invalid_rather_than_zero() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        runOnce(kvm, 0);
        assertThat(kvm.allocator().activeVmid(0)).isEqualTo(1L << 8);
        assertThat(kvm.allocator().indexOf(kvm.allocator().activeVmid(0))).isZero();
    }

    @Test
    void pin_returns_the_current_index_and_is_reference_counted() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        runOnce(kvm, 0);
        Vm a = runOnce(kvm, 0);
        assertThat(kvm.pin(a)).isEqualTo(2).isEqualTo(a.currentVmid());
        assertThat(kvm.pin(a)).isEqualTo(2);
        assertThat(a.pinCount()).isEqualTo(2);
        assertThat(kvm.pinnedVmids()).isEqualTo(1);
        kvm.unpin(a);
        assertThat(a.isPinned()).isTrue();
        assertThat(kvm.allocator().isPinned(2)).isTrue();
        kvm.unpin(a);
        assertThat(a.isPinned()).isFalse();
        assertThat(kvm.allocator().isPinned(2)).isFalse();
        assertThat(kvm.pinnedVmids()).isZero();
    }

    @Test
    void pinning_a_vm_that_never_ran_allocates_its_vmid() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = kvm.createVm();
        int vmid = kvm.pin(a);
        assertThat(vmid).isEqualTo(1).isEqualTo(a.currentVmid());
    }

    @Test
    void pinning_a_stale_vm_moves_it_to_the_current_generation() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = runOnce(kvm, 0);
        kvm.forceRollover(0);
        assertThat(a.vmidGeneration()).isEqualTo(1);
        kvm.pin(a);
        assertThat(a.vmidGeneration()).isEqualTo(2);
    }

    @Test
    void a_pinned_vmid_keeps_its_index_across_many_rollovers_and_no_other_vm_gets_it() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        for (int i = 0; i < 7; i++) {
            runOnce(kvm, 0);
        }
        Vm a = kvm.createVm();
        a.createVcpu();
        int pinned = kvm.pin(a);
        assertThat(pinned).isEqualTo(8);
        long start = kvm.rollovers();
        while (kvm.rollovers() < start + 5) {
            Vm fresh = runOnce(kvm, 0);
            assertThat(fresh.currentVmid()).isNotEqualTo(pinned);
            fresh.destroy();
        }
        assertThat(a.currentVmid()).isEqualTo(pinned);
        rerun(a, 1);
        assertThat(a.currentVmid()).isEqualTo(pinned);
        assertThat(a.vmidGeneration()).isEqualTo(kvm.generation());
    }

    @Test
    void an_unpinned_vmid_is_free_again_after_the_next_rollover() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = kvm.createVm();
        int vmid = kvm.pin(a);
        kvm.unpin(a);
        kvm.forceRollover(0);
        assertThat(kvm.allocator().isAllocated(vmid)).isTrue(); // the VM that triggered the rollover took index 1
        assertThat(kvm.allocator().isPinned(vmid)).isFalse();
    }

    @Test
    void the_pin_cap_is_num_vmids_minus_cpus_minus_two_and_rollover_still_succeeds_at_the_cap() {
        Kvm kvm = kvm(KvmConfig.of(8, 4));
        assertThat(kvm.maxPinnedVmids()).isEqualTo(256 - 4 - 2);
        List<Vcpu> running = new ArrayList<>();
        for (int cpu = 0; cpu < 4; cpu++) {
            Vcpu v = kvm.createVm().createVcpu();
            v.load(cpu);
            running.add(v);
        }
        List<Vm> pinnedVms = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            Vm vm = kvm.createVm();
            kvm.pin(vm);
            pinnedVms.add(vm);
        }
        Vm one = kvm.createVm();
        assertThatThrownBy(() -> kvm.pin(one))
            .isInstanceOfSatisfying(VmidException.class, e -> assertThat(e.errno()).isEqualTo(VmidErrno.ENOSPC))
            .hasMessageContaining("pinned VMID limit reached: 250 of 250");
        assertThat(one.users()).as("a failed pin keeps no VM reference").isEqualTo(1);
        // Pinning an already pinned VM only counts up.
        assertThat(kvm.pin(pinnedVms.get(0))).isEqualTo(pinnedVms.get(0).currentVmid());

        running.get(3).put();
        kvm.forceRollover(3);
        for (Vm vm : pinnedVms) {
            assertThat(kvm.allocator().isPinned(vm.currentVmid())).isTrue();
        }
        Set<Integer> runningVmids = new HashSet<>();
        for (int cpu = 0; cpu < 3; cpu++) {
            runningVmids.add(running.get(cpu).vttbrVmid());
        }
        assertThat(runningVmids).hasSize(3).doesNotContainAnyElementsOf(
            pinnedVms.stream().map(Vm::currentVmid).toList());
    }

    @Test
    void pinning_fails_clearly_when_unsupported() {
        Kvm kvm = kvm(KvmConfig.of(8, 2).withPinning(false));
        Vm vm = kvm.createVm();
        assertThat(kvm.maxPinnedVmids()).isZero();
        assertThatThrownBy(() -> kvm.pin(vm))
            .isInstanceOfSatisfying(VmidException.class, e -> assertThat(e.errno()).isEqualTo(VmidErrno.EOPNOTSUPP))
            .hasMessage("EOPNOTSUPP: this KVM host does not support pinned VMIDs");
        assertThat(vm.users()).isEqualTo(1);
    }

    @Test
    void unpinning_an_unpinned_vm_is_an_error() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm vm = kvm.createVm();
        assertThatThrownBy(() -> kvm.unpin(vm)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("not pinned");
        assertThat(vm.users()).isEqualTo(1);
    }

    @Test
    void a_pin_holds_the_vm_and_a_destroyed_vm_cannot_be_pinned() {
        Kvm kvm = kvm(KvmConfig.of(8, 2));
        Vm a = kvm.createVm();
        kvm.pin(a);
        a.destroy();
        assertThat(a.isFreed()).isFalse();
        assertThat(kvm.vms()).contains(a);
        assertThatThrownBy(() -> kvm.pin(a))
            .isInstanceOfSatisfying(VmidException.class, e -> assertThat(e.errno()).isEqualTo(VmidErrno.EINVAL));
        kvm.unpin(a);
        assertThat(a.isFreed()).isTrue();
        assertThat(kvm.vms()).doesNotContain(a);
    }

    @Test
    void configurations_without_room_for_a_rollover_are_rejected() {
        assertThatThrownBy(() -> KvmConfig.of(12, 2)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("8 or 16");
        assertThatThrownBy(() -> KvmConfig.of(8, 255)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("rollover");
        assertThatThrownBy(() -> KvmConfig.of(8, 4).withSmmuPrivateVmids(251))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(KvmConfig.of(8, 4).withSmmuPrivateVmids(200).maxPinnedVmids()).isEqualTo(56 - 4 - 2);
        assertThat(KvmConfig.of(16, 8).maxPinnedVmids()).isEqualTo(65536 - 8 - 2);
    }
}
