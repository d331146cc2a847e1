package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * The checked-in inputs of {@link ArmIsolationFuzzTest} reach what their names say, and the fuzzer's oracle fails
 * on them under the unsafe policies (so a fuzzing run could find those defects).
 */
class ArmIsolationSeedsTest {
    private static final String DIR = "ArmIsolationFuzzTestInputs/"
        + "guest_facing_arm_sequences_keep_every_device_inside_its_own_ioas/";

    private static byte[] seed(String name) throws IOException {
        try (InputStream in = ArmIsolationSeedsTest.class.getResourceAsStream(DIR + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void eachSeedReachesItsPath() throws IOException {
        IsolationWorld rollover = ArmIsolationFuzzTest.run(seed("btm_guest_unmap_after_rollover"));
        assertThat(rollover.btm()).isTrue();
        assertThat(rollover.platform.kvm().orElseThrow().rollovers()).isPositive();
        assertThat(ArmIsolationFuzzTest.run(seed("two_nest_parents_of_one_vm")).refusedViommus).isEqualTo(1);
        IsolationWorld raw = ArmIsolationFuzzTest.run(seed("raw_vstes_and_guest_commands"));
        assertThat(raw.rawVstesAccepted).as("the valid stage-1 and bypass vSTEs").isEqualTo(2);
        assertThat(raw.guestCommandsAccepted).isPositive();
        assertThat(ArmIsolationFuzzTest.run(seed("vevent_forwarding")).eventsRead).isPositive();
        assertThat(ArmIsolationFuzzTest.run(seed("host_stage2_changes_without_btm")).btm()).isFalse();
        IsolationWorld upstream = ArmIsolationFuzzTest.run(seed("upstream_vmid_mode"));
        assertThat(upstream.platform.driver(0).vmids().viommuVmidFromNestParent()).isTrue();
        assertThat(upstream.dmaReads).isEqualTo(3);
    }

    @Test
    void underTheUnsafePoliciesTheFuzzersOracleFails() throws IOException {
        byte[] rollover = seed("btm_guest_unmap_after_rollover");
        assertThatThrownBy(() -> ArmIsolationFuzzTest.run(rollover, IsolationWorld.Policy.UNPINNED_KVM_VMID))
            .isInstanceOf(AssertionError.class).hasMessageContaining(IsolationWorld.ISOLATION);
        byte[] twoParents = seed("two_nest_parents_of_one_vm");
        assertThatThrownBy(() -> ArmIsolationFuzzTest.run(twoParents, IsolationWorld.Policy.ONE_VMID_OVER_TWO_TABLES))
            .isInstanceOf(AssertionError.class).hasMessageContaining(IsolationWorld.ISOLATION);
    }
}
