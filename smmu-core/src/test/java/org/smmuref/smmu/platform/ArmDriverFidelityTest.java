package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.smmu.platform.Machines.errno;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.hw.SmmuFeatures;

/** Driver rules of issue 11 checked through the ioctls against the kernel's arm-smmu-v3 functions named below. */
class ArmDriverFidelityTest {
    /** IIDR of an Arm MMU-700 r1p1: ProductID 0x487 [31:20], Variant 1 [19:16], Revision 1 [15:12], Arm 0x43b. */
    private static final int IIDR_MMU_700 = 0x487 << 20 | 1 << 16 | 1 << 12 | 0x43b;

    /** One SMMU with {@code features}, StreamID 0x8 without and 0x9 with the firmware's CANWBS flag. */
    private static SmmuPlatform machine(SmmuFeatures features) {
        return new SmmuPlatform(new PlatformConfig(Machines.RAM, List.of(new PlatformConfig.SmmuConfig(features,
            List.of(new MasterSpec(0x8, false, false), new MasterSpec(0x9, false, true)), ArmSmmuV3Options.DEFAULT)),
            Machines.KVM, new VmidPolicyConfig(VmidPolicyConfig.Mode.FORCE_PRIVATE)));
    }

    private static Errno viommuErrno(NestingBed b, int streamId) {
        int dev = b.bind(streamId);
        int parent = b.nestParent(dev);
        return errno(() -> b.viommu(dev, parent));
    }

    @Test
    void without_s2fwb_a_viommu_needs_a_canwbs_device_and_cohacc_does_not_count() {
        // arm_smmu_get_viommu_size: !arm_smmu_master_canwbs(master) && !S2FWB -> no vIOMMU
        SmmuFeatures noFwb = SmmuFeatures.reference().fwb(false).cohacc(true).build();
        NestingBed b = new NestingBed(machine(noFwb));
        assertThat(viommuErrno(b, 0x8)).isEqualTo(Errno.EOPNOTSUPP);
        int dev = b.bind(0x9);
        assertThat(b.viommu(dev, b.nestParent(dev))).isPositive();
    }

    @Test
    void with_s2fwb_a_viommu_needs_no_canwbs() {
        NestingBed b = new NestingBed(machine(SmmuFeatures.reference().cohacc(false).build()));
        int dev = b.bind(0x8);
        assertThat(b.viommu(dev, b.nestParent(dev))).isPositive();
    }

    @Test
    void an_mmu_700_forces_cmd_sync_and_gets_no_viommu() {
        // arm_smmu_device_iidr_probe sets ARM_SMMU_OPT_CMDQ_FORCE_SYNC; arm_smmu_get_viommu_size refuses it
        SmmuPlatform platform = machine(SmmuFeatures.reference().iidr(IIDR_MMU_700).build());
        assertThat(platform.driver(0).cmdqForceSync()).isTrue();
        assertThat(viommuErrno(new NestingBed(platform), 0x9)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(machine(SmmuFeatures.reference().build()).driver(0).cmdqForceSync()).isFalse();
    }

    @Test
    void the_default_platform_marks_its_devices_canwbs() {
        assertThat(PlatformConfig.defaults().smmus().get(0).devices()).allSatisfy(d -> assertThat(d.canwbs())
            .isTrue());
        assertThat(Optional.of(new MasterSpec(1, false)).map(MasterSpec::canwbs)).contains(false);
    }
}
