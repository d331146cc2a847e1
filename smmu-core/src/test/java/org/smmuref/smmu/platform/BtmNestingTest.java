package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.Vcpu;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.CdWords;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * Why the vIOMMU's VMID comes from the VMID policy: with BTM the guest's own broadcast TLBI (tagged by the CPU with
 * the VM's KVM VMID) reaches the nested entries only because the nested STE carries that pinned VMID; with the
 * policy forcing private VMIDs the SMMU ignores broadcasts (PTM=1) and the guest must invalidate through the vIOMMU.
 */
class BtmNestingTest {
    private static final int SID = 0x8;
    private static final long VA = 0x2000_0000L;
    private static final long CD_IPA = NestingBed.GUEST_IPA;
    private static final long DATA_IPA = NestingBed.GUEST_IPA + 0x10_0000;
    private static final long TABLES_IPA = NestingBed.GUEST_IPA + 0x20_0000;

    private record Guest(SmmuPlatform platform, PageTableBuilder s1, Vcpu vcpu) {
    }

    private static Guest guest(SmmuPlatform platform) {
        NestingBed vmm = new NestingBed(platform);
        KvmVmFile file = platform.createVm();
        Vm vm = platform.vm(file);
        vmm.iommufd.associateKvm(vmm.ctx, file);
        PageTableBuilder s1 = PageTableBuilder.stage1(vmm.guest.tableMemory(), new PageAllocator(TABLES_IPA, 1 << 20),
            Granule.G4K, 48, 48);
        s1.map(VA, DATA_IPA, 0x1000, Prot.of("rwun"));
        vmm.guest.writeLongs(CD_IPA, CdWords.s1(9, s1.ttb(), s1.tsz(), Granule.G4K, 5, 0xFF));
        int dev = vmm.bind(SID);
        int viommu = vmm.viommu(dev, vmm.nestParent(dev));
        vmm.vdevice(viommu, dev, 0x10);
        vmm.iommufd.attachDevice(vmm.ctx, dev, vmm.nested(dev, viommu, NestingBed.s1Vste(CD_IPA)[0], 0));
        Vcpu vcpu = vm.createVcpu();
        vcpu.load(0);
        return new Guest(platform, s1, vcpu);
    }

    @Test
    void underBtmTheGuestsOwnTlbiReachesItsNestedEntries() {
        Guest g = guest(Machines.reference());
        assertThat(g.platform().translate(0, SID, VA, Access.READ).proceeds()).isTrue();
        g.s1().unmap(VA, 0x1000);
        assertThat(g.platform().translate(0, SID, VA, Access.READ).proceeds()).as("cached").isTrue();
        g.vcpu().tlbi(new Tlbi.Vae1is(9, VA, true));
        assertThat(g.platform().translate(0, SID, VA, Access.READ).proceeds()).as("invalidated by broadcast")
            .isFalse();
    }

    @Test
    void withPrivateVmidsBroadcastsDoNotReachTheSmmu() {
        Guest g = guest(Machines.machine(VmidPolicyConfig.Mode.FORCE_PRIVATE, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().build()));
        assertThat(g.platform().translate(0, SID, VA, Access.READ).proceeds()).isTrue();
        g.s1().unmap(VA, 0x1000);
        g.vcpu().tlbi(new Tlbi.Vae1is(9, VA, true));
        assertThat(g.platform().translate(0, SID, VA, Access.READ).proceeds())
            .as("PTM=1: the guest must invalidate through HWPT_INVALIDATE").isTrue();
    }
}
