package org.smmuref.iommufd.core;

import static org.smmuref.iommufd.IommufdConstants.OPTION_HUGE_PAGES;
import static org.smmuref.iommufd.IommufdConstants.OPTION_OP_GET;
import static org.smmuref.iommufd.IommufdConstants.OPTION_OP_SET;
import static org.smmuref.iommufd.IommufdConstants.OPTION_RLIMIT_MODE;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdCmd.Destroy;
import org.smmuref.iommufd.IommufdCmd.FaultQueueAlloc;
import org.smmuref.iommufd.IommufdCmd.FaultQueueAllocReply;
import org.smmuref.iommufd.IommufdCmd.GetHwInfo;
import org.smmuref.iommufd.IommufdCmd.HwInfoReply;
import org.smmuref.iommufd.IommufdCmd.HwptAlloc;
import org.smmuref.iommufd.IommufdCmd.HwptInvalidate;
import org.smmuref.iommufd.IommufdCmd.IoasAlloc;
import org.smmuref.iommufd.IommufdCmd.IoasAllowIovas;
import org.smmuref.iommufd.IommufdCmd.IoasCopy;
import org.smmuref.iommufd.IommufdCmd.IoasIovaRanges;
import org.smmuref.iommufd.IommufdCmd.IoasMap;
import org.smmuref.iommufd.IommufdCmd.IoasUnmap;
import org.smmuref.iommufd.IommufdCmd.IovaRangesReply;
import org.smmuref.iommufd.IommufdCmd.Option;
import org.smmuref.iommufd.IommufdCmd.VdeviceAlloc;
import org.smmuref.iommufd.IommufdCmd.VeventqAlloc;
import org.smmuref.iommufd.IommufdCmd.VeventqAllocReply;
import org.smmuref.iommufd.IommufdCmd.ViommuAlloc;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IommuDevice;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The reference iommufd core: contexts, their object tables, device binding and attachment, and every ioctl, over
 * any driver behind the {@code spi}.
 *
 * <p>One lock serialises every call, including a driver's calls back into its vIOMMU (event reports, vSID
 * lookups), so the object graph is never seen half changed. File descriptors (contexts and event queues) share
 * one table, numbered from 3 like a process's fds after stdio.
 */
@Singleton
public final class IommufdCore implements Iommufd {
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

    /** A core serving the platform's IOMMUs, with contexts opened on the platform's process memory. */
    @Inject
    public IommufdCore(IommufdPlatform platform) {
        this.platform = Objects.requireNonNull(platform);
    }

    // ------------------------------------------------------------------ fds and contexts

    @Override
    public int open() {
        return open(platform.processMemory());
    }

    /** Opens a context whose user pointers resolve in {@code memory} (another process than the default one). */
    public int open(UserMemory memory) {
        synchronized (lock) {
            int fd = lowestFreeFd();
            fds.put(fd, new Context(fd, Objects.requireNonNull(memory)));
            return fd;
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
                return new byte[0];
            }
            if (file instanceof Context) {
                throw new IommufdException(Errno.EINVAL, "/dev/iommu itself cannot be read");
            }
            throw new IommufdException(Errno.EBADF, "fd " + fd + " is not open");
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
        if (dev.attached != null) {
            detach(c, dev);
        }
        if (dev.vdevice != null) {
            // The vDEVICE is force-destroyed; its id stays taken (DESTROY gives ENOENT) until the context closes.
            c.objects.tombstone(dev.vdevice);
        }
        dev.dropUser();
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
        if (old != null) {
            putHwpt(c, old);
        }
    }

    private void detach(Context c, BoundDevice dev) {
        Hwpt old = dev.attached;
        dev.device.block();
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
    public void associateKvm(int ctx, int vmId) {
        synchronized (lock) {
            Context c = context(ctx);
            if (c.kvmVm.isPresent() && c.kvmVm.getAsInt() != vmId) {
                throw new IommufdException(Errno.EBUSY, "context is already associated with VM "
                    + c.kvmVm.getAsInt());
            }
            c.kvmVm = OptionalInt.of(vmId);
        }
    }

    // ------------------------------------------------------------------ generic ioctls

    @Override
    public void destroy(int ctx, Destroy cmd) {
        synchronized (lock) {
            context(ctx).objects.destroyUser(cmd.id());
        }
    }

    @Override
    public long option(int ctx, Option cmd) {
        synchronized (lock) {
            Context c = context(ctx);
            if (cmd.reserved() != 0) {
                throw new IommufdException(Errno.EOPNOTSUPP, "OPTION __reserved must be 0");
            }
            if (cmd.optionId() == OPTION_RLIMIT_MODE) {
                return rlimitMode(c, cmd);
            }
            if (cmd.optionId() == OPTION_HUGE_PAGES) {
                Ioas ioas = c.objects.get(cmd.objectId(), ObjectType.IOAS, Ioas.class, Errno.ENOENT);
                if (cmd.op() == OPTION_OP_GET) {
                    return ioas.iopt.largePages() ? 1 : 0;
                }
                if (cmd.op() == OPTION_OP_SET) {
                    ioas.iopt.setLargePages(booleanOption(cmd.val64()));
                    return cmd.val64();
                }
                throw new IommufdException(Errno.EOPNOTSUPP, "unknown OPTION op " + cmd.op());
            }
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown option_id " + Integer.toUnsignedString(
                cmd.optionId()));
        }
    }

    /** RLIMIT_MODE is global to the context: no object id, and it may change only while the context is empty. */
    private static long rlimitMode(Context c, Option cmd) {
        if (cmd.objectId() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "RLIMIT_MODE takes no object_id");
        }
        if (cmd.op() == OPTION_OP_GET) {
            return c.accountPerMm ? 1 : 0;
        }
        if (cmd.op() == OPTION_OP_SET) {
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

    // ------------------------------------------------------------------ IOAS

    @Override
    public int ioasAlloc(int ctx, IoasAlloc cmd) {
        synchronized (lock) {
            return IoasCommands.alloc(context(ctx), cmd);
        }
    }

    @Override
    public void ioasAllowIovas(int ctx, IoasAllowIovas cmd) {
        synchronized (lock) {
            IoasCommands.allowIovas(context(ctx), cmd);
        }
    }

    @Override
    public long ioasCopy(int ctx, IoasCopy cmd) {
        synchronized (lock) {
            return IoasCommands.copy(context(ctx), cmd);
        }
    }

    @Override
    public IovaRangesReply ioasIovaRanges(int ctx, IoasIovaRanges cmd) {
        synchronized (lock) {
            return IoasCommands.iovaRanges(context(ctx), cmd);
        }
    }

    @Override
    public long ioasMap(int ctx, IoasMap cmd) {
        synchronized (lock) {
            return IoasCommands.map(context(ctx), cmd);
        }
    }

    @Override
    public long ioasUnmap(int ctx, IoasUnmap cmd) {
        synchronized (lock) {
            return IoasCommands.unmap(context(ctx), cmd);
        }
    }

    // ------------------------------------------------------------------ HWPT, vIOMMU and friends

    @Override
    public int hwptAlloc(int ctx, HwptAlloc cmd) {
        synchronized (lock) {
            return NestingCommands.hwptAlloc(context(ctx), cmd);
        }
    }

    @Override
    public HwInfoReply getHwInfo(int ctx, GetHwInfo cmd) {
        synchronized (lock) {
            return NestingCommands.getHwInfo(context(ctx), cmd);
        }
    }

    @Override
    public int hwptInvalidate(int ctx, HwptInvalidate cmd) {
        synchronized (lock) {
            return NestingCommands.hwptInvalidate(context(ctx), cmd);
        }
    }

    @Override
    public FaultQueueAllocReply faultQueueAlloc(int ctx, FaultQueueAlloc cmd) {
        synchronized (lock) {
            Context c = context(ctx);
            if (cmd.flags() != 0) {
                throw new IommufdException(Errno.EOPNOTSUPP, "FAULT_QUEUE_ALLOC flags must be 0");
            }
            FaultQueue fault = new FaultQueue();
            c.objects.reserve(fault);
            fault.fd = openEventFd(c, fault);
            c.objects.finalizeObject(fault);
            return new FaultQueueAllocReply(fault.id, fault.fd);
        }
    }

    @Override
    public int viommuAlloc(int ctx, ViommuAlloc cmd) {
        synchronized (lock) {
            return NestingCommands.viommuAlloc(context(ctx), cmd, lock);
        }
    }

    @Override
    public int vdeviceAlloc(int ctx, VdeviceAlloc cmd) {
        synchronized (lock) {
            return NestingCommands.vdeviceAlloc(context(ctx), cmd);
        }
    }

    @Override
    public VeventqAllocReply veventqAlloc(int ctx, VeventqAlloc cmd) {
        synchronized (lock) {
            Context c = context(ctx);
            Veventq queue = NestingCommands.veventqAlloc(c, cmd);
            queue.fd = openEventFd(c, queue);
            c.objects.finalizeObject(queue);
            return new VeventqAllocReply(queue.id, queue.fd);
        }
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
