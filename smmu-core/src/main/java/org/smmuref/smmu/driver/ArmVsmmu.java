package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.List;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IommuDevice;
import org.smmuref.iommufd.spi.NestedDomain;
import org.smmuref.iommufd.spi.UserData;
import org.smmuref.iommufd.spi.UserDataArray;
import org.smmuref.iommufd.spi.ViommuDriver;
import org.smmuref.iommufd.spi.ViommuHost;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptArmSmmuv3;
import org.smmuref.iommufd.uapi.IommuVeventArmSmmuv3;
import org.smmuref.iommufd.uapi.IommuViommuArmSmmuv3Invalidate;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.policy.VmidLease;
import org.smmuref.smmu.hw.Commands;

/**
 * One vSMMU: a VM's slice of an {@link ArmSmmuV3} on a nest-parent {@link S2Domain}. It owns the stage-2 VMID of every
 * nested STE below it, leased from the SMMU's VMID policy (SMMU-private, or the VM's pinned KVM VMID under BTM) and
 * never shown to userspace; in upstream VMID mode it uses its parent's VMID instead, as {@code arm_vsmmu_init} does. It allocates nested domains from guest STEs, runs guest invalidation commands through
 * {@link GuestCommands}, and forwards its masters' events to the vEVENTQ.
 */
public final class ArmVsmmu implements ViommuDriver, NestedContext {
    private final ArmSmmuV3 smmu;
    private final ViommuHost host;
    private final S2Domain parent;
    private final VmidLease lease;
    /** False in upstream VMID mode: the lease is the parent's, released with the parent. */
    private final boolean ownsLease;

    ArmVsmmu(ArmSmmuV3 smmu, ViommuHost host, S2Domain parent, VmidLease lease, boolean ownsLease) {
        this.smmu = smmu;
        this.host = host;
        this.parent = parent;
        this.lease = lease;
        this.ownsLease = ownsLease;
        parent.addNested(this);
    }

    ArmSmmuV3 smmu() {
        return smmu;
    }

    ViommuHost host() {
        return host;
    }

    S2Domain parent() {
        return parent;
    }

    /** The VMID of every nested STE of this vIOMMU (for tests and diagnostics; no uAPI reports it). */
    @Override
    public int vmid() {
        return lease.vmid();
    }

    /** The VMID lease (its source and whether the VM's broadcasts reach the SMMU); the parent's in upstream mode. */
    public VmidLease lease() {
        return lease;
    }

    /** Whether the vIOMMU leased its own VMID (false when it shares its nest parent's, upstream's way). */
    public boolean ownsVmid() {
        return ownsLease;
    }

    // ------------------------------------------------------------------ nested domains

    @Override
    public boolean supportsAllocDomainNested() {
        return true;
    }

    @Override
    public NestedDomain allocDomainNested(IommuDevice device, int flags, UserData data) {
        if (flags != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "arm-smmu-v3 nested domains take no flags (0x"
                + Integer.toHexString(flags) + ")");
        }
        if (!(device instanceof SmmuMaster m) || m.smmu() != smmu) {
            throw new IommufdException(Errno.EINVAL, "the device is not behind this vIOMMU's SMMU");
        }
        byte[] raw = data.copyStruct(IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3, IommuHwptArmSmmuv3.SIZE,
            IommuHwptArmSmmuv3.SIZE);
        List<Long> ste = IommuHwptArmSmmuv3.decode(raw).ste();
        return new NestedSteDomain(this, VsteValidator.validate(ste.get(0), ste.get(1)));
    }

    /** Builds a nested domain from an already validated vSTE (the v1 path converts its struct into one). */
    NestedSteDomain nestedDomain(VsteValidator.Vste vste) {
        return new NestedSteDomain(this, vste);
    }

    // ------------------------------------------------------------------ invalidation

    @Override
    public boolean supportsCacheInvalidate() {
        return true;
    }

    @Override
    public void cacheInvalidate(UserDataArray entries) {
        entries.setEntryNum(0);
        boolean batched = entries.profile().batchedInvalidation();
        if (entries.requestedEntries() == 0 && batched) {
            // v7.4: an empty array only probes the data type (before, the full-array copy refuses it: EINVAL).
            if (entries.type() != IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3) {
                throw new IommufdException(Errno.EINVAL, "data type " + entries.type() + " is not ARM_SMMUV3 (1)");
            }
            return;
        }
        byte[][] raw = entries.copyFullArray(IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
            IommuViommuArmSmmuv3Invalidate.SIZE);
        GuestCommands.Limits limits = limits(smmu);
        UserInvalidation.run(smmu, entries, raw.length, i -> {
            List<Long> cmd = IommuViommuArmSmmuv3Invalidate.decode(raw[i]).cmd();
            if (batched) {
                GuestCommands.validate(cmd.get(0), cmd.get(1), limits);
            }
            return List.of(GuestCommands.convert(cmd.get(0), cmd.get(1), vmid(), this::physicalSid));
        });
    }

    /** What the v7.4 field checks of a guest command depend on. */
    static GuestCommands.Limits limits(ArmSmmuV3 smmu) {
        var f = smmu.features();
        return new GuestCommands.Limits(f.asidBits(), f.ril(), f.ats(), f.ssidSize() > 0);
    }

    /** The pSID behind {@code vsid} through this vIOMMU's vDEVICEs; EIO when there is none. */
    private int physicalSid(long vsid) {
        return host.deviceOf(vsid).filter(d -> d instanceof SmmuMaster m && m.smmu() == smmu)
            .map(IommuDevice::streamId)
            .orElseThrow(() -> new IommufdException(Errno.EIO, "no vDEVICE with vSID 0x" + Long.toHexString(vsid)
                + " on this vIOMMU"));
    }

    // ------------------------------------------------------------------ vDEVICEs, events, teardown

    @Override
    public void vdeviceDestroy(IommuDevice device, long virtId) {
        if (device instanceof SmmuMaster m) {
            m.forgetVsid(this);
        }
    }

    /** Queues one event (SID already replaced by the vSID) on the vEVENTQ; EOPNOTSUPP when there is none. */
    void report(long[] virtRecord) {
        List<Long> evt = List.of(virtRecord[0], virtRecord[1], virtRecord[2], virtRecord[3]);
        host.reportEvent(IommufdConstants.IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, new IommuVeventArmSmmuv3(evt).encode());
    }

    /**
     * Quiesce first, then give the VMID back: every STE still carrying the VMID becomes an abort STE, the SMMU
     * drops everything tagged with the VMID (TLBI_S12_VMALL) and ATS masters their ATC, all completed by a CMD_SYNC;
     * only then does the lease unpin or free the VMID.
     */
    @Override
    public void destroy() {
        synchronized (smmu) {
            if (ownsLease) {
                lease.release(vmid -> quiesce(Commands.tlbiS12Vmall(vmid).encode()));
            } else {
                // The VMID stays with the parent (and its stage-2 entries stay valid): drop only the guest's stage 1.
                quiesce(Commands.tlbiNhAll(lease.vmid()).encode());
            }
            parent.removeNested(this);
        }
    }

    private void quiesce(long[] tlbi) {
        List<long[]> cmds = new ArrayList<>();
        cmds.add(tlbi);
        for (SmmuMaster m : smmu.mastersOf(this)) {
            if (m.atsEnabled()) {
                cmds.add(Commands.atcInvAll(m.streamId()).encode());
            }
            m.block();
        }
        smmu.issue(cmds);
    }

    @Override
    public String toString() {
        return "vSMMU on " + smmu + " (VMID from " + lease.source() + ")";
    }
}
