package org.smmuref.conformance.suites;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.conformance.Capability;
import org.smmuref.conformance.tck.Le;
import org.smmuref.conformance.tck.NestedGuest;
import org.smmuref.conformance.tck.Smmu;
import org.smmuref.conformance.tck.Verification;
import org.smmuref.conformance.tck.Vmm;
import org.smmuref.iommufd.uapi.IommuHwInfo;

/** The hardware level: registers against what GET_HW_INFO reports, and guest commands never reaching CERROR_ILL. */
public class HardwareVerification extends Verification {
    /** SMMU_GERROR. */
    static final long GERROR = 0x60;
    /** SMMU_GERRORN. */
    static final long GERRORN = 0x64;

    @BeforeEach
    void needsHardware() {
        requires(Capability.HARDWARE);
    }

    /** arm_smmu_hw_info: IDR0..IDR5 are copied raw into iommu_hw_info_arm_smmuv3.idr[] (offset 8). */
    @Test
    public void required_hw_0101_getHwInfoIdrsAreTheRegisters() {
        Vmm v = vmm();
        int dev = v.bind(0);
        long uptr = v.put(new byte[64]);
        v.iommufd.getHwInfo(v.ctx, new IommuHwInfo(IommuHwInfo.SIZE, 0, dev, 40, uptr, 0, 0,
            java.util.List.of(0, 0, 0), 0));
        byte[] info = v.platform.readProcess(v.ctx, uptr, 40);
        for (int i = 0; i < 6; i++) {
            check("IDR" + i + " (MMIO 0x" + Integer.toHexString(4 * i) + ") vs hw_info.idr[" + i + "]",
                v.platform.mmioRead32(target.iommu(), 4L * i), Le.u32(info, 8 + 4 * i));
        }
    }

    /**
     * The kernel filters guest commands before its command queue: a refused guest command (CFGI_ALL, 0x04) must not
     * raise CMDQ_ERR (GERROR bit 0 = GERRORN bit 0 afterwards), and the queue still serves a following invalidation.
     */
    @Test
    public void required_hw_0201_refusedGuestCommandRaisesNoCmdqError() {
        requires(Capability.NESTING);
        NestedGuest g = new NestedGuest(vmm(), 8);
        outcome(() -> g.vmm.invalidate(g.viommu, new long[] {0x04, 31}));
        int active = g.vmm.platform.mmioRead32(target.iommu(), GERROR)
            ^ g.vmm.platform.mmioRead32(target.iommu(), GERRORN);
        check("GERROR ^ GERRORN, CMDQ_ERR bit", 0, active & 1);
        check("a following TLBI_NH_ASID is consumed", 1,
            g.vmm.invalidate(g.viommu, Smmu.tlbiNhAsid(NestedGuest.ASID)));
    }
}
