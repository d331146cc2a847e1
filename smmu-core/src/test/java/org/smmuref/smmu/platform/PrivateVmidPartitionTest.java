package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.policy.SmmuPrivate;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.hw.SmmuFeatures;

/**
 * The SMMU-private VMID partition on a BTM SMMU is explicit configuration ({@code KvmConfig.smmuPrivateVmids}): each
 * stage-2 domain takes one of its VMIDs, and exhaustion is ENOSPC (the kernel's {@code ida_alloc_range} answer in
 * {@code arm_smmu_domain_finalise_s2}) with a message that names the knob; VM-tied vIOMMUs do not use it.
 */
class PrivateVmidPartitionTest {

    private static SmmuPlatform machine(int privateVmids, int smmus) {
        List<PlatformConfig.SmmuConfig> configs = new java.util.ArrayList<>();
        for (int i = 0; i < smmus; i++) {
            configs.add(new PlatformConfig.SmmuConfig(SmmuFeatures.reference().build(),
                List.of(new MasterSpec(0x8, false), new MasterSpec(0x9, false)), ArmSmmuV3Options.DEFAULT));
        }
        return new SmmuPlatform(new PlatformConfig(Machines.RAM, configs,
            Optional.of(KvmConfig.of(16, 4).withSmmuPrivateVmids(privateVmids)), VmidPolicyConfig.DEFAULT));
    }

    private static int parent(NestingBed b, int dev) {
        return b.iommufd.hwptAlloc(b.ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, dev,
            b.ioas)).outHwptId();
    }

    @Test
    void exhaustionIsEnospcNamingThePartitionAndFreeingADomainMakesRoom() {
        SmmuPlatform p = machine(2, 1);
        NestingBed b = new NestingBed(p).tie();
        int dev = b.bind(0x8);
        int first = parent(b, dev);
        int second = parent(b, dev);
        IommufdException e = Assertions.assertThrows(IommufdException.class, () -> parent(b, dev));
        assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
        assertThat(e.getMessage()).contains("all 2 SMMU-private VMIDs 65534..65535").contains(SmmuPrivate.PARTITION_HINT);
        // A VM-tied vIOMMU takes the VM's pinned KVM VMID, not one of the partition.
        assertThat(b.viommu(dev, first)).isPositive();
        b.iommufd.destroy(b.ctx, Requests.destroy(second));
        assertThat(parent(b, dev)).as("the freed VMID is reused").isPositive();
    }

    @Test
    void everySmmuHasThePartitionToItself() {
        SmmuPlatform p = machine(1, 2);
        NestingBed b = new NestingBed(p).tie();
        int d0 = b.bind(0x8);
        int d1 = b.iommufd.bindDevice(b.ctx, 1, 0x8);
        parent(b, d0);
        parent(b, d1);
        assertThat(p.driver(0).vmids().smmuPrivate().allocated()).isEqualTo(1);
        assertThat(p.driver(1).vmids().smmuPrivate().allocated()).isEqualTo(1);
    }

    @Test
    void withoutAPartitionBtmIsRefusedAndSaysWhy() {
        SmmuPlatform p = machine(0, 1);
        assertThat(p.driver(0).vmids().btmEnabled()).isFalse();
        assertThat(p.driver(0).vmids().btmDecision()).contains("KVM keeps no VMIDs for SMMU-private use");
    }
}
