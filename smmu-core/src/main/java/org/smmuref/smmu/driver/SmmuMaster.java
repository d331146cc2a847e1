package org.smmuref.smmu.driver;

import java.util.Optional;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.spi.HwInfo;
import org.smmuref.iommufd.spi.IommuDevice;
import org.smmuref.iommufd.spi.IommuDomain;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;

/**
 * One device (StreamID) behind an {@link ArmSmmuV3}: attaching it installs the STE of its domain with the hitless
 * writer; a nested attachment also records the vIOMMU and vSID its events go to (the kernel's vmaster).
 */
public final class SmmuMaster implements IommuDevice {
    private final ArmSmmuV3 smmu;
    private final MasterSpec spec;
    private IommuDomain domain;
    private ArmVsmmu vsmmu;
    private long vsid;
    private boolean atsEnabled;

    SmmuMaster(ArmSmmuV3 smmu, MasterSpec spec) {
        this.smmu = smmu;
        this.spec = spec;
    }

    ArmSmmuV3 smmu() {
        return smmu;
    }

    @Override
    public IommuInstance instance() {
        return smmu;
    }

    @Override
    public int streamId() {
        return spec.streamId();
    }

    /** Whether firmware marks the device CANWBS (fully coherent, No-Snoop included): {@code arm_smmu_master_canwbs}. */
    public boolean canwbs() {
        return spec.canwbs();
    }

    /**
     * The PASIDs the device may use: the iommu core's {@code dev_iommu_get_max_pasids}, the smaller of the PCI
     * PASID capability's {@code 1 << width} and the SMMU's {@code iommu.max_pasids = 1 << ssid_bits}
     * (IDR1.SSIDSIZE); none without a PASID capability. No dirty tracking: that needs HTTU
     * ({@code arm_smmu_dbm_capable}).
     */
    @Override
    public DeviceCapabilities capabilities() {
        if (spec.pasidBits() == 0) {
            return DeviceCapabilities.NONE;
        }
        int bits = Math.min(spec.pasidBits(), smmu.features().ssidSize());
        return new DeviceCapabilities(false, 1 << bits, spec.pasidExec(), spec.pasidPriv());
    }

    @Override
    public Optional<HwInfo> hwInfo(int requestedType) {
        if (requestedType != IommufdConstants.IOMMU_HW_INFO_TYPE_DEFAULT
            && requestedType != IommufdConstants.IOMMU_HW_INFO_TYPE_ARM_SMMUV3) {
            throw new IommufdException(Errno.EOPNOTSUPP, "arm-smmu-v3 reports no hw_info of type "
                + Integer.toUnsignedString(requestedType));
        }
        return Optional.of(new HwInfo(IommufdConstants.IOMMU_HW_INFO_TYPE_ARM_SMMUV3, smmu.hwInfo()));
    }

    @Override
    public void attach(IommuDomain newDomain) {
        synchronized (smmu) {
            if (newDomain.owner() != smmu) {
                throw new IommufdException(Errno.EINVAL, "the domain belongs to another SMMU than StreamID 0x"
                    + Integer.toHexString(streamId()));
            }
            if (newDomain instanceof S2Domain s2) {
                smmu.installSte(streamId(), s2.ste(s2.vmid(), false));
                set(s2, null, 0, false);
            } else if (newDomain instanceof S1Domain s1) {
                smmu.installSte(streamId(), s1.ste());
                set(s1, null, 0, false);
            } else if (newDomain instanceof NestedSteDomain nested) {
                attachNested(nested);
            } else if (newDomain instanceof V1NestedDomain v1) {
                // The v1 ABI has no vDEVICE and no vEVENTQ: faults stay with the host; ATS was not part of it.
                smmu.installSte(streamId(), v1.physicalSte());
                set(v1, null, 0, false);
            } else {
                throw new IommufdException(Errno.EINVAL, "not an arm-smmu-v3 domain: " + newDomain);
            }
        }
    }

    /** {@code arm_smmu_attach_dev_nested}: checks, then the physical STE of section 2.3. */
    private void attachNested(NestedSteDomain nested) {
        ArmVsmmu target = nested.vsmmu();
        if (target.smmu() != smmu) {
            throw new IommufdException(Errno.EINVAL, "the vIOMMU is a slice of another SMMU");
        }
        var virtId = target.host().virtIdOf(this);
        // Which vSTEs need a vDEVICE depends on the release (KernelProfile.NestedAttach,
        // arm_smmu_attach_prepare_vmaster).
        boolean needsVdevice = switch (target.host().profile().nestedAttach()) {
            case NO_VDEVICE_NEEDED -> false;
            case EVERY_VSTE_NEEDS_VDEVICE -> true;
            case STAGE1_NEEDS_VDEVICE -> nested.stage1();
        };
        if (needsVdevice && virtId.isEmpty()) {
            throw new IommufdException(Errno.ENOENT, "kernel " + target.host().profile().name() + ": a "
                + (nested.stage1() ? "stage-1" : "abort or bypass") + " nested domain needs a vDEVICE (vSID) for "
                + "StreamID 0x" + Integer.toHexString(streamId()) + " on this vIOMMU");
        }
        // ATS follows the guest's EATS choice, because the guest must issue ATC_INV itself.
        boolean ats = nested.enableAts() && spec.atsCapable() && smmu.features().ats();
        smmu.installSte(streamId(), nested.physicalSte(ats));
        set(nested, virtId.isPresent() ? target : null, virtId.orElse(0), ats);
    }

    @Override
    public void block() {
        synchronized (smmu) {
            smmu.installSte(streamId(), SteWords.abort());
            set(null, null, 0, false);
        }
    }

    private void set(IommuDomain d, ArmVsmmu v, long virtId, boolean ats) {
        this.domain = d;
        this.vsmmu = v;
        this.vsid = virtId;
        this.atsEnabled = ats;
    }

    /** The vIOMMU this master's events go to (a nested attachment with a vDEVICE), else null. */
    ArmVsmmu vsmmu() {
        return vsmmu;
    }

    /** The vSID of the nested attachment. */
    long vsid() {
        return vsid;
    }

    /** Whether the current STE enables ATS. */
    boolean atsEnabled() {
        return atsEnabled;
    }

    /** Whether the master translates through {@code s2}, directly or under a nested domain. */
    boolean usesStage2(S2Domain s2) {
        return domain == s2 || domain instanceof NestedSteDomain n && n.vsmmu().parent() == s2
            || domain instanceof V1NestedDomain v && v.parent() == s2;
    }

    /** The vDEVICE went away: the master's events stay with the host from now on. */
    void forgetVsid(ArmVsmmu v) {
        synchronized (smmu) {
            if (vsmmu == v) {
                vsmmu = null;
                vsid = 0;
            }
        }
    }

    /** Whether the master is attached to a nested domain of {@code v}. */
    boolean nestedUnder(ArmVsmmu v) {
        return domain instanceof NestedSteDomain n && n.vsmmu() == v;
    }

    /** The domain the master is attached to, or null when blocked. */
    public IommuDomain domain() {
        synchronized (smmu) {
            return domain;
        }
    }

    @Override
    public String toString() {
        return "StreamID 0x" + Integer.toHexString(streamId()) + " on SMMU " + smmu.id();
    }
}
