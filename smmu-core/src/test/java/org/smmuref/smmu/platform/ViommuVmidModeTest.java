package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.Vcpu;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.kvm.policy.VmidSource;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.ArmVsmmu;
import org.smmuref.smmu.driver.CdWords;
import org.smmuref.smmu.driver.NestedSteDomain;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The vIOMMU VMID under smmuref's per-vIOMMU policy and under upstream's nest-parent VMID
 * ({@code arm_vsmmu_init}: {@code vsmmu->vmid = s2_parent->s2_cfg.vmid}), one scenario run under each: a VM with two
 * vIOMMUs on one nest parent, a third device attached to the parent directly, and a guest that unmaps a page of its
 * stage 1 and invalidates it, first with its own broadcast TLBI, then through IOMMU_HWPT_INVALIDATE.
 */
class ViommuVmidModeTest {
    private static final long VA = 0x4000_0000L;
    private static final int ASID = 3;
    private static final long CD_IPA = NestingBed.GUEST_IPA;
    private static final long DATA_IPA = NestingBed.GUEST_IPA + 0x10_0000;
    private static final long TABLES_IPA = NestingBed.GUEST_IPA + 0x20_0000;

    /** What the scenario observed. */
    record Outcome(boolean btm, int parentVmid, int viommu1Vmid, int viommu2Vmid, VmidSource source,
                   boolean ownsVmid, boolean staleAfterBroadcast, boolean staleAfterHwptInvalidate,
                   boolean parentVmidHeldAfterViommuDestroy) {
    }

    private static ArmVsmmu vsmmu(SmmuPlatform p, int sid) {
        return ((NestedSteDomain) p.driver(0).master(sid).orElseThrow().domain()).vsmmu();
    }

    static Outcome run(VmidPolicyConfig policy) {
        SmmuPlatform p = Machines.machine(policy, ArmSmmuV3Options.DEFAULT, SmmuFeatures.reference().build());
        NestingBed vmm = new NestingBed(p).tie();
        PageTableBuilder s1 = PageTableBuilder.stage1(vmm.guest.tableMemory(), new PageAllocator(TABLES_IPA, 1 << 20),
            Granule.G4K, 48, 48);
        s1.map(VA, DATA_IPA, 0x1000, Prot.of("rwun"));
        vmm.guest.writeLongs(CD_IPA, CdWords.s1(ASID, s1.ttb(), s1.tsz(), Granule.G4K, 5, 0xFF));

        int d1 = vmm.bind(0x8);
        int d2 = vmm.bind(0x9);
        int d3 = vmm.bind(0xb);
        int parent = vmm.nestParent(d1);
        int v1 = vmm.viommu(d1, parent);
        int v2 = vmm.viommu(d2, parent);
        long[] vste = NestingBed.s1Vste(CD_IPA);
        int vdev1 = vmm.vdevice(v1, d1, 0x21);
        vmm.vdevice(v2, d2, 0x22);
        int nested1 = vmm.nested(d1, v1, vste[0], 0);
        vmm.iommufd.attachDevice(vmm.ctx, d1, nested1);
        vmm.iommufd.attachDevice(vmm.ctx, d2, vmm.nested(d2, v2, vste[0], 0));
        vmm.iommufd.attachDevice(vmm.ctx, d3, parent);
        int parentVmid = (int) (p.driver(0).ste(0xb)[2] & 0xFFFF);
        ArmVsmmu a = vsmmu(p, 0x8);
        ArmVsmmu b = vsmmu(p, 0x9);

        Vcpu vcpu = p.vm(vmm.vmFile()).createVcpu();
        vcpu.load(0);
        assertThat(p.translate(0, 0x8, VA, Access.READ).proceeds()).as("the guest's mapping works").isTrue();
        s1.unmap(VA, 0x1000);
        vcpu.tlbi(new Tlbi.Vae1is(ASID, VA, true));
        boolean staleAfterBroadcast = p.translate(0, 0x8, VA, Access.READ).proceeds();
        vmm.invalidate(v1, Commands.tlbiNhVa(0, ASID, VA, true).encode());
        boolean staleAfterHwptInvalidate = p.translate(0, 0x8, VA, Access.READ).proceeds();

        // Destroy vIOMMU 1: in upstream mode its VMID is the parent's and must stay with the parent.
        vmm.iommufd.detachDevice(vmm.ctx, d1);
        vmm.iommufd.destroy(vmm.ctx, org.smmuref.iommufd.Requests.destroy(nested1));
        vmm.iommufd.destroy(vmm.ctx, org.smmuref.iommufd.Requests.destroy(vdev1));
        vmm.iommufd.destroy(vmm.ctx, org.smmuref.iommufd.Requests.destroy(v1));
        boolean held = p.driver(0).vmids().smmuPrivate().isAllocated(parentVmid)
            && p.translate(0, 0xb, DATA_IPA, Access.READ).proceeds() && b.vmid() == (int) (p.driver(0).ste(0x9)[2]
            & 0xFFFF);
        vmm.iommufd.close(vmm.ctx);
        return new Outcome(p.driver(0).vmids().btmEnabled(), parentVmid, a.vmid(), b.vmid(), a.lease().source(),
            a.ownsVmid(), staleAfterBroadcast, staleAfterHwptInvalidate, held);
    }

    @Test
    void smmurefDefaultLeasesEachViommuItsOwnVmidTheVmsPinnedKvmVmidUnderBtm() {
        assertThat(VmidPolicyConfig.DEFAULT.viommuVmid()).isEqualTo(VmidPolicyConfig.ViommuVmid.PER_VIOMMU);
        Outcome o = run(VmidPolicyConfig.DEFAULT);
        assertThat(o.btm()).isTrue();
        assertThat(o.ownsVmid()).isTrue();
        assertThat(o.source()).isEqualTo(VmidSource.KVM_PINNED);
        assertThat(o.viommu1Vmid()).as("one VM: one KVM VMID").isEqualTo(o.viommu2Vmid())
            .isNotEqualTo(o.parentVmid());
        assertThat(o.staleAfterBroadcast()).as("the guest's own TLBI reaches the SMMU").isFalse();
        assertThat(o.staleAfterHwptInvalidate()).isFalse();
        assertThat(o.parentVmidHeldAfterViommuDestroy()).isTrue();
    }

    @Test
    void upstreamModeSharesTheNestParentsVmidAndTurnsBtmOff() {
        Outcome o = run(VmidPolicyConfig.UPSTREAM);
        assertThat(o.btm()).as("CR2.PTM=1, as arm_smmu_device_reset").isFalse();
        assertThat(o.ownsVmid()).isFalse();
        assertThat(o.source()).isEqualTo(VmidSource.SMMU_PRIVATE);
        assertThat(o.viommu1Vmid()).as("vsmmu->vmid = s2_parent->s2_cfg.vmid").isEqualTo(o.parentVmid())
            .isEqualTo(o.viommu2Vmid());
        assertThat(o.staleAfterBroadcast()).as("PTM=1: broadcasts do not reach the SMMU").isTrue();
        assertThat(o.staleAfterHwptInvalidate()).as("the guest's invalidation goes through the vIOMMU").isFalse();
        assertThat(o.parentVmidHeldAfterViommuDestroy()).as("destroying a vIOMMU keeps the parent's VMID")
            .isTrue();
    }

    @Test
    void perViommuWithoutBtmGivesEachViommuAPrivateVmidOfItsOwn() {
        Outcome o = run(new VmidPolicyConfig(VmidPolicyConfig.Mode.FORCE_PRIVATE));
        assertThat(o.btm()).isFalse();
        assertThat(o.ownsVmid()).isTrue();
        assertThat(o.viommu1Vmid()).isNotEqualTo(o.viommu2Vmid()).isNotEqualTo(o.parentVmid());
        assertThat(o.staleAfterBroadcast()).isTrue();
        assertThat(o.staleAfterHwptInvalidate()).isFalse();
    }
}
