package org.smmuref.conformance.suites;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.conformance.Capability;
import org.smmuref.conformance.tck.NestedGuest;
import org.smmuref.conformance.tck.Smmu;
import org.smmuref.conformance.tck.Verification;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;

/**
 * vIOMMU invalidation ({@code arm_vsmmu_cache_invalidate} / {@code arm_vsmmu_convert_user_cmd}; spec sheet §2.5):
 * the command allow-list, entry_num progress, and no stale translation once the call returned.
 */
public class InvalidationVerification extends Verification {

    @BeforeEach
    void needsNesting() {
        requires(Capability.NESTING);
    }

    /**
     * After the guest unmaps a page and HWPT_INVALIDATE with TLBI_NH_VA (its ASID) returns, the device's DMA to the
     * page must fault: a completed invalidation leaves no stale translation (the kernel issues TLBI + CMD_SYNC).
     */
    @Test
    public void required_inv_0101_noStaleTranslationAfterTlbiNhVa() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        check("DMA read before the unmap proceeds", true, g.vmm.read(0, NestedGuest.DMA_VA, 4).proceeded());
        g.vmm.platform.unmapStage1(g.vmm.ctx, g.table.id(), NestedGuest.DMA_VA, 0x1000);
        check("HWPT_INVALIDATE [TLBI_NH_VA] entry_num", 1,
            g.vmm.invalidate(g.viommu, Smmu.tlbiNhVa(NestedGuest.ASID, NestedGuest.DMA_VA, true)));
        check("DMA read of the unmapped page after the invalidation proceeds", false,
            g.vmm.read(0, NestedGuest.DMA_VA, 4).proceeded());
        check("DMA read of the other page still proceeds", true,
            g.vmm.read(0, NestedGuest.DMA_VA + 0x1000, 4).proceeded());
    }

    /** Same for TLBI_NH_ASID. */
    @Test
    public void required_inv_0102_noStaleTranslationAfterTlbiNhAsid() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        check("DMA read before the unmap proceeds", true, g.vmm.read(0, NestedGuest.DMA_VA, 4).proceeded());
        check("guest unmaps 2 pages", 0x2000L,
            g.vmm.platform.unmapStage1(g.vmm.ctx, g.table.id(), NestedGuest.DMA_VA, 0x2000));
        check("HWPT_INVALIDATE [TLBI_NH_ASID] entry_num", 1,
            g.vmm.invalidate(g.viommu, Smmu.tlbiNhAsid(NestedGuest.ASID)));
        check("DMA read after the invalidation proceeds", false, g.vmm.read(0, NestedGuest.DMA_VA, 4).proceeded());
    }

    /**
     * The allow-list: CMD_SYNC, CFGI_STE and TLBI_S12_VMALL from a guest are EIO, and entry_num reports the
     * commands consumed before the refused one.
     */
    @Test
    public void required_inv_0201_refusedOpcodeIsEioWithEntryNum() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        for (long[] bad : new long[][] {{Smmu.CMD_SYNC, 0}, Smmu.withSid(Smmu.CFGI_STE, NestedGuest.VSID),
            {Smmu.TLBI_S12_VMALL, 0}}) {
            String req = String.format("HWPT_INVALIDATE [TLBI_NH_ASID, opcode 0x%x]", bad[0] & 0xff);
            try {
                g.vmm.invalidate(g.viommu, Smmu.tlbiNhAsid(NestedGuest.ASID), bad);
                check(req, "EIO with entry_num 1", "success");
            } catch (IommufdException e) {
                int entryNum = e.reply(IommuHwptInvalidate.class).map(IommuHwptInvalidate::entryNum).orElse(-1);
                check(req, "EIO with entry_num 1", e.errno() + " with entry_num " + entryNum);
            }
        }
    }

    /** CFGI_CD with a vSID no vDEVICE has is EIO (the vSID lookup fails); with the guest's vSID it is consumed. */
    @Test
    public void required_inv_0301_cfgiCdTakesVsids() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        check("HWPT_INVALIDATE [CFGI_CD vSID 0x42]", 1,
            g.vmm.invalidate(g.viommu, Smmu.withSid(Smmu.CFGI_CD, NestedGuest.VSID)));
        checkErrno("HWPT_INVALIDATE [CFGI_CD vSID 0x77]", Errno.EIO,
            () -> g.vmm.invalidate(g.viommu, Smmu.withSid(Smmu.CFGI_CD, 0x77)));
    }
}
