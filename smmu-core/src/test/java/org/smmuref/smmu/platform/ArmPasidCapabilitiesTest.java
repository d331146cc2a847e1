package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.hw.SmmuFeatures;

/**
 * GET_HW_INFO's PASID answers on the ARM SMMUv3 (iommufd_get_hw_info): {@code out_max_pasid_log2} is ilog2 of the
 * device's max_pasids, which dev_iommu_get_max_pasids takes as the smaller of the PCI PASID width and the SMMU's
 * {@code 1 << ssid_bits} (IDR1.SSIDSIZE, arm_smmu_device_hw_probe); EXEC / PRIV come from the PASID capability; a
 * device without one reports 0 and no PASID capability bits.
 */
class ArmPasidCapabilitiesTest {
    private static IommuHwInfo hwInfo(int ssidSize, MasterSpec master) {
        PlatformConfig.SmmuConfig smmu = new PlatformConfig.SmmuConfig(SmmuFeatures.reference().ssidSize(ssidSize)
            .build(), List.of(master), ArmSmmuV3Options.DEFAULT);
        SmmuPlatform platform = new SmmuPlatform(new PlatformConfig(Machines.RAM, List.of(smmu), Machines.KVM,
            new VmidPolicyConfig(VmidPolicyConfig.Mode.AUTO)));
        NestingBed b = new NestingBed(platform);
        int d = b.bind(master.streamId());
        long uptr = b.put(new byte[64]);
        return b.iommufd.getHwInfo(b.ctx, Requests.getHwInfo(0, d, 64, uptr, 0, 0));
    }

    @Test
    void the_smaller_of_the_pci_width_and_ssidsize() {
        IommuHwInfo wide = hwInfo(20, new MasterSpec(0x8, false, false, 8, true, false));
        assertThat(wide.outMaxPasidLog2()).isEqualTo(8);
        assertThat(wide.outCapabilities()).isEqualTo(IommufdConstants.IOMMU_HW_CAP_PCI_PASID_EXEC);
        IommuHwInfo narrow = hwInfo(5, new MasterSpec(0x8, false, false, 16, false, true));
        assertThat(narrow.outMaxPasidLog2()).isEqualTo(5);
        assertThat(narrow.outCapabilities()).isEqualTo(IommufdConstants.IOMMU_HW_CAP_PCI_PASID_PRIV);
    }

    @Test
    void no_pasid_capability_reports_nothing() {
        IommuHwInfo none = hwInfo(20, new MasterSpec(0x8, false));
        assertThat(none.outMaxPasidLog2()).isZero();
        assertThat(none.outCapabilities()).isZero();
    }

    @Test
    void a_pasid_width_pcie_cannot_express_is_refused() {
        assertThatThrownBy(() -> new MasterSpec(0x8, false, false, 21, false, false))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
