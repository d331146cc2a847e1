package org.smmuref.kvm.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/** The v1 VMID override (IOMMU_SMMUV3_FLAG_VMID + s2vmid) is rejected by every safe policy, with EOPNOTSUPP. */
class UserVmidOverrideTest {

    private static final SmmuVmidFeatures BTM8 = new SmmuVmidFeatures(8, true, true, false);

    private final Kvm kvm = new Kvm(KvmConfig.of(8, 2).withSmmuPrivateVmids(16));
    private final Vm vm = kvm.createVm();
    private final SmmuVmids btmSmmu = new VmidPolicyChooser(Optional.of(kvm), VmidPolicyConfig.DEFAULT).forSmmu(BTM8);
    private final SmmuVmids plainSmmu = new VmidPolicyChooser(Optional.of(kvm), VmidPolicyConfig.DEFAULT)
        .forSmmu(new SmmuVmidFeatures(16, false, false, true));

    private List<VmidPolicy> safePolicies() {
        return List.of(btmSmmu, plainSmmu, btmSmmu.smmuPrivate(), btmSmmu.kvmPinned().orElseThrow(),
            plainSmmu.smmuPrivate());
    }

    @Test
    void a_user_chosen_vmid_is_rejected_with_eopnotsupp_and_the_isolation_reason() {
        UserVmidOverride v1 = new UserVmidOverride(UserVmidOverride.FLAG_S2 | UserVmidOverride.FLAG_VMID, 5);
        for (VmidPolicy policy : safePolicies()) {
            for (VmidRequest request : List.of(VmidRequest.forVm(vm).withUserOverride(v1),
                VmidRequest.untied().withUserOverride(v1))) {
                assertThatThrownBy(() -> policy.acquire(request))
                    .as("%s", policy)
                    .isInstanceOfSatisfying(VmidException.class,
                        e -> assertThat(e.errno()).isEqualTo(VmidErrno.EOPNOTSUPP))
                    .hasMessage("EOPNOTSUPP: " + UserVmidOverride.REJECTION_REASON + " (asked for s2vmid=5)")
                    .hasMessageContaining("alias another VM's cached translations");
            }
        }
        assertThat(UserVmidOverride.REJECTION_ERRNO.value()).isEqualTo(95);
        assertThat(vm.isPinned()).as("nothing was pinned on the way").isFalse();
        assertThat(vm.users()).isEqualTo(1);
        assertThat(btmSmmu.smmuPrivate().allocated()).isZero();
    }

    @Test
    void an_s2vmid_without_the_flag_is_rejected_too() {
        UserVmidOverride sneaky = new UserVmidOverride(UserVmidOverride.FLAG_S2, 7);
        assertThat(sneaky.requestsVmid()).isTrue();
        assertThatThrownBy(() -> plainSmmu.acquire(VmidRequest.untied().withUserOverride(sneaky)))
            .isInstanceOfSatisfying(VmidException.class, e -> assertThat(e.errno()).isEqualTo(VmidErrno.EOPNOTSUPP));
    }

    @Test
    void v1_fields_that_ask_for_no_vmid_are_served_normally() {
        UserVmidOverride s2Only = new UserVmidOverride(UserVmidOverride.FLAG_S2, 0);
        assertThat(s2Only.requestsVmid()).isFalse();
        VmidLease lease = btmSmmu.acquire(VmidRequest.forVm(vm).withUserOverride(s2Only));
        assertThat(lease.source()).isEqualTo(VmidSource.KVM_PINNED);
    }

    @Test
    void only_the_unsafe_demonstration_policy_honours_it() {
        UserVmidOverride v1 = new UserVmidOverride(UserVmidOverride.FLAG_VMID, 5);
        UnsafeUserChosenVmid unsafe = new UnsafeUserChosenVmid(BTM8);
        VmidLease a = unsafe.acquire(VmidRequest.untied().withUserOverride(v1));
        VmidLease b = unsafe.acquire(VmidRequest.forVm(vm).withUserOverride(v1));
        assertThat(a.vmid()).isEqualTo(b.vmid()).isEqualTo(5);
        assertThat(a.source()).isEqualTo(VmidSource.UNSAFE_USER_CHOSEN);
        assertThatThrownBy(() -> unsafe.acquire(VmidRequest.untied()))
            .isInstanceOf(VmidException.class);
        assertThatThrownBy(() -> unsafe.acquire(VmidRequest.untied()
            .withUserOverride(new UserVmidOverride(UserVmidOverride.FLAG_VMID, 256))))
            .isInstanceOf(VmidException.class).hasMessageContaining("outside 1..255");
    }
}
