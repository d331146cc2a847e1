package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.List;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.NestedDomain;
import org.smmuref.iommufd.spi.UserData;
import org.smmuref.iommufd.spi.UserDataArray;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuHwptInvalidateArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.kvm.VmidException;
import org.smmuref.kvm.policy.UserVmidOverride;
import org.smmuref.kvm.policy.VmidLease;
import org.smmuref.kvm.policy.VmidRequest;
import org.smmuref.smmu.hw.Commands;

/**
 * A nested domain of the March 2023 v1 ABI: allocated on a nest-parent HWPT from {@code iommu_hwpt_arm_smmuv3} (v1),
 * invalidated through the nested HWPT with {@code iommu_hwpt_invalidate_arm_smmuv3} (v1) entries. Its s1ctxptr,
 * s1cdmax, s1fmt and s1dss become a guest STE that goes through the same validation and the same physical STE as the
 * upstream path; its VMID comes from the SMMU's VMID policy, and a user-chosen one ({@code FLAG_VMID} / s2vmid) is
 * refused with EOPNOTSUPP because it would break isolation.
 */
public final class V1NestedDomain implements NestedDomain, NestedContext {
    /** Above this many granules an NH_VA range becomes one NH_ASID. */
    static final int MAX_VA_TLBIS = 32;

    private final ArmSmmuV3 smmu;
    private final S2Domain parent;
    private final VsteValidator.Vste vste;
    private final VmidLease lease;
    private boolean freed;

    private V1NestedDomain(ArmSmmuV3 smmu, S2Domain parent, VsteValidator.Vste vste, VmidLease lease) {
        this.smmu = smmu;
        this.parent = parent;
        this.vste = vste;
        this.lease = lease;
        parent.addNested(this);
    }

    /**
     * {@code domain_alloc_nested} of the v1 ABI: EOPNOTSUPP for flags, unknown v1 flag bits, a non-zero __reserved or
     * a user-chosen VMID; EINVAL for another data type, a wrong length, or a field that does not fit its STE field.
     */
    static V1NestedDomain alloc(ArmSmmuV3 smmu, S2Domain parent, int flags, UserData data,
                                java.util.Optional<org.smmuref.iommufd.spi.KvmReference> vm) {
        if (flags != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "v1 nested domains take no HWPT flags");
        }
        if (!parent.nestParent() || parent.smmu() != smmu) {
            throw new IommufdException(Errno.EINVAL, "the parent is not a nesting parent on this SMMU");
        }
        byte[] raw = data.copyStruct(IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3, IommuHwptArmSmmuv3V1.SIZE,
            IommuHwptArmSmmuv3V1.SIZE);
        IommuHwptArmSmmuv3V1 v1 = IommuHwptArmSmmuv3V1.decode(raw);
        long known = IommufdConstants.IOMMU_SMMUV3_FLAG_S2 | IommufdConstants.IOMMU_SMMUV3_FLAG_VMID;
        if ((v1.flags() & ~known) != 0 || v1.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown v1 flags or a non-zero __reserved");
        }
        VsteValidator.Vste vste = toVste(v1);
        VmidRequest request = smmu.nestingRequest(vm, parent).withUserOverride(new UserVmidOverride(v1.flags(), v1.s2vmid()));
        VmidLease lease;
        try {
            lease = smmu.vmids().acquire(request);
        } catch (VmidException e) {
            throw ArmSmmuV3.asIommufd(e);
        }
        return new V1NestedDomain(smmu, parent, vste, lease);
    }

    /**
     * The guest STE the v1 fields describe: FLAG_S2 alone means stage 2 only (the guest's bypass), else stage 1 with
     * the CD table at s1ctxptr (an IPA) and the kernel's CD fetch attributes (WBRA, inner shareable).
     */
    static VsteValidator.Vste toVste(IommuHwptArmSmmuv3V1 v1) {
        if ((v1.flags() & IommufdConstants.IOMMU_SMMUV3_FLAG_S2) != 0) {
            return VsteValidator.validate(1 | SteWords.CFG_BYPASS << 1, 0);
        }
        if ((v1.s1ctxptr() & 0x3F) != 0 || (v1.s1ctxptr() >>> 52) != 0) {
            throw new IommufdException(Errno.EINVAL, "s1ctxptr 0x" + Long.toHexString(v1.s1ctxptr())
                + " is not a 64-byte aligned 52-bit address");
        }
        if (Long.compareUnsigned(v1.s1cdmax(), 31) > 0 || Long.compareUnsigned(v1.s1fmt(), 2) > 0
            || Long.compareUnsigned(v1.s1dss(), 2) > 0) {
            throw new IommufdException(Errno.EINVAL, "s1cdmax (<= 31), s1fmt (<= 2) or s1dss (<= 2) out of range");
        }
        long ste0 = 1 | SteWords.CFG_S1_TRANS << 1 | v1.s1fmt() << 4 | v1.s1ctxptr() | v1.s1cdmax() << 59;
        long ste1 = v1.s1dss() | SteWords.S1C_CACHE_WBRA << 2 | SteWords.S1C_CACHE_WBRA << 4
            | (long) SteWords.SH_ISH << 6;
        return VsteValidator.validate(ste0, ste1);
    }

    /** The parent stage 2. */
    S2Domain parent() {
        return parent;
    }

    /** The validated guest STE. */
    public VsteValidator.Vste vste() {
        return vste;
    }

    @Override
    public int vmid() {
        return lease.vmid();
    }

    /** The STE of a master attached here. */
    long[] physicalSte() {
        return NestedSteDomain.physicalSte(vste, parent, vmid(), false);
    }

    @Override
    public IommuInstance owner() {
        return smmu;
    }

    @Override
    public boolean supportsCacheInvalidateUser() {
        return true;
    }

    /** v1 invalidation entries (data type IOMMU_HWPT_TYPE_ARM_SMMUV3, 40 bytes each), converted to commands. */
    @Override
    public void cacheInvalidateUser(UserDataArray entries) {
        entries.setEntryNum(0);
        byte[][] raw = entries.copyFullArray(IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3,
            IommuHwptInvalidateArmSmmuv3V1.SIZE);
        List<Integer> sids = new ArrayList<>();
        for (SmmuMaster m : smmu.mastersAttachedTo(this)) {
            sids.add(m.streamId());
        }
        // The March 2023 series' loop is the one v6.13 kept: the old contract, quirks included, under any profile.
        UserInvalidation.run(smmu, entries, raw.length,
            i -> toCommands(IommuHwptInvalidateArmSmmuv3V1.decode(raw[i]), vmid(), sids),
            KernelProfile.Invalidation.LEGACY_V6_13);
    }

    /**
     * The commands equivalent to one v1 entry: NH_VA per granule of the range (NH_ASID beyond
     * {@link #MAX_VA_TLBIS} granules), NH_ASID, NH_ALL for NH_ALL and NSNH_ALL (this VMID only), CFGI_CD and
     * CFGI_CD_ALL for each attached StreamID; EOPNOTSUPP for unknown flag bits, EIO for any other opcode.
     */
    static List<long[]> toCommands(IommuHwptInvalidateArmSmmuv3V1 inv, int vmid, List<Integer> sids) {
        if ((inv.flags() & ~IommufdConstants.IOMMU_SMMUV3_CMDQ_TLBI_VA_LEAF) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown v1 invalidation flags");
        }
        boolean leaf = (inv.flags() & IommufdConstants.IOMMU_SMMUV3_CMDQ_TLBI_VA_LEAF) != 0;
        List<long[]> out = new ArrayList<>();
        switch (inv.opcode()) {
            case GuestCommands.TLBI_NH_VA -> {
                long granule = Integer.toUnsignedLong(inv.granuleSize());
                if (granule < 4096 || Long.bitCount(granule) != 1) {
                    throw new IommufdException(Errno.EINVAL, "granule_size " + granule + " is not a page size");
                }
                long start = inv.range().start() & -granule;
                long last = inv.range().last();
                if (Long.compareUnsigned(last, start) < 0) {
                    throw new IommufdException(Errno.EINVAL, "empty invalidation range");
                }
                long count = Long.divideUnsigned(last - start, granule) + 1;
                if (count > MAX_VA_TLBIS || count <= 0) {
                    out.add(Commands.tlbiNhAsid(vmid, inv.asid()).encode());
                } else {
                    for (long i = 0; i < count; i++) {
                        out.add(Commands.tlbiNhVa(vmid, inv.asid(), start + i * granule, leaf).encode());
                    }
                }
            }
            case GuestCommands.TLBI_NH_ASID -> out.add(Commands.tlbiNhAsid(vmid, inv.asid()).encode());
            case GuestCommands.TLBI_NH_ALL, GuestCommands.TLBI_NSNH_ALL -> out.add(Commands.tlbiNhAll(vmid).encode());
            case GuestCommands.CFGI_CD -> sids.forEach(sid -> out.add(Commands.cfgiCd(sid, inv.ssid(), leaf).encode()));
            case GuestCommands.CFGI_CD_ALL -> sids.forEach(sid -> out.add(Commands.cfgiCdAll(sid).encode()));
            default -> throw new IommufdException(Errno.EIO, String.format("v1 opcode 0x%02x is not supported",
                inv.opcode()));
        }
        return out;
    }

    @Override
    public void free() {
        synchronized (smmu) {
            if (freed) {
                return;
            }
            freed = true;
            lease.release(vmid -> smmu.issue(List.of(Commands.tlbiS12Vmall(vmid).encode())));
            parent.removeNested(this);
        }
    }

    /** Whether the VMID went back to its policy. */
    public boolean released() {
        return lease.isReleased();
    }

    @Override
    public String toString() {
        return "v1 nested domain (VMID from " + lease.source() + ") on SMMU " + smmu.id();
    }
}
