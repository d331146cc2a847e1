package org.smmuref.iommufd.core;

import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_PASID;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_OPTION_HUGE_PAGES;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_OPTION_OP_GET;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_OPTION_OP_SET;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_OPTION_RLIMIT_MODE;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.spi.IommuDevice;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.IopfReporter;
import org.smmuref.iommufd.spi.PageFault;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.iommufd.spi.KvmReference;
import org.smmuref.iommufd.spi.ProcessCapability;
import org.smmuref.iommufd.spi.UserFile;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.ExtensibleStructs;
import org.smmuref.iommufd.uapi.IoctlCall;
import org.smmuref.iommufd.uapi.IoctlStruct;
import org.smmuref.iommufd.uapi.IommuDestroy;
import org.smmuref.iommufd.uapi.IommuFaultAlloc;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommuHwQueueAlloc;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuHwptGetDirtyBitmap;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.IommuHwptSetDirtyTracking;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommuIoasAllowIovas;
import org.smmuref.iommufd.uapi.IommuIoasChangeProcess;
import org.smmuref.iommufd.uapi.IommuIoasCopy;
import org.smmuref.iommufd.uapi.IommuIoasIovaRanges;
import org.smmuref.iommufd.uapi.IommuIoasMap;
import org.smmuref.iommufd.uapi.IommuIoasMapFile;
import org.smmuref.iommufd.uapi.IommuIoasUnmap;
import org.smmuref.iommufd.uapi.IommuOption;
import org.smmuref.iommufd.uapi.IommuVdeviceAlloc;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommuVfioIoas;
import org.smmuref.iommufd.uapi.IommuViommuAlloc;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.iommufd.uapi.UapiException;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * The reference iommufd core: contexts, their object tables, device binding and attachment, and every ioctl, over
 * any driver behind the {@code spi}.
 *
 * <p>One lock serialises every call, including a driver's calls back into its vIOMMU (event reports, vSID
 * lookups), so the object graph is never seen half changed. File descriptors (contexts and event queues) share
 * one table, numbered from 3 like a process's fds after stdio.
 */
@Singleton
public final class IommufdCore implements Iommufd, IopfReporter {
    /** poll(2) bits. */
    static final int EPOLLIN = 0x1;
    static final int EPOLLOUT = 0x4;
    static final int EPOLLRDNORM = 0x40;
    private static final int FIRST_FD = 3;

    private record EventFd(Context context, IommufdObject queue) {
    }

    private record Binding(Context context, BoundDevice device) {
    }

    private final Object lock = new Object();
    private final IommufdPlatform platform;
    /** Context or EventFd by fd number. */
    private final TreeMap<Integer, Object> fds = new TreeMap<>();
    /** Who holds each (instance, StreamID): a device is bound in at most one context. */
    private final Map<Long, Binding> bindings = new HashMap<>();
    private volatile KernelProfile defaultProfile = KernelProfile.latest();

    /** A core serving the platform's IOMMUs, with contexts opened on the platform's process memory. */
    @Inject
    public IommufdCore(IommufdPlatform platform) {
        this.platform = Objects.requireNonNull(platform);
    }

    // ------------------------------------------------------------------ fds and contexts

    @Override
    public int open() {
        return open(IommufdAbi.UPSTREAM);
    }

    @Override
    public int open(IommufdAbi abi) {
        return open(platform.processMemory(), abi);
    }

    /** Opens a context whose user pointers resolve in {@code memory} (another process than the default one). */
    public int open(UserMemory memory) {
        return open(memory, IommufdAbi.UPSTREAM);
    }

    /** Opens a context for {@code abi} whose user pointers resolve in {@code memory}. */
    public int open(UserMemory memory, IommufdAbi abi) {
        return open(memory, abi, defaultProfile);
    }

    @Override
    public int open(IommufdAbi abi, KernelProfile profile) {
        return open(platform.processMemory(), abi, profile);
    }

    /** Opens a context for {@code abi} that behaves as kernel {@code profile}, on {@code memory}. */
    public int open(UserMemory memory, IommufdAbi abi, KernelProfile profile) {
        Objects.requireNonNull(memory);
        Objects.requireNonNull(abi);
        Objects.requireNonNull(profile);
        synchronized (lock) {
            int fd = lowestFreeFd();
            fds.put(fd, new Context(fd, memory, abi, profile));
            return fd;
        }
    }

    /** The kernel release contexts opened without one behave as (the server's {@code --kernel}). */
    public KernelProfile defaultProfile() {
        return defaultProfile;
    }

    /** Sets the release that contexts opened from now on without one behave as. */
    public void setDefaultProfile(KernelProfile profile) {
        this.defaultProfile = Objects.requireNonNull(profile);
    }

    /** The kernel release context {@code ctx} behaves as; EBADF if it is not open. */
    public KernelProfile profile(int ctx) {
        synchronized (lock) {
            return context(ctx).profile;
        }
    }

    @Override
    public void close(int fd) {
        synchronized (lock) {
            Object file = fds.get(fd);
            if (file instanceof Context c) {
                closeContext(c);
            } else if (file instanceof EventFd e) {
                closeEventFd(fd, e);
            } else {
                throw new IommufdException(Errno.EBADF, "fd " + fd + " is not open");
            }
        }
    }

    private void closeContext(Context c) {
        // The process is gone: its event fds close, its devices unbind, then everything is destroyed users-first.
        for (int fd : new ArrayList<>(c.eventFds)) {
            closeEventFd(fd, (EventFd) fds.get(fd));
        }
        for (IommufdObject object : c.objects.live()) {
            if (object instanceof BoundDevice dev) {
                unbind(c, dev);
            }
        }
        c.objects.destroyAll();
        // The association's kvm_get_kvm ends with the file; every vIOMMU that used it is gone by now.
        c.kvm.ifPresent(KvmReference::put);
        c.kvm = Optional.empty();
        fds.remove(c.fd);
    }

    private void closeEventFd(int fd, EventFd e) {
        fds.remove(fd);
        e.context().eventFds.remove(fd);
        e.queue().dropUser();
    }

    @Override
    public byte[] read(int fd, int count) {
        synchronized (lock) {
            Object file = fds.get(fd);
            if (file instanceof EventFd e) {
                if (e.queue() instanceof Veventq q) {
                    return q.read(count);
                }
                return ((FaultQueue) e.queue()).read(count);
            }
            if (file instanceof Context) {
                throw new IommufdException(Errno.EINVAL, "/dev/iommu itself cannot be read");
            }
            throw new IommufdException(Errno.EBADF, "fd " + fd + " is not open");
        }
    }

    @Override
    public int write(int fd, byte[] data) {
        java.util.Objects.requireNonNull(data, "data");
        synchronized (lock) {
            Object file = fds.get(fd);
            if (file instanceof EventFd e && e.queue() instanceof FaultQueue q) {
                return q.write(data);
            }
            if (file instanceof EventFd) {
                // the vEVENTQ file is opened read-only: vfs_write refuses it
                throw new IommufdException(Errno.EBADF, "a vEVENTQ fd is not open for writing");
            }
            if (file instanceof Context) {
                throw new IommufdException(Errno.EINVAL, "/dev/iommu itself cannot be written");
            }
            throw new IommufdException(Errno.EBADF, "fd " + fd + " is not open");
        }
    }

    @Override
    public int poll(int fd) {
        synchronized (lock) {
            Object file = fds.get(fd);
            if (file instanceof EventFd e) {
                // iommufd_eventq_fops_poll
                if (e.queue() instanceof FaultQueue q) {
                    return EPOLLOUT | (q.readable() ? EPOLLIN | EPOLLRDNORM : 0);
                }
                return ((Veventq) e.queue()).queuedRecords() > 0 ? EPOLLIN | EPOLLRDNORM : 0;
            }
            if (file instanceof Context) {
                return 0;
            }
            throw new IommufdException(Errno.EBADF, "fd " + fd + " is not open");
        }
    }

    /** Partial fault groups per bound device (the kernel's iopf_param partial list), by arrival. */
    private final Map<BoundDevice, List<PageFault>> partialFaults = new java.util.IdentityHashMap<>();

    /**
     * iommu_report_device_fault: a fault without LAST_PAGE waits in the device's partial list; the last one takes
     * every partial fault of its grpid into a group, delivered to the fault queue of the HWPT the device is
     * attached to (iommufd_fault_iopf_handler), or answered INVALID at once when there is none: a device not bound
     * here, not attached, or attached to a HWPT without a fault queue.
     */
    @Override
    public void reportPageFault(IommuDevice device, PageFault fault) {
        Objects.requireNonNull(device);
        Objects.requireNonNull(fault);
        synchronized (lock) {
            Binding b = bindings.get(bindingKey(device.instance().id(), device.streamId()));
            BoundDevice dev = b == null || b.device().device != device ? null : b.device();
            if (!fault.lastPage()) {
                if (dev != null) {
                    partialFaults.computeIfAbsent(dev, d -> new ArrayList<>()).add(fault);
                }
                return;
            }
            List<PageFault> group = new ArrayList<>();
            List<PageFault> partial = dev == null ? null : partialFaults.get(dev);
            if (partial != null) {
                partial.removeIf(p -> {
                    if (p.grpid() == fault.grpid()) {
                        group.add(p);
                        return true;
                    }
                    return false;
                });
            }
            group.add(fault);
            if (dev == null || dev.attached == null || dev.attached.fault == null) {
                int pasid = (fault.flags() & PageFault.FLAG_PASID_VALID) != 0 ? fault.pasid() : -1;
                device.pageResponse(pasid, fault.grpid(), PageFault.RESP_INVALID);
                return;
            }
            dev.attached.fault.deliver(new FaultQueue.Group(dev, dev.attached, List.copyOf(group)));
        }
    }

    /** iommufd_auto_response_faults: the device leaves {@code hwpt}, so its groups there are answered INVALID. */
    private void autoRespond(BoundDevice dev, Hwpt hwpt) {
        if (hwpt != null && hwpt.fault != null) {
            hwpt.fault.autoRespond(g -> g.dev() == dev && g.hwpt() == hwpt);
        }
    }

    /** The context open on {@code fd}, else EBADF (package-private so that tests can reach object internals). */
    Context context(int fd) {
        if (fds.get(fd) instanceof Context c) {
            return c;
        }
        throw new IommufdException(Errno.EBADF, "fd " + fd + " is not an iommufd context");
    }

    private int lowestFreeFd() {
        int fd = FIRST_FD;
        for (int used : fds.tailMap(FIRST_FD).keySet()) {
            if (used != fd) {
                break;
            }
            fd++;
        }
        return fd;
    }

    private int openEventFd(Context c, IommufdObject queue) {
        int fd = lowestFreeFd();
        fds.put(fd, new EventFd(c, queue));
        c.eventFds.add(fd);
        queue.addUser();
        return fd;
    }

    // ------------------------------------------------------------------ devices

    @Override
    public int bindDevice(int ctx, int iommuInstance, int streamId) {
        synchronized (lock) {
            Context c = context(ctx);
            IommuInstance instance = platform.iommu(iommuInstance).orElseThrow(() -> new IommufdException(
                Errno.ENODEV, "no IOMMU instance " + iommuInstance));
            IommuDevice device = instance.device(streamId).orElseThrow(() -> new IommufdException(Errno.ENODEV,
                "no device with StreamID 0x" + Integer.toHexString(streamId) + " behind IOMMU " + iommuInstance));
            long key = bindingKey(iommuInstance, streamId);
            if (bindings.containsKey(key)) {
                throw new IommufdException(Errno.EBUSY, "StreamID 0x" + Integer.toHexString(streamId)
                    + " of IOMMU " + iommuInstance + " is already bound");
            }
            BoundDevice dev = new BoundDevice(device);
            c.objects.reserve(dev);
            try {
                device.block();
            } catch (RuntimeException e) {
                dev.dropUser();
                c.objects.abort(dev);
                throw e;
            }
            c.objects.finalizeObject(dev);
            bindings.put(key, new Binding(c, dev));
            return dev.id;
        }
    }

    @Override
    public void unbindDevice(int ctx, int devId) {
        synchronized (lock) {
            Context c = context(ctx);
            unbind(c, NestingCommands.device(c, devId));
        }
    }

    private void unbind(Context c, BoundDevice dev) {
        for (int pasid : List.copyOf(dev.pasids.keySet())) {
            detachPasid(c, dev, pasid);
        }
        if (dev.attached != null) {
            detach(c, dev);
        }
        if (dev.vdevice != null) {
            // The vDEVICE is force-destroyed; its id stays taken (DESTROY gives ENOENT) until the context closes.
            c.objects.tombstone(dev.vdevice);
        }
        dev.dropUser();
        partialFaults.remove(dev);
        c.objects.remove(dev);
        bindings.remove(bindingKey(dev.device.instance().id(), dev.device.streamId()));
    }

    private static long bindingKey(int instance, int streamId) {
        return ((long) instance << 32) | Integer.toUnsignedLong(streamId);
    }

    @Override
    public int attachDevice(int ctx, int devId, int ptId) {
        synchronized (lock) {
            Context c = context(ctx);
            return changePt(c, NestingCommands.device(c, devId), ptId);
        }
    }

    @Override
    public int replaceDevice(int ctx, int devId, int ptId) {
        synchronized (lock) {
            Context c = context(ctx);
            BoundDevice dev = NestingCommands.device(c, devId);
            if (dev.attached == null) {
                throw new IommufdException(Errno.EINVAL, "device " + devId + " is not attached: nothing to replace");
            }
            return changePt(c, dev, ptId);
        }
    }

    @Override
    public void detachDevice(int ctx, int devId) {
        synchronized (lock) {
            Context c = context(ctx);
            BoundDevice dev = NestingCommands.device(c, devId);
            if (dev.attached != null) {
                detach(c, dev);
            }
        }
    }

    @Override
    public int attachDevicePasid(int ctx, int devId, int pasid, int ptId) {
        synchronized (lock) {
            Context c = context(ctx);
            BoundDevice dev = NestingCommands.device(c, devId);
            checkPasid(dev, pasid);
            return changePasidPt(c, dev, pasid, ptId);
        }
    }

    @Override
    public int replaceDevicePasid(int ctx, int devId, int pasid, int ptId) {
        synchronized (lock) {
            Context c = context(ctx);
            BoundDevice dev = NestingCommands.device(c, devId);
            checkPasid(dev, pasid);
            if (!dev.pasids.containsKey(pasid)) {
                // iommufd_device_replace: iommufd_device_is_attached() is false for this PASID.
                throw new IommufdException(Errno.EINVAL, "device " + devId + " has nothing attached at PASID " + pasid);
            }
            return changePasidPt(c, dev, pasid, ptId);
        }
    }

    @Override
    public void detachDevicePasid(int ctx, int devId, int pasid) {
        synchronized (lock) {
            Context c = context(ctx);
            BoundDevice dev = NestingCommands.device(c, devId);
            checkPasid(dev, pasid);
            if (dev.pasids.containsKey(pasid)) {
                detachPasid(c, dev, pasid);
            }
        }
    }

    /** iommu_attach_device_pasid: IOMMU_NO_PASID (0) and a PASID beyond the device's {@code max_pasids} are EINVAL. */
    private static void checkPasid(BoundDevice dev, int pasid) {
        int max = dev.device.capabilities().maxPasids();
        if (pasid == 0 || Integer.compareUnsigned(pasid, max) >= 0) {
            throw new IommufdException(Errno.EINVAL, "PASID " + Integer.toUnsignedString(pasid)
                + " is not usable on a device with " + max + " PASIDs (0 is the RID)");
        }
    }

    private int changePasidPt(Context c, BoundDevice dev, int pasid, int ptId) {
        IommufdObject pt = c.objects.getAny(ptId, Errno.ENOENT);
        switch (pt.type) {
            case HWPT_PAGING, HWPT_NESTED -> {
                attachPasidHwpt(c, dev, pasid, (Hwpt) pt);
                return pt.id;
            }
            case IOAS -> {
                Ioas ioas = (Ioas) pt;
                for (HwptPaging hwpt : List.copyOf(ioas.hwpts)) {
                    if (!hwpt.autoDomain) {
                        continue;
                    }
                    try {
                        attachPasidHwpt(c, dev, pasid, hwpt);
                        return hwpt.id;
                    } catch (IommufdException e) {
                        if (e.errno() != Errno.EINVAL) {
                            throw e;
                        }
                    }
                }
                // iommufd_device_auto_get_domain: a domain made for a PASID is allocated PASID-capable.
                HwptPaging hwpt = NestingCommands.allocPaging(c, ioas, dev, IOMMU_HWPT_ALLOC_PASID, null, true);
                try {
                    attachPasidHwpt(c, dev, pasid, hwpt);
                } catch (RuntimeException e) {
                    c.objects.abort(hwpt);
                    throw e;
                }
                c.objects.finalizeObject(hwpt);
                return hwpt.id;
            }
            default -> throw new IommufdException(Errno.EINVAL, pt + " is not an IOAS or a HWPT");
        }
    }

    /**
     * iommufd_hwpt_pasid_compat, PASID side: the HWPT and the RID's HWPT (if any) must both be PASID-compatible.
     * On a failure the PASID keeps its old page table.
     */
    private void attachPasidHwpt(Context c, BoundDevice dev, int pasid, Hwpt hwpt) {
        Hwpt old = dev.pasids.get(pasid);
        if (old == hwpt) {
            return;
        }
        if (hwpt.domain().owner() != dev.device.instance()) {
            throw new IommufdException(Errno.EINVAL, hwpt + " belongs to another IOMMU instance");
        }
        if (!hwpt.pasidCompat) {
            throw new IommufdException(Errno.EINVAL, hwpt + " was not allocated with IOMMU_HWPT_ALLOC_PASID");
        }
        if (dev.attached != null && !dev.attached.pasidCompat) {
            throw new IommufdException(Errno.EINVAL, "the device's RID is attached to " + dev.attached
                + ", which is not PASID-compatible");
        }
        dev.device.attachPasid(pasid, hwpt.domain());
        hwpt.addUser();
        dev.pasids.put(pasid, hwpt);
        if (old != null) {
            putHwpt(c, old);
        }
    }

    private void detachPasid(Context c, BoundDevice dev, int pasid) {
        Hwpt old = dev.pasids.remove(pasid);
        dev.device.blockPasid(pasid);
        putHwpt(c, old);
    }

    private int changePt(Context c, BoundDevice dev, int ptId) {
        IommufdObject pt = c.objects.getAny(ptId, Errno.ENOENT);
        switch (pt.type) {
            case HWPT_PAGING, HWPT_NESTED -> {
                attachHwpt(c, dev, (Hwpt) pt);
                return pt.id;
            }
            case IOAS -> {
                return attachAuto(c, dev, (Ioas) pt);
            }
            default -> throw new IommufdException(Errno.EINVAL, pt + " is not an IOAS or a HWPT");
        }
    }

    /**
     * Attaches to an IOAS through an automatic domain: the first existing automatic HWPT of the IOAS that the
     * device can use (an EINVAL from the attach means incompatible, try the next), else a new one.
     */
    private int attachAuto(Context c, BoundDevice dev, Ioas ioas) {
        for (HwptPaging hwpt : List.copyOf(ioas.hwpts)) {
            if (!hwpt.autoDomain) {
                continue;
            }
            try {
                attachHwpt(c, dev, hwpt);
                return hwpt.id;
            } catch (IommufdException e) {
                if (e.errno() != Errno.EINVAL) {
                    throw e;
                }
            }
        }
        HwptPaging hwpt = NestingCommands.allocPaging(c, ioas, dev, 0, null, true);
        try {
            attachHwpt(c, dev, hwpt);
        } catch (RuntimeException e) {
            c.objects.abort(hwpt);
            throw e;
        }
        c.objects.finalizeObject(hwpt);
        return hwpt.id;
    }

    /** Attaches or replaces; on failure the device keeps its old page table. */
    private void attachHwpt(Context c, BoundDevice dev, Hwpt hwpt) {
        Hwpt old = dev.attached;
        if (old == hwpt) {
            return;
        }
        if (hwpt.domain().owner() != dev.device.instance()) {
            throw new IommufdException(Errno.EINVAL, hwpt + " belongs to another IOMMU instance");
        }
        if (!hwpt.pasidCompat && !dev.pasids.isEmpty()) {
            // iommufd_hwpt_pasid_compat, RID side: PASIDs are attached, so the RID's domain must be compatible.
            throw new IommufdException(Errno.EINVAL, hwpt + " is not PASID-compatible and device has PASIDs "
                + dev.pasids.keySet() + " attached");
        }
        Ioas newIoas = hwpt instanceof HwptPaging p ? p.ioas : null;
        Ioas oldIoas = old instanceof HwptPaging p ? p.ioas : null;
        if (newIoas != null) {
            newIoas.iopt.reserve(dev, dev.device.reservedRegions());
        }
        try {
            dev.device.attach(hwpt.domain());
        } catch (RuntimeException e) {
            if (newIoas != null && newIoas != oldIoas) {
                newIoas.iopt.unreserve(dev);
            }
            throw e;
        }
        if (oldIoas != null && oldIoas != newIoas) {
            oldIoas.iopt.unreserve(dev);
        }
        hwpt.addUser();
        dev.attached = hwpt;
        autoRespond(dev, old);
        if (old != null) {
            putHwpt(c, old);
        }
    }

    private void detach(Context c, BoundDevice dev) {
        Hwpt old = dev.attached;
        dev.device.block();
        autoRespond(dev, old);
        dev.attached = null;
        if (old instanceof HwptPaging p) {
            p.ioas.iopt.unreserve(dev);
        }
        putHwpt(c, old);
    }

    /** Drops an attachment's user; an automatic domain goes away with its last device. */
    private static void putHwpt(Context c, Hwpt hwpt) {
        hwpt.dropUser();
        if (hwpt instanceof HwptPaging p && p.autoDomain && p.users() == 0) {
            c.objects.remove(p);
        }
    }

    @Override
    public void associateKvm(int ctx, KvmVmFile vm) {
        synchronized (lock) {
            Context c = context(ctx);
            // fdget first: a file this machine did not issue, or a closed one, is EBADF before any other rule.
            KvmReference ref = platform.getKvm(vm).orElseThrow(() -> new IommufdException(Errno.EBADF,
                (vm == null ? "no VM file" : vm + " is not an open KVM VM file of this machine")));
            if (c.kvm.isPresent()) {
                KvmVmFile held = c.kvm.get().file();
                ref.put();
                if (held != vm) {
                    throw new IommufdException(Errno.EBUSY, "context is already associated with VM "
                        + held.vmNumber());
                }
                return;
            }
            c.kvm = Optional.of(ref);
        }
    }

    // ------------------------------------------------------------------ the ioctl entries

    @Override
    public void ioctl(int ctx, int request, UserBuffer arg) {
        Objects.requireNonNull(arg, "arg");
        synchronized (lock) {
            Context c = context(ctx);
            IoctlCall call = decode(() -> ExtensibleStructs.decodeIoctl(request, arg, c.profile));
            try {
                IoctlStruct answer = execute(c, call);
                writeBack(arg, call, answer);
            } catch (IommufdException e) {
                IoctlStruct written = writtenOnFailure(e, call);
                if (written != null) {
                    writeBack(arg, call, written);
                }
                throw e;
            }
        }
    }

    /** The command's struct that a failure still writes back (IOVA_RANGES' EMSGSIZE, HWPT_INVALIDATE), or null. */
    private static IoctlStruct writtenOnFailure(IommufdException e, IoctlCall call) {
        return e.reply(IoctlStruct.class).filter(r -> r.structType() == call.command().struct()).orElse(null);
    }

    /** The kernel's {@code iommufd_ucmd_respond}: {@code min(size, sizeof)} bytes back; EFAULT if they cannot go. */
    private static void writeBack(UserBuffer arg, IoctlCall call, IoctlStruct answer) {
        try {
            arg.write(0, call.respond(answer));
        } catch (UapiException e) {
            throw new IommufdException(Errno.EFAULT, "cannot write " + call.command().ioctlName()
                + "'s answer back: " + e.reason());
        }
    }

    /**
     * A typed ioctl: the same rules and handler as {@link #ioctl}, on the value's bytes. Returns the caller's struct
     * with the first {@code min(size, sizeof)} bytes replaced by the answer, which is what the caller's memory would
     * hold; a failure that answers carries the struct built the same way.
     */
    private <T extends IoctlStruct> T typed(int ctx, T cmd, Class<T> type) {
        Objects.requireNonNull(cmd, "cmd");
        synchronized (lock) {
            // The context's release decides the table and sizes; an fd that is no context decodes as the default.
            KernelProfile profile = fds.get(ctx) instanceof Context open ? open.profile : defaultProfile;
            IoctlCall call = decode(() -> ExtensibleStructs.normalize(cmd, profile));
            Context c = context(ctx);
            try {
                return afterCall(cmd, call, execute(c, call), type);
            } catch (IommufdException e) {
                IoctlStruct written = writtenOnFailure(e, call);
                throw written == null ? e : e.withReply(afterCall(cmd, call, written, type));
            }
        }
    }

    private static <T extends IoctlStruct> T afterCall(T cmd, IoctlCall call, IoctlStruct answer, Class<T> type) {
        byte[] caller = cmd.encode();
        byte[] back = call.respond(answer);
        System.arraycopy(back, 0, caller, 0, back.length);
        return type.cast(cmd.structType().decode(caller));
    }

    private interface Decoder {
        IoctlCall decode();
    }

    /** The uAPI rules' failures as the service's exception type. */
    private static IoctlCall decode(Decoder decoder) {
        try {
            return decoder.decode();
        } catch (UapiException e) {
            throw IommufdException.of(e);
        }
    }

    /** Runs one decoded command in context {@code c} and returns its struct with the out fields set. */
    private IoctlStruct execute(Context c, IoctlCall call) {
        IoctlStruct a = call.argument();
        try {
            return switch (call.command()) {
                case DESTROY -> destroy(c, (IommuDestroy) a);
                case IOAS_ALLOC -> IoasCommands.alloc(c, (IommuIoasAlloc) a);
                case IOAS_ALLOW_IOVAS -> IoasCommands.allowIovas(c, (IommuIoasAllowIovas) a);
                case IOAS_COPY -> IoasCommands.copy(c, (IommuIoasCopy) a);
                case IOAS_IOVA_RANGES -> IoasCommands.iovaRanges(c, (IommuIoasIovaRanges) a);
                case IOAS_MAP -> IoasCommands.map(c, (IommuIoasMap) a);
                case IOAS_UNMAP -> IoasCommands.unmap(c, (IommuIoasUnmap) a);
                case OPTION -> option(c, (IommuOption) a);
                case HWPT_ALLOC -> NestingCommands.hwptAlloc(c, (IommuHwptAlloc) a);
                case GET_HW_INFO -> NestingCommands.getHwInfo(c, (IommuHwInfo) a);
                case HWPT_INVALIDATE -> NestingCommands.hwptInvalidate(c, (IommuHwptInvalidate) a);
                case FAULT_QUEUE_ALLOC -> faultQueueAlloc(c, (IommuFaultAlloc) a);
                case VIOMMU_ALLOC -> NestingCommands.viommuAlloc(c, (IommuViommuAlloc) a, lock);
                case VDEVICE_ALLOC -> NestingCommands.vdeviceAlloc(c, (IommuVdeviceAlloc) a);
                case VEVENTQ_ALLOC -> veventqAlloc(c, (IommuVeventqAlloc) a);
                case VFIO_IOAS -> VfioCompat.vfioIoas(c, (IommuVfioIoas) a);
                case IOAS_MAP_FILE -> mapFile(c, (IommuIoasMapFile) a);
                case IOAS_CHANGE_PROCESS -> IoasCommands.changeProcess(c, (IommuIoasChangeProcess) a);
                case HWPT_SET_DIRTY_TRACKING -> DirtyCommands.setDirtyTracking(c, (IommuHwptSetDirtyTracking) a);
                case HWPT_GET_DIRTY_BITMAP -> DirtyCommands.getDirtyBitmap(c, (IommuHwptGetDirtyBitmap) a);
                case HW_QUEUE_ALLOC -> HwQueueCommands.alloc(c, (IommuHwQueueAlloc) a);
            };
        } catch (IommufdException e) {
            throw e;
        } catch (UapiException e) {
            throw IommufdException.of(e);
        }
    }

    @Override
    public IommuDestroy destroy(int ctx, IommuDestroy cmd) {
        return typed(ctx, cmd, IommuDestroy.class);
    }

    @Override
    public IommuIoasAlloc ioasAlloc(int ctx, IommuIoasAlloc cmd) {
        return typed(ctx, cmd, IommuIoasAlloc.class);
    }

    @Override
    public IommuIoasAllowIovas ioasAllowIovas(int ctx, IommuIoasAllowIovas cmd) {
        return typed(ctx, cmd, IommuIoasAllowIovas.class);
    }

    @Override
    public IommuIoasCopy ioasCopy(int ctx, IommuIoasCopy cmd) {
        return typed(ctx, cmd, IommuIoasCopy.class);
    }

    @Override
    public IommuIoasIovaRanges ioasIovaRanges(int ctx, IommuIoasIovaRanges cmd) {
        return typed(ctx, cmd, IommuIoasIovaRanges.class);
    }

    @Override
    public IommuVfioIoas vfioIoas(int ctx, IommuVfioIoas cmd) {
        return typed(ctx, cmd, IommuVfioIoas.class);
    }

    @Override
    public long vfioIoctl(int ctx, int request, long arg) {
        synchronized (lock) {
            Context c = context(ctx);
            try {
                return VfioCompat.ioctl(c, request, arg);
            } catch (UapiException e) {
                throw IommufdException.of(e);
            }
        }
    }

    @Override
    public IommuIoasMap ioasMap(int ctx, IommuIoasMap cmd) {
        return typed(ctx, cmd, IommuIoasMap.class);
    }

    @Override
    public IommuIoasMapFile ioasMapFile(int ctx, IommuIoasMapFile cmd) {
        return typed(ctx, cmd, IommuIoasMapFile.class);
    }

    @Override
    public IommuIoasChangeProcess ioasChangeProcess(int ctx, IommuIoasChangeProcess cmd) {
        return typed(ctx, cmd, IommuIoasChangeProcess.class);
    }

    /**
     * Runs {@code call} (calls on this core) as made by {@code process}, another process holding the context's fd (a
     * forked child, say): during it, the context's user pointers resolve in that process's memory, new mappings take
     * its pages, and IOAS_CHANGE_PROCESS charges it. Without this, calls are the opener's.
     */
    public <T> T callAs(UserMemory process, int ctx, java.util.function.Supplier<T> call) {
        Objects.requireNonNull(process);
        synchronized (lock) {
            Context c = context(ctx);
            UserMemory before = c.caller;
            c.caller = process;
            try {
                return call.get();
            } finally {
                c.caller = before;
            }
        }
    }

    @Override
    public IommuIoasUnmap ioasUnmap(int ctx, IommuIoasUnmap cmd) {
        return typed(ctx, cmd, IommuIoasUnmap.class);
    }

    @Override
    public IommuOption option(int ctx, IommuOption cmd) {
        return typed(ctx, cmd, IommuOption.class);
    }

    @Override
    public IommuHwptAlloc hwptAlloc(int ctx, IommuHwptAlloc cmd) {
        return typed(ctx, cmd, IommuHwptAlloc.class);
    }

    @Override
    public IommuHwInfo getHwInfo(int ctx, IommuHwInfo cmd) {
        return typed(ctx, cmd, IommuHwInfo.class);
    }

    @Override
    public IommuHwptInvalidate hwptInvalidate(int ctx, IommuHwptInvalidate cmd) {
        return typed(ctx, cmd, IommuHwptInvalidate.class);
    }

    @Override
    public IommuFaultAlloc faultQueueAlloc(int ctx, IommuFaultAlloc cmd) {
        return typed(ctx, cmd, IommuFaultAlloc.class);
    }

    @Override
    public IommuViommuAlloc viommuAlloc(int ctx, IommuViommuAlloc cmd) {
        return typed(ctx, cmd, IommuViommuAlloc.class);
    }

    @Override
    public IommuVdeviceAlloc vdeviceAlloc(int ctx, IommuVdeviceAlloc cmd) {
        return typed(ctx, cmd, IommuVdeviceAlloc.class);
    }

    @Override
    public IommuVeventqAlloc veventqAlloc(int ctx, IommuVeventqAlloc cmd) {
        return typed(ctx, cmd, IommuVeventqAlloc.class);
    }

    @Override
    public IommuHwQueueAlloc hwQueueAlloc(int ctx, IommuHwQueueAlloc cmd) {
        return typed(ctx, cmd, IommuHwQueueAlloc.class);
    }

    @Override
    public IommuHwptSetDirtyTracking hwptSetDirtyTracking(int ctx, IommuHwptSetDirtyTracking cmd) {
        return typed(ctx, cmd, IommuHwptSetDirtyTracking.class);
    }

    @Override
    public IommuHwptGetDirtyBitmap hwptGetDirtyBitmap(int ctx, IommuHwptGetDirtyBitmap cmd) {
        return typed(ctx, cmd, IommuHwptGetDirtyBitmap.class);
    }

    // ------------------------------------------------------------------ generic handlers

    /** IOAS_MAP_FILE: {@code fget} looks in the process's memfds, then in this core's fds (files of another kind). */
    private IommuIoasMapFile mapFile(Context c, IommuIoasMapFile cmd) {
        UserFile file = c.memory().file(cmd.fd()).orElseGet(() -> fds.containsKey(cmd.fd())
            ? IoasCommands.unpinnableFile(cmd.fd()) : null);
        return IoasCommands.mapFile(c, cmd, file);
    }

    private static IommuDestroy destroy(Context c, IommuDestroy cmd) {
        c.objects.destroyUser(cmd.id());
        return cmd;
    }

    private static IommuOption option(Context c, IommuOption cmd) {
        if (cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "OPTION __reserved must be 0");
        }
        if (cmd.optionId() == IOMMU_OPTION_RLIMIT_MODE) {
            return cmd.withVal64(rlimitMode(c, cmd));
        }
        if (cmd.optionId() == IOMMU_OPTION_HUGE_PAGES) {
            Ioas ioas = c.objects.get(cmd.objectId(), ObjectType.IOAS, Ioas.class, Errno.ENOENT);
            if (cmd.op() == IOMMU_OPTION_OP_GET) {
                return cmd.withVal64(ioas.iopt.largePages() ? 1 : 0);
            }
            if (cmd.op() == IOMMU_OPTION_OP_SET) {
                ioas.iopt.setLargePages(booleanOption(cmd.val64()));
                return cmd;
            }
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown OPTION op " + cmd.op());
        }
        throw new IommufdException(Errno.EOPNOTSUPP, "unknown option_id " + Integer.toUnsignedString(
            cmd.optionId()));
    }

    /**
     * RLIMIT_MODE (iommufd_option_rlimit_mode) is global to the context: no object id; SET needs the process's
     * CAP_SYS_RESOURCE (EPERM) and an empty context (EBUSY).
     */
    private static long rlimitMode(Context c, IommuOption cmd) {
        if (cmd.objectId() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "RLIMIT_MODE takes no object_id");
        }
        if (cmd.op() == IOMMU_OPTION_OP_GET) {
            return c.accountPerMm ? 1 : 0;
        }
        if (cmd.op() == IOMMU_OPTION_OP_SET) {
            if (!c.memory().capable(ProcessCapability.CAP_SYS_RESOURCE)) {
                throw new IommufdException(Errno.EPERM, "setting RLIMIT_MODE needs CAP_SYS_RESOURCE");
            }
            if (!c.objects.isEmpty()) {
                throw new IommufdException(Errno.EBUSY, "RLIMIT_MODE can change only before any object exists");
            }
            c.accountPerMm = booleanOption(cmd.val64());
            return cmd.val64();
        }
        throw new IommufdException(Errno.EOPNOTSUPP, "unknown OPTION op " + cmd.op());
    }

    private static boolean booleanOption(long val64) {
        if (val64 != 0 && val64 != 1) {
            throw new IommufdException(Errno.EINVAL, "option value must be 0 or 1, not " + Long.toUnsignedString(
                val64));
        }
        return val64 == 1;
    }

    private IommuFaultAlloc faultQueueAlloc(Context c, IommuFaultAlloc cmd) {
        if (cmd.flags() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "FAULT_QUEUE_ALLOC flags must be 0");
        }
        FaultQueue fault = new FaultQueue();
        c.objects.reserve(fault);
        fault.fd = openEventFd(c, fault);
        c.objects.finalizeObject(fault);
        return cmd.withOutFaultId(fault.id).withOutFaultFd(fault.fd);
    }

    private IommuVeventqAlloc veventqAlloc(Context c, IommuVeventqAlloc cmd) {
        Veventq queue = NestingCommands.veventqAlloc(c, cmd);
        queue.fd = openEventFd(c, queue);
        c.objects.finalizeObject(queue);
        return cmd.withOutVeventqId(queue.id).withOutVeventqFd(queue.fd);
    }

    // ------------------------------------------------------------------ inspection for tests and tools

    /** A read-only view of one live object: its id, type and users. */
    public record ObjectInfo(int id, ObjectType type, int users) {
    }

    /** The live objects of a context in id order (what a debugger or an invariant check wants to see). */
    public List<ObjectInfo> objects(int ctx) {
        synchronized (lock) {
            List<ObjectInfo> out = new ArrayList<>();
            for (IommufdObject o : context(ctx).objects.live()) {
                out.add(new ObjectInfo(o.id, o.type, o.users()));
            }
            return out;
        }
    }

    /** The mapped areas of an IOAS as inclusive IOVA ranges, in order. */
    public List<org.smmuref.iommufd.spi.IovaRange> mappedAreas(int ctx, int ioasId) {
        synchronized (lock) {
            Ioas ioas = context(ctx).objects.get(ioasId, ObjectType.IOAS, Ioas.class, Errno.ENOENT);
            return ioas.iopt.areas().stream().map(IoPageTable.Area::range).toList();
        }
    }

    /** The event queue object behind an open event fd, or null (package-private: for invariant checks). */
    IommufdObject eventQueueOf(int fd) {
        synchronized (lock) {
            return fds.get(fd) instanceof EventFd e ? e.queue() : null;
        }
    }

    /** The open fds, contexts and event queues alike. */
    public List<Integer> openFds() {
        synchronized (lock) {
            return List.copyOf(fds.keySet());
        }
    }
}
