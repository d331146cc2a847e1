package org.smmuref.conformance.suites;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.conformance.Capability;
import org.smmuref.conformance.tck.Le;
import org.smmuref.conformance.tck.NestedGuest;
import org.smmuref.conformance.tck.Verification;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.platform.TlbiOp;

/**
 * VMIDs shared with KVM (spec sheet kvm-vmid.md and iommufd-driver.md §2.7): the vIOMMU's stage-2 VMID is the VM's
 * KVM VMID, and with BTM a guest's broadcast TLBI reaches the SMMU's TLB without any HWPT_INVALIDATE.
 */
public class VmidVerification extends Verification {
    /** SMMU_STRTAB_BASE. */
    static final long STRTAB_BASE = 0x80;
    /** SMMU_STRTAB_BASE_CFG. */
    static final long STRTAB_BASE_CFG = 0x88;

    @BeforeEach
    void needsKvmAndNesting() {
        requires(Capability.NESTING);
        requires(Capability.KVM);
    }

    /**
     * The STE the SMMU reads for StreamID {@code sid}, found from STRTAB_BASE / STRTAB_BASE_CFG (FMT [17:16]: 0
     * linear, 1 two-level with SPLIT [10:6]; L1 descriptor L2Ptr [51:6]) in physical memory; 8 words.
     */
    static long[] ste(ModelPlatform p, int iommu, int sid) {
        long base = p.mmioRead64(iommu, STRTAB_BASE) & 0x000f_ffff_ffff_ffc0L;
        int cfg = p.mmioRead32(iommu, STRTAB_BASE_CFG);
        long steAddr;
        if (((cfg >>> 16) & 3) == 0) {
            steAddr = base + 64L * sid;
        } else {
            int split = (cfg >>> 6) & 0x1f;
            long l1 = Le.u64(p.readPhysical(base + 8L * (sid >>> split), 8), 0);
            steAddr = (l1 & 0x000f_ffff_ffff_ffc0L) + 64L * (sid & ((1 << split) - 1));
        }
        byte[] raw = p.readPhysical(steAddr, 64);
        long[] w = new long[8];
        for (int i = 0; i < 8; i++) {
            w[i] = Le.u64(raw, 8 * i);
        }
        return w;
    }

    /** With the context associated with a VM, the nested STE's S2VMID (word 2 [15:0]) is the VM's KVM VMID. */
    @Test
    public void required_vmid_0101_nestedSteUsesTheVmsKvmVmid() {
        requires(Capability.HARDWARE);
        requires(Capability.BTM);
        NestedGuest g = new NestedGuest(vmm(), 8);
        KvmVmFile vm = g.vmm.vm;
        long[] ste = ste(target.platform(), target.iommu(), g.vmm.streamIds().get(0));
        check("STE.Config of the attached device (nested = 7)", 7L, (ste[0] >>> 1) & 7);
        check("STE.S2VMID vs the VM's VMID", (long) (target.platform().vmInfo(vm).vmid() & 0xffff), ste[2] & 0xffff);
    }

    /**
     * BTM: the guest unmaps and issues TLBI VAE1IS on a loaded vCPU; the SMMU, which snoops broadcast TLBIs tagged
     * with the VM's VMID, must drop the translation: the device's next DMA faults.
     */
    @Test
    public void required_vmid_0201_broadcastTlbiReachesTheSmmu() {
        requires(Capability.BTM);
        NestedGuest g = new NestedGuest(vmm(), 8);
        KvmVmFile vm = g.vmm.vm;
        check("DMA read before the unmap proceeds", true, g.vmm.read(0, NestedGuest.DMA_VA, 4).proceeded());
        g.vmm.platform.unmapStage1(g.vmm.ctx, g.table.id(), NestedGuest.DMA_VA, 0x1000);
        int vcpu = target.platform().createVcpu(vm);
        target.platform().loadVcpu(vm, vcpu, 0);
        target.platform().guestTlbi(vm, vcpu, new TlbiOp("VAE1IS", NestedGuest.ASID, NestedGuest.DMA_VA, true, 1,
            0, 0, 0));
        check("DMA read after the guest's broadcast TLBI proceeds", false,
            g.vmm.read(0, NestedGuest.DMA_VA, 4).proceeded());
    }
}
