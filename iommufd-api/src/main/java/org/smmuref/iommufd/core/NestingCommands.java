package org.smmuref.iommufd.core;

import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_PASID;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_DATA_NONE;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HW_CAP_DIRTY_TRACKING;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HW_CAP_PCI_PASID_EXEC;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HW_CAP_PCI_PASID_PRIV;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HW_INFO_TYPE_NONE;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_VEVENTQ_TYPE_DEFAULT;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_VIOMMU_TYPE_DEFAULT;

import java.util.Optional;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.spi.HwInfo;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.NestedDomain;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.spi.UserData;
import org.smmuref.iommufd.spi.UserDataArray;
import org.smmuref.iommufd.spi.ViommuDriver;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.IommuVdeviceAlloc;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommuViommuAlloc;

/**
 * HWPT_ALLOC, GET_HW_INFO, HWPT_INVALIDATE, VIOMMU_ALLOC, VDEVICE_ALLOC and VEVENTQ_ALLOC, with the kernel's order
 * of checks (hw_pagetable.c, device.c, viommu.c, eventq.c). Each allocation reserves its id, aborts on any failure
 * and is finalized only when nothing can fail any more.
 */
final class NestingCommands {
    private static final int PAGING_FLAGS = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_FAULT_ID_VALID
        | IOMMU_HWPT_ALLOC_PASID;
    private static final int NESTED_FLAGS = IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID;
    /** Zero-filling a larger hw_info buffer goes in chunks of this size. */
    private static final int ZERO_CHUNK = 4096;

    private NestingCommands() {
    }

    // ------------------------------------------------------------------ HWPT_ALLOC

    static IommuHwptAlloc hwptAlloc(Context c, IommuHwptAlloc cmd) {
        if (cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "HWPT_ALLOC __reserved must be 0");
        }
        boolean none = cmd.dataType() == IOMMU_HWPT_DATA_NONE;
        if (none != (cmd.dataLen() == 0)) {
            throw new IommufdException(Errno.EINVAL, none ? "data type NONE with a data_len"
                : "a data type without data_len");
        }
        BoundDevice dev = device(c, cmd.devId());
        IommufdObject pt = c.objects.getAny(cmd.ptId(), Errno.EINVAL);
        UserData data = none ? null
            : new UserData(c.memory(), cmd.dataType(), Integer.toUnsignedLong(cmd.dataLen()), cmd.dataUptr());
        Hwpt hwpt = switch (pt.type) {
            case IOAS -> allocPaging(c, (Ioas) pt, dev, cmd.flags(), data, false);
            case HWPT_PAGING -> allocNestedOnParent(c, (HwptPaging) pt, dev, cmd.flags(), data);
            case VIOMMU -> allocNestedOnViommu(c, (Viommu) pt, dev, cmd.flags(), data);
            default -> throw new IommufdException(Errno.EINVAL, "pt_id " + pt + " is not an IOAS, a paging HWPT"
                + " or a vIOMMU");
        };
        try {
            if ((cmd.flags() & IOMMU_HWPT_FAULT_ID_VALID) != 0) {
                FaultQueue fault = c.objects.get(cmd.faultId(), ObjectType.FAULT, FaultQueue.class, Errno.ENOENT);
                fault.addUser();
                hwpt.fault = fault;
            }
        } catch (RuntimeException e) {
            c.objects.abort(hwpt);
            throw e;
        }
        c.objects.finalizeObject(hwpt);
        return cmd.withOutHwptId(hwpt.id);
    }

    /**
     * A paging HWPT on {@code ioas} for {@code dev}, reserved but not finalized, its domain already filled with the
     * IOAS's mappings. Also makes automatic domains (flags 0).
     */
    static HwptPaging allocPaging(Context c, Ioas ioas, BoundDevice dev, int flags, UserData data, boolean auto) {
        if ((flags & ~PAGING_FLAGS) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown paging HWPT flags 0x"
                + Integer.toHexString(flags & ~PAGING_FLAGS));
        }
        if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0 && !dev.device.capabilities().dirtyTracking()) {
            throw new IommufdException(Errno.EOPNOTSUPP, "the device's IOMMU cannot track dirty pages");
        }
        if ((flags & IOMMU_HWPT_FAULT_ID_VALID) != 0 && (flags & IOMMU_HWPT_ALLOC_NEST_PARENT) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "a nesting parent cannot take a fault queue");
        }
        HwptPaging hwpt = new HwptPaging(ioas, auto, (flags & IOMMU_HWPT_ALLOC_NEST_PARENT) != 0);
        hwpt.pasidCompat = (flags & IOMMU_HWPT_ALLOC_PASID) != 0;
        c.objects.reserve(hwpt);
        try {
            IommuInstance instance = dev.device.instance();
            PagingDomain domain = instance.allocPagingDomain(dev.device, flags & ~IOMMU_HWPT_FAULT_ID_VALID, data);
            requireOwnDomain(domain, instance);
            try {
                hwpt.joinIoas(domain);
            } catch (RuntimeException e) {
                domain.free();
                throw e;
            }
        } catch (RuntimeException e) {
            c.objects.abort(hwpt);
            throw e;
        }
        return hwpt;
    }

    /**
     * A nested HWPT on a nest-parent paging HWPT: the driver's {@code domain_alloc_nested}, or, in a v1-ABI context
     * with v1 ARM SMMUv3 data, its v1 entry (the same data type means the vIOMMU path's vSTE upstream, so only the
     * context's explicit choice selects v1).
     */
    private static HwptNested allocNestedOnParent(Context c, HwptPaging parent, BoundDevice dev, int flags,
                                                  UserData data) {
        IommuInstance instance = dev.device.instance();
        boolean v1 = c.abi == IommufdAbi.V1_2023 && data != null
            && data.type() == IOMMU_HWPT_TYPE_ARM_SMMUV3 && instance.supportsDomainAllocNestedV1();
        if ((flags & ~NESTED_FLAGS) != 0 || data == null || !(v1 || instance.supportsDomainAllocNested())) {
            throw new IommufdException(Errno.EOPNOTSUPP, "nested HWPT on a paging parent: unsupported flags,"
                + " no data, or a driver without domain_alloc_nested"
                + (c.abi == IommufdAbi.UPSTREAM ? " (the v1 ARM SMMUv3 form needs a v1-ABI context)" : ""));
        }
        if (parent.autoDomain || !parent.nestParent
            || !parent.domain.owner().driverName().equals(instance.driverName())) {
            throw new IommufdException(Errno.EINVAL, parent + " is not a nesting parent of this driver");
        }
        HwptNested hwpt = new HwptNested(parent, null);
        hwpt.pasidCompat = (flags & IOMMU_HWPT_ALLOC_PASID) != 0;
        c.objects.reserve(hwpt);
        try {
            int driverFlags = flags & ~IOMMU_HWPT_FAULT_ID_VALID;
            NestedDomain domain = v1
                ? instance.allocDomainNestedV1(parent.domain, dev.device, driverFlags, data, c.kvm)
                : instance.allocDomainNested(parent.domain, dev.device, driverFlags, data);
            requireOwnDomain(domain, instance);
            hwpt.domain = domain;
        } catch (RuntimeException e) {
            c.objects.abort(hwpt);
            throw e;
        }
        return hwpt;
    }

    private static HwptNested allocNestedOnViommu(Context c, Viommu viommu, BoundDevice dev, int flags,
                                                  UserData data) {
        if (viommu.instance != dev.device.instance()) {
            throw new IommufdException(Errno.EINVAL, "the device is not behind the vIOMMU's IOMMU instance");
        }
        if ((flags & ~NESTED_FLAGS) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "flags 0x" + Integer.toHexString(flags & ~NESTED_FLAGS)
                + " are not valid for a nested HWPT");
        }
        if (data == null) {
            throw new IommufdException(Errno.EOPNOTSUPP, "a nested HWPT needs driver data");
        }
        if (!viommu.driver.supportsAllocDomainNested()) {
            throw new IommufdException(Errno.EOPNOTSUPP, "the vIOMMU driver has no alloc_domain_nested");
        }
        HwptNested hwpt = new HwptNested(viommu.parent, viommu);
        hwpt.pasidCompat = (flags & IOMMU_HWPT_ALLOC_PASID) != 0;
        c.objects.reserve(hwpt);
        try {
            NestedDomain domain = viommu.driver.allocDomainNested(dev.device, flags & ~IOMMU_HWPT_FAULT_ID_VALID, data);
            requireOwnDomain(domain, viommu.instance);
            hwpt.domain = domain;
        } catch (RuntimeException e) {
            c.objects.abort(hwpt);
            throw e;
        }
        return hwpt;
    }

    private static void requireOwnDomain(org.smmuref.iommufd.spi.IommuDomain domain, IommuInstance instance) {
        if (domain == null || domain.owner() != instance) {
            throw new IllegalStateException("driver " + instance.driverName() + " returned a domain it does not own");
        }
    }

    // ------------------------------------------------------------------ GET_HW_INFO

    static IommuHwInfo getHwInfo(Context c, IommuHwInfo cmd) {
        if ((cmd.flags() & ~(IOMMU_HW_INFO_FLAG_INPUT_TYPE & c.profile.hwInfoFlags())) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown GET_HW_INFO flags for kernel " + c.profile.name());
        }
        if (cmd.reserved().stream().anyMatch(b -> b != 0)) {
            throw new IommufdException(Errno.EOPNOTSUPP, "GET_HW_INFO __reserved must be 0, is " + cmd.reserved());
        }
        int inType = (cmd.flags() & IOMMU_HW_INFO_FLAG_INPUT_TYPE) != 0 ? cmd.inDataType() : IOMMU_HW_INFO_TYPE_NONE;
        BoundDevice dev = device(c, cmd.devId());
        Optional<HwInfo> info = dev.device.hwInfo(inType);
        byte[] data = info.map(HwInfo::data).orElse(new byte[0]);
        int outType = info.map(HwInfo::type).orElse(IOMMU_HW_INFO_TYPE_NONE);
        long userLen = Integer.toUnsignedLong(cmd.dataLen());
        int copy = (int) Math.min(userLen, data.length);
        c.memory().write(cmd.dataUptr(), data, 0, copy);
        byte[] zeros = new byte[ZERO_CHUNK];
        for (long at = copy; at < userLen; at += ZERO_CHUNK) {
            c.memory().write(cmd.dataUptr() + at, zeros, 0, (int) Math.min(ZERO_CHUNK, userLen - at));
        }
        DeviceCapabilities caps = dev.device.capabilities();
        long capabilities = caps.dirtyTracking() ? IOMMU_HW_CAP_DIRTY_TRACKING : 0;
        int maxPasidLog2 = 0;
        if (caps.maxPasids() > 0) {
            maxPasidLog2 = 31 - Integer.numberOfLeadingZeros(caps.maxPasids());
            capabilities |= (caps.pasidExec() ? IOMMU_HW_CAP_PCI_PASID_EXEC : 0) | (caps.pasidPriv() ? IOMMU_HW_CAP_PCI_PASID_PRIV
                : 0);
        }
        // A release reports only the capability bits it knows (KernelProfile.hwCapabilities).
        capabilities &= c.profile.hwCapabilities();
        if (!c.profile.pasidInHwInfo()) {
            maxPasidLog2 = 0;
        }
        return cmd.withDataLen(data.length).withOutDataType(outType).withOutMaxPasidLog2(maxPasidLog2)
            .withOutCapabilities(capabilities);
    }

    // ------------------------------------------------------------------ HWPT_INVALIDATE

    /**
     * Returns the struct with entry_num set; a failure carries that struct as its reply, with entry_num 0 for
     * failures before the driver ran (the kernel writes it back either way).
     */
    static IommuHwptInvalidate hwptInvalidate(Context c, IommuHwptInvalidate cmd) {
        UserDataArray entries = new UserDataArray(c.memory(), cmd.dataType(), cmd.dataUptr(), cmd.entryLen(),
            cmd.entryNum(), c.profile);
        int done = 0;
        try {
            if (cmd.reserved() != 0) {
                throw new IommufdException(Errno.EOPNOTSUPP, "HWPT_INVALIDATE __reserved must be 0");
            }
            if (cmd.entryNum() != 0 && (cmd.dataUptr() == 0 || cmd.entryLen() == 0)) {
                throw new IommufdException(Errno.EINVAL, "entries without data_uptr or entry_len");
            }
            IommufdObject target = c.objects.getAny(cmd.hwptId(), Errno.ENOENT);
            if (target instanceof HwptNested nested) {
                if (!nested.domain.supportsCacheInvalidateUser()) {
                    throw new IommufdException(Errno.EOPNOTSUPP, "the nested domain has no cache_invalidate_user");
                }
                try {
                    nested.domain.cacheInvalidateUser(entries);
                } finally {
                    done = entries.entryNum();
                }
            } else if (target instanceof Viommu viommu) {
                if (!viommu.driver.supportsCacheInvalidate()) {
                    throw new IommufdException(Errno.EOPNOTSUPP, "the vIOMMU has no cache_invalidate");
                }
                try {
                    viommu.driver.cacheInvalidate(entries);
                } finally {
                    done = entries.entryNum();
                }
            } else {
                throw new IommufdException(Errno.EINVAL, target + " is neither a nested HWPT nor a vIOMMU");
            }
        } catch (IommufdException e) {
            throw e.withReply(cmd.withEntryNum(done));
        }
        return cmd.withEntryNum(done);
    }

    // ------------------------------------------------------------------ vIOMMU, vDEVICE, vEVENTQ, fault queue

    static IommuViommuAlloc viommuAlloc(Context c, IommuViommuAlloc cmd, Object lock) {
        if (cmd.flags() != 0 || cmd.type() == IOMMU_VIOMMU_TYPE_DEFAULT) {
            throw new IommufdException(Errno.EOPNOTSUPP, "VIOMMU_ALLOC flags must be 0 and the type not DEFAULT");
        }
        BoundDevice dev = device(c, cmd.devId());
        IommuInstance instance = dev.device.instance();
        if (!instance.supportsViommu(dev.device, cmd.type())) {
            throw new IommufdException(Errno.EOPNOTSUPP, "driver " + instance.driverName() + " has no vIOMMU of type "
                + Integer.toUnsignedString(cmd.type()));
        }
        HwptPaging parent = c.objects.get(cmd.hwptId(), ObjectType.HWPT_PAGING, HwptPaging.class, Errno.ENOENT);
        if (!parent.nestParent) {
            throw new IommufdException(Errno.EINVAL, parent + " was not allocated with NEST_PARENT");
        }
        Viommu viommu = new Viommu(cmd.type(), parent, instance, c.kvm, lock, c.profile);
        c.objects.reserve(viommu);
        try {
            UserData data = cmd.dataLen() == 0 ? null
                : new UserData(c.memory(), cmd.type(), Integer.toUnsignedLong(cmd.dataLen()), cmd.dataUptr());
            ViommuDriver driver = instance.initViommu(viommu, parent.domain, dev.device, data);
            if (driver == null) {
                throw new IllegalStateException("driver " + instance.driverName() + " returned no vIOMMU");
            }
            viommu.driver = driver;
        } catch (RuntimeException e) {
            c.objects.abort(viommu);
            throw e;
        }
        c.objects.finalizeObject(viommu);
        return cmd.withOutViommuId(viommu.id);
    }

    static IommuVdeviceAlloc vdeviceAlloc(Context c, IommuVdeviceAlloc cmd) {
        // virt_id > ULONG_MAX (EINVAL in the kernel) cannot happen: unsigned long is 64 bits on arm64 and x86-64.
        Viommu viommu = c.objects.get(cmd.viommuId(), ObjectType.VIOMMU, Viommu.class, Errno.ENOENT);
        BoundDevice dev = device(c, cmd.devId());
        if (viommu.instance != dev.device.instance()) {
            throw new IommufdException(Errno.EINVAL, "the device is not behind the vIOMMU's IOMMU instance");
        }
        if (dev.vdevice != null) {
            throw new IommufdException(Errno.EEXIST, "the device already has " + dev.vdevice);
        }
        if (viommu.vdevs.containsKey(cmd.virtId())) {
            throw new IommufdException(Errno.EEXIST, "virt_id 0x" + Long.toHexString(cmd.virtId())
                + " is taken on this vIOMMU");
        }
        Vdevice vdev = new Vdevice(viommu, dev, cmd.virtId());
        c.objects.reserve(vdev);
        try {
            vdev.link();
        } catch (RuntimeException e) {
            c.objects.abort(vdev);
            throw e;
        }
        c.objects.finalizeObject(vdev);
        return cmd.withOutVdeviceId(vdev.id);
    }

    /** Checks and builds a vEVENTQ, reserved and linked but not finalized and without its fd yet. */
    static Veventq veventqAlloc(Context c, IommuVeventqAlloc cmd) {
        if (cmd.flags() != 0 || cmd.reserved() != 0 || cmd.type() == IOMMU_VEVENTQ_TYPE_DEFAULT) {
            throw new IommufdException(Errno.EOPNOTSUPP, "VEVENTQ_ALLOC flags and __reserved must be 0 and the"
                + " type not DEFAULT");
        }
        if (cmd.veventqDepth() == 0) {
            throw new IommufdException(Errno.EINVAL, "veventq_depth is 0");
        }
        Viommu viommu = c.objects.get(cmd.viommuId(), ObjectType.VIOMMU, Viommu.class, Errno.ENOENT);
        if (viommu.veventqs.containsKey(cmd.type())) {
            throw new IommufdException(Errno.EEXIST, "vIOMMU " + viommu.id + " already has a vEVENTQ of type "
                + Integer.toUnsignedString(cmd.type()));
        }
        Veventq queue = new Veventq(viommu, cmd.type(), cmd.veventqDepth());
        c.objects.reserve(queue);
        queue.link();
        return queue;
    }

    static BoundDevice device(Context c, int devId) {
        return c.objects.get(devId, ObjectType.DEVICE, BoundDevice.class, Errno.ENOENT);
    }
}
