package org.smmuref.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** vCPU loading, VM lifetime and broadcast TLBI delivery of the KVM model. */
class KvmTest {

    private final Kvm kvm = new Kvm(KvmConfig.of(8, 2));
    private final List<TlbiBroadcast> first = new ArrayList<>();
    private final List<TlbiBroadcast> second = new ArrayList<>();

    @Test
    void a_cpu_runs_one_vcpu_and_a_vcpu_runs_on_one_cpu() {
        Vm vm = kvm.createVm();
        Vcpu a = vm.createVcpu();
        Vcpu b = vm.createVcpu();
        a.load(0);
        assertThat(kvm.runningOn(0)).contains(a);
        assertThat(a.loadedCpu()).hasValue(0);
        assertThatThrownBy(() -> b.load(0)).isInstanceOf(IllegalStateException.class)
            .hasMessage("CPU 0 already runs vm1/vcpu0; put it first");
        assertThat(b.isLoaded()).isFalse();
        assertThatThrownBy(() -> a.load(1)).isInstanceOf(IllegalStateException.class)
            .hasMessage("vm1/vcpu0 is already loaded on CPU 0; put it first");
        assertThatThrownBy(() -> b.put()).isInstanceOf(IllegalStateException.class)
            .hasMessage("vm1/vcpu1 is not loaded");
        assertThatThrownBy(() -> b.load(2)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("CPU 2 does not exist");
        a.put();
        assertThat(kvm.runningOn(0)).isEmpty();
        b.load(0);
        assertThat(b.vttbrVmid()).isEqualTo(vm.currentVmid()).isEqualTo(1);
    }

    @Test
    void vcpus_of_another_host_are_refused() {
        Kvm other = new Kvm(KvmConfig.of(8, 2));
        Vcpu foreign = other.createVm().createVcpu();
        assertThatThrownBy(() -> kvm.load(foreign, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("another KVM host");
    }

    @Test
    void destroy_puts_loaded_vcpus_and_frees_an_unreferenced_vm() {
        Vm vm = kvm.createVm();
        Vcpu vcpu = vm.createVcpu();
        vcpu.load(1);
        vm.destroy();
        assertThat(vcpu.isLoaded()).isFalse();
        assertThat(kvm.runningOn(1)).isEmpty();
        assertThat(vm.isFreed()).isTrue();
        assertThat(kvm.vms()).doesNotContain(vm);
        assertThatThrownBy(() -> vcpu.load(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(vm::destroy).isInstanceOf(IllegalStateException.class).hasMessage("vm1 is destroyed");
        assertThatThrownBy(vm::createVcpu).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void a_reference_keeps_a_destroyed_vm_until_it_is_put() {
        Vm vm = kvm.createVm();
        vm.get();
        assertThat(vm.users()).isEqualTo(2);
        vm.destroy();
        assertThat(vm.isDestroyed()).isTrue();
        assertThat(vm.isFreed()).isFalse();
        assertThat(kvm.vms()).containsExactly(vm);
        vm.put();
        assertThat(vm.isFreed()).isTrue();
        assertThatThrownBy(vm::put).isInstanceOf(IllegalStateException.class).hasMessageContaining("put twice");
        assertThatThrownBy(vm::get).isInstanceOf(IllegalStateException.class).hasMessage("vm1 is freed");
    }

    @Test
    void guest_tlbis_reach_every_subscriber_tagged_with_the_running_vmid() {
        kvm.subscribe(first::add);
        kvm.subscribe(second::add);
        kvm.createVm().createVcpu().load(0);
        kvm.runningOn(0).orElseThrow().put();
        Vm vm = kvm.createVm();
        Vcpu vcpu = vm.createVcpu();
        vcpu.load(1);
        Tlbi.Vae1is op = new Tlbi.Vae1is(7, 0x4000_1000L, true);
        vcpu.tlbi(op);
        assertThat(first).containsExactly(new TlbiBroadcast(op, 2, 1));
        assertThat(second).isEqualTo(first);
        assertThat(first.get(0).op().mnemonic()).isEqualTo("VALE1IS");
    }

    @Test
    void a_vcpu_that_is_not_loaded_cannot_issue_a_tlbi() {
        kvm.subscribe(first::add);
        Vcpu vcpu = kvm.createVm().createVcpu();
        assertThatThrownBy(() -> vcpu.tlbi(new Tlbi.Vmalle1is())).isInstanceOf(IllegalStateException.class)
            .hasMessage("vm1/vcpu0 is not loaded: only a running vCPU issues VMALLE1IS");
        vcpu.load(0);
        vcpu.put();
        assertThatThrownBy(() -> vcpu.tlbi(new Tlbi.Aside1is(1))).isInstanceOf(IllegalStateException.class);
        assertThat(first).isEmpty();
    }

    @Test
    void closing_a_subscription_stops_delivery() {
        Kvm.Subscription sub = kvm.subscribe(first::add);
        Vcpu vcpu = kvm.createVm().createVcpu();
        vcpu.load(0);
        vcpu.tlbi(new Tlbi.Vmalle1is());
        sub.close();
        vcpu.tlbi(new Tlbi.Vmalle1is());
        assertThat(first).hasSize(1);
    }

    @Test
    void host_tlbis_for_a_vm_carry_its_current_vmid_and_need_one() {
        kvm.subscribe(first::add);
        Vm vm = kvm.createVm();
        assertThat(vm.hostTlbi(new Tlbi.Vmalls12e1is())).isFalse();
        assertThat(first).isEmpty();
        Vcpu vcpu = vm.createVcpu();
        vcpu.load(0);
        vcpu.put();
        Tlbi.Ripas2e1is op = new Tlbi.Ripas2e1is(0x8000_0000L, new Tlbi.Range(1, 0, 3, 3), false);
        assertThat(vm.hostTlbi(op)).isTrue();
        assertThat(first).containsExactly(new TlbiBroadcast(op, 1, TlbiBroadcast.HOST));
        vm.destroy();
        assertThatThrownBy(() -> vm.hostTlbi(op)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void every_rollover_broadcasts_one_alle1is_to_every_subscriber() {
        kvm.subscribe(first::add);
        kvm.subscribe(second::add);
        kvm.forceRollover(0);
        kvm.forceRollover(1);
        assertThat(kvm.rollovers()).isEqualTo(2);
        assertThat(first).extracting(TlbiBroadcast::op).containsExactly(new Tlbi.Alle1is(), new Tlbi.Alle1is());
        assertThat(first).extracting(TlbiBroadcast::cpu).containsExactly(0, 1);
        assertThat(second).isEqualTo(first);
    }

    @Test
    void forcing_a_rollover_needs_a_free_cpu_and_reports_how_many_vms_it_took() {
        Vcpu vcpu = kvm.createVm().createVcpu();
        vcpu.load(0);
        assertThatThrownBy(() -> kvm.forceRollover(0)).isInstanceOf(IllegalStateException.class);
        // VMID 1 is taken; 2..255 are 254 fresh VMs, the 255th rolls over.
        assertThat(kvm.forceRollover(1)).isEqualTo(255);
        assertThat(kvm.generation()).isEqualTo(2);
        assertThat(kvm.vms()).hasSize(1);
    }
}
