package org.smmuref.smmu.driver;

import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.NestedDomain;

/**
 * A nested domain of an {@link ArmVsmmu}: one validated guest STE. Attaching it builds the physical STE of
 * iommufd-driver.md section 2.3: abort for V=0 or Config abort, the parent's stage-2 STE (with the vIOMMU's VMID)
 * for bypass, and for stage 1 the nested STE with the guest's CD table pointer (an IPA), its CD fetch attributes and
 * S1DSS, the parent's stage 2, the vIOMMU's VMID and MEV. It has no cache_invalidate_user: the ARM SMMUv3 invalidates
 * through the vIOMMU.
 */
public final class NestedSteDomain implements NestedDomain {
    private final ArmVsmmu vsmmu;
    private final VsteValidator.Vste vste;

    NestedSteDomain(ArmVsmmu vsmmu, VsteValidator.Vste vste) {
        this.vsmmu = vsmmu;
        this.vste = vste;
    }

    /** The vIOMMU this domain belongs to. */
    public ArmVsmmu vsmmu() {
        return vsmmu;
    }

    /** The validated guest STE. */
    public VsteValidator.Vste vste() {
        return vste;
    }

    /** Whether the guest asked for ATS (stage-1 Config with EATS=TRANS). */
    boolean enableAts() {
        return vste.enableAts();
    }

    /** Whether the guest STE translates at stage 1 (which needs a vDEVICE to attach). */
    boolean stage1() {
        return vste.config() == SteWords.CFG_S1_TRANS;
    }

    /** The STE the SMMU gets for a master attached here. */
    long[] physicalSte(boolean ats) {
        return physicalSte(vste, vsmmu.parent(), vsmmu.vmid(), ats);
    }

    /** Section 2.3 for any guest STE over {@code parent} tagged with {@code vmid} (the v1 path uses it too). */
    static long[] physicalSte(VsteValidator.Vste vste, S2Domain parent, int vmid, boolean ats) {
        return switch (vste.config()) {
            case SteWords.CFG_BYPASS -> parent.ste(vmid, false);
            case SteWords.CFG_S1_TRANS -> SteWords.nested(parent.ste(vmid, ats), vste.ste0(), vste.ste1());
            default -> SteWords.abort();
        };
    }

    @Override
    public IommuInstance owner() {
        return vsmmu.smmu();
    }

    @Override
    public void free() {
        // Nothing is held: the STE belongs to the master, the VMID to the vIOMMU.
    }

    @Override
    public String toString() {
        return String.format("nested domain (vSTE 0x%016x_%016x) on %s", vste.ste1(), vste.ste0(), vsmmu);
    }
}
