package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.policy.VmidSource;
import org.smmuref.smmu.driver.ArmVsmmu;
import org.smmuref.smmu.driver.CdWords;
import org.smmuref.smmu.driver.SteWords;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.DmaOutcome;
import org.smmuref.smmu.hw.DmaTransfer;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The key flow: a guest builds its CD and stage-1 tables in guest memory (IPAs); the VMM allocates IOAS ->
 * guest RAM map -> nest parent -> vIOMMU -> vDEVICE -> vEVENTQ -> nested HWPT -> attach; the device DMAs through the
 * nested translation to the right PA; the guest unmaps and invalidates through HWPT_INVALIDATE (TLBI_NH_VA with its
 * ASID); the DMA then faults and the fault arrives on the vEVENTQ with the vSID.
 */
class NestedEndToEndTest {
    private static final int SID = 0x8;
    private static final long VSID = 0x42;
    private static final int ASID = 5;
    private static final long DMA_VA = 0x1000_0000L;
    private static final long CD_IPA = NestingBed.GUEST_IPA;
    private static final long DATA_IPA = NestingBed.GUEST_IPA + 0x10_0000;
    private static final long TABLES_IPA = NestingBed.GUEST_IPA + 0x20_0000;

    @Test
    void guestStage1OverHostStage2FromMapToFaultOnTheVeventq() {
        SmmuPlatform platform = SmmuPlatform.defaults();
        NestingBed vmm = new NestingBed(platform);
        KvmVmFile file = platform.createVm();
        Vm vm = platform.vm(file);
        vmm.iommufd.associateKvm(vmm.ctx, file);

        // The guest: stage-1 tables and one CD, all by IPA inside its RAM.
        GuestMemory guest = vmm.guest;
        PageTableBuilder s1 = PageTableBuilder.stage1(guest.tableMemory(), new PageAllocator(TABLES_IPA, 1 << 20),
            Granule.G4K, 48, 48);
        s1.map(DMA_VA, DATA_IPA, 0x2000, Prot.of("rwun"));
        guest.writeLongs(CD_IPA, CdWords.s1(ASID, s1.ttb(), s1.tsz(), Granule.G4K, 5, 0xFF));

        // The VMM.
        int dev = vmm.bind(SID);
        int parent = vmm.nestParent(dev);
        int viommu = vmm.viommu(dev, parent);
        vmm.vdevice(viommu, dev, VSID);
        IommuVeventqAlloc q = vmm.veventq(viommu, 8);
        long[] vste = NestingBed.s1Vste(CD_IPA);
        int nested = vmm.nested(dev, viommu, vste[0], vste[1]);
        assertThat(vmm.iommufd.attachDevice(vmm.ctx, dev, nested)).isEqualTo(nested);

        // The physical STE: nested, the guest's CD pointer, MEV, the vIOMMU's VMID (the VM's pinned KVM VMID: BTM).
        ArmVsmmu vsmmu = vsmmuOf(platform);
        assertThat(vsmmu.lease().source()).isEqualTo(VmidSource.KVM_PINNED);
        assertThat(vsmmu.vmid()).isEqualTo(vm.currentVmid() & 0xFFFF);
        long[] ste = platform.driver(0).ste(SID);
        assertThat((ste[0] >>> 1) & 7).isEqualTo(SteWords.CFG_NESTED);
        assertThat(ste[0] & 0x000F_FFFF_FFFF_FFC0L).isEqualTo(CD_IPA);
        assertThat((ste[1] >>> 19) & 1).as("MEV").isEqualTo(1);
        assertThat(ste[2] & 0xFFFF).as("S2VMID").isEqualTo(vsmmu.vmid());

        // DMA through guest S1 (VA -> IPA) and host S2 (IPA -> PA).
        byte[] payload = "nested DMA".getBytes(StandardCharsets.US_ASCII);
        DmaTransfer w = platform.dmaWrite(0, SID, DMA_VA + 0x10, payload);
        assertThat(w.complete()).as("%s", w).isTrue();
        assertThat(guest.read(DATA_IPA + 0x10, payload.length)).isEqualTo(payload);
        DmaOutcome o = platform.translate(0, SID, DMA_VA + 0x1008, Access.READ);
        assertThat(o.physicalAddress()).isEqualTo(guest.pa(DATA_IPA + 0x1008));

        // The guest unmaps; until it invalidates, the SMMU may still use its cached translation.
        s1.unmap(DMA_VA, 0x1000);
        assertThat(platform.translate(0, SID, DMA_VA, Access.READ).proceeds()).as("stale TLB entry").isTrue();
        long[] tlbi = Commands.tlbiNhVa(0, ASID, DMA_VA, true).encode();
        assertThat(vmm.invalidate(viommu, tlbi)).isEqualTo(1);

        // Now the DMA faults, and the fault reaches the vEVENTQ with the vSID.
        DmaTransfer r = platform.dmaRead(0, SID, DMA_VA + 0x20, new byte[4]);
        assertThat(r.complete()).isFalse();
        assertThat(platform.translate(0, SID, DMA_VA + 0x1000, Access.READ).proceeds()).as("other page").isTrue();
        byte[] events = vmm.iommufd.read(q.outVeventqFd(), 4096);
        assertThat(events).hasSize(8 + 32);
        long[] evt = NestingBed.longs(events, 8, 4);
        assertThat(evt[0] & 0xFF).as("F_TRANSLATION").isEqualTo(0x10);
        assertThat(evt[0] >>> 32).as("vSID").isEqualTo(VSID);
        assertThat(evt[2]).as("input address").isEqualTo(DMA_VA + 0x20);
        assertThat(platform.driver(0).hostEvents()).isEmpty();
    }

    private static ArmVsmmu vsmmuOf(SmmuPlatform platform) {
        var domain = platform.driver(0).master(SID).orElseThrow().domain();
        return ((org.smmuref.smmu.driver.NestedSteDomain) domain).vsmmu();
    }
}
