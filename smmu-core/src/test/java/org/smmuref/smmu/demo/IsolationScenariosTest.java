package org.smmuref.smmu.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.smmuref.kvm.policy.SmmuVmidFeatures;
import org.smmuref.kvm.policy.SmmuVmids;
import org.smmuref.kvm.policy.UnsafeUserChosenVmid;
import org.smmuref.kvm.policy.UserVmidOverride;
import org.smmuref.kvm.policy.VmidPolicyChooser;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.kvm.policy.VmidRequest;
import org.smmuref.smmu.demo.IsolationVerdict.Design;
import org.smmuref.smmu.demo.IsolationVerdict.Scenario;

/**
 * The unsafe VMID designs really break isolation in the hardware model (the DMA reaches the other VM's RAM or the
 * freed page), and the safe policy passes the same steps. Expected addresses come from the machine's layout (guest n's
 * RAM at GUEST_PA0 + n * GUEST_STRIDE, in the order the scenario adds the guests), not from the model's answer.
 */
class IsolationScenariosTest {
    static final long BUFFER_OFFSET = IsolationScenarios.BUFFER_IPA - DemoMachine.GUEST_IPA;
    /** The buffer PA of the first and the second guest a scenario adds. */
    static final long FIRST_BUFFER = DemoMachine.GUEST_PA0 + BUFFER_OFFSET;
    static final long SECOND_BUFFER = DemoMachine.GUEST_PA0 + DemoMachine.GUEST_STRIDE + BUFFER_OFFSET;

    final IsolationScenarios scenarios = new IsolationScenarios();

    @Test
    void a_user_chosen_vmid_lets_vm_a_device_read_vm_b_memory() {
        IsolationVerdict v = scenarios.userChosenVmid(Design.UNSAFE);
        assertThat(v.vmids().get("VM A S2VMID")).as("A's VMM got VM B's VMID").isEqualTo(v.vmids().get("VM B S2VMID"));
        assertThat(v.addresses()).containsEntry("VM B buffer PA", FIRST_BUFFER)
            .containsEntry("VM A buffer PA", SECOND_BUFFER)
            .containsEntry("PA reached by VM A's device", FIRST_BUFFER);
        assertThat(v.leaked()).isTrue();
        assertThat(v.explanation()).contains("VM B secret", "VM B's RAM");
        assertThat(v.event()).isEmpty();
    }

    @Test
    void a_safe_policy_refuses_the_user_vmid_and_vm_a_device_reaches_only_its_own_memory() {
        IsolationVerdict v = scenarios.userChosenVmid(Design.SAFE);
        assertThat(v.vmids().get("VM A S2VMID")).isNotEqualTo(v.vmids().get("VM B S2VMID"));
        assertThat(v.vmids().get("VMID asked by VM A's VMM")).isEqualTo(v.vmids().get("VM B S2VMID"));
        assertThat(v.addresses()).containsEntry("PA reached by VM A's device", SECOND_BUFFER);
        assertThat(v.leaked()).isFalse();
        assertThat(v.explanation()).contains("refused (EOPNOTSUPP)", "\"VM A buffer\"");
    }

    @Test
    void b_with_a_private_vmid_under_btm_the_guest_tlbi_misses_and_the_device_reaches_the_freed_page() {
        IsolationVerdict v = scenarios.btmPrivateVmid(Design.UNSAFE);
        int kvmVmid = v.vmids().get("VM A KVM VMID (TLBI tag)");
        int s2vmid = v.vmids().get("VM A S2VMID");
        assertThat(s2vmid).isNotEqualTo(kvmVmid)
            .isGreaterThanOrEqualTo(IsolationScenarios.KVM.firstSmmuPrivateVmid());
        assertThat(v.addresses()).containsEntry("freed page PA", FIRST_BUFFER)
            .containsEntry("PA reached after the TLBI", FIRST_BUFFER);
        assertThat(v.leaked()).isTrue();
        assertThat(v.explanation()).contains("reused");
        assertThat(v.event()).as("a stale hit raises no event").isEmpty();
    }

    @Test
    void b_with_the_pinned_kvm_vmid_the_guest_tlbi_hits_and_the_dma_faults() {
        IsolationVerdict v = scenarios.btmPrivateVmid(Design.SAFE);
        assertThat(v.vmids().get("VM A S2VMID")).isEqualTo(v.vmids().get("VM A KVM VMID (TLBI tag)"));
        assertThat(v.addresses()).containsEntry("freed page PA", FIRST_BUFFER)
            .doesNotContainKey("PA reached after the TLBI");
        assertThat(v.leaked()).isFalse();
        assertThat(v.event()).isEqualTo("F_TRANSLATION");
    }

    @Test
    void c_an_unpinned_kvm_vmid_goes_to_vm_b_whose_device_then_reads_vm_a_memory() {
        IsolationVerdict v = scenarios.unpinnedKvmVmid(Design.UNSAFE);
        int a = v.vmids().get("VM A S2VMID");
        assertThat(v.vmids().get("VM B KVM VMID after the rollover")).as("KVM recycled A's VMID").isEqualTo(a);
        assertThat(v.vmids().get("VM B S2VMID")).isEqualTo(a);
        assertThat(v.vmids().get("VM A KVM VMID after reload")).isNotEqualTo(a);
        assertThat(v.addresses()).containsEntry("VM A buffer PA", FIRST_BUFFER)
            .containsEntry("PA reached by VM B's device", FIRST_BUFFER)
            .containsEntry("PA reached by VM A's device after its unmap", FIRST_BUFFER);
        assertThat(v.leaked()).isTrue();
        assertThat(v.explanation()).contains("VM A secret", "missed");
    }

    @Test
    void c_a_pinned_kvm_vmid_survives_the_rollover_and_is_never_given_to_vm_b() {
        IsolationVerdict v = scenarios.unpinnedKvmVmid(Design.SAFE);
        int a = v.vmids().get("VM A S2VMID");
        assertThat(v.vmids().get("VM B KVM VMID after the rollover")).isNotEqualTo(a);
        assertThat(v.vmids().get("VM B S2VMID")).isNotEqualTo(a).isEqualTo(v.vmids().get("VM B KVM VMID after the rollover"));
        assertThat(v.vmids().get("VM A KVM VMID after reload")).isEqualTo(a);
        assertThat(v.addresses()).containsEntry("PA reached by VM B's device", SECOND_BUFFER)
            .doesNotContainKey("PA reached by VM A's device after its unmap");
        assertThat(v.leaked()).isFalse();
        assertThat(v.event()).as("A's own TLBI removed A's entry").isEqualTo("F_TRANSLATION");
    }

    @Test
    void run_all_gives_each_scenario_unsafe_then_safe_and_every_outcome_is_the_predicted_one() {
        List<IsolationVerdict> all = scenarios.runAll();
        assertThat(all).extracting(IsolationVerdict::scenario).containsExactly(Scenario.USER_CHOSEN_VMID,
            Scenario.USER_CHOSEN_VMID, Scenario.BTM_PRIVATE_VMID, Scenario.BTM_PRIVATE_VMID,
            Scenario.UNPINNED_KVM_VMID, Scenario.UNPINNED_KVM_VMID);
        assertThat(all).extracting(IsolationVerdict::design).containsExactly(Design.UNSAFE, Design.SAFE,
            Design.UNSAFE, Design.SAFE, Design.UNSAFE, Design.SAFE);
        assertThat(all).allMatch(IsolationVerdict::asPredicted);
        assertThat(all).extracting(IsolationVerdict::leaked).containsExactly(true, false, true, false, true, false);
        assertThat(scenarios.run(Scenario.BTM_PRIVATE_VMID, Design.SAFE)).as("deterministic").isEqualTo(all.get(3));
    }

    @Test
    void the_unsafe_kernel_of_scenario_a_is_the_v1_one_private_vmids_unless_userspace_names_one() {
        SmmuVmidFeatures f = new SmmuVmidFeatures(8, true, true, true);
        SmmuVmids own = new VmidPolicyChooser(Optional.empty(), VmidPolicyConfig.DEFAULT).forSmmu(f);
        IsolationScenarios.V1Kernel v1 = new IsolationScenarios.V1Kernel(new UnsafeUserChosenVmid(f), own);
        assertThat(v1.acquire(VmidRequest.untied()).vmid()).isEqualTo(1);
        assertThat(v1.acquire(VmidRequest.untied()).vmid()).isEqualTo(2);
        assertThat(v1.acquire(VmidRequest.untied().withUserOverride(
            new UserVmidOverride(UserVmidOverride.FLAG_S2 | UserVmidOverride.FLAG_VMID, 1))).vmid()).isEqualTo(1);
        assertThat(v1.acquire(VmidRequest.untied().withUserOverride(new UserVmidOverride(UserVmidOverride.FLAG_S2, 0)))
            .vmid()).as("FLAG_S2 alone asks for no VMID").isEqualTo(3);
    }
}
