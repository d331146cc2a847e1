package org.smmuref.server.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.platform.HostEventRecord;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.platform.TlbiOp;
import org.smmuref.iommufd.platform.VmInfo;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuVeventArmSmmuv3;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.IommufdConstants;

/**
 * The event-bus API: one consumer per operation ({@link ApiAddresses}), a thin adapter over the {@link Iommufd}
 * service and the {@link ModelPlatform}.
 *
 * <p><b>Threading.</b> Consumers run on the verticle's event loop and only decode: a body that cannot be used is
 * answered there at once. Everything else runs on the API's worker threads: the requests of one context in the order
 * they arrived (one {@link SerialQueue} per context, so a context's ioctls see each other's effects exactly as one
 * process's ioctls would), platform operations without a context and device DMA concurrently with everything (the
 * hardware model is thread-safe). The event loop never waits for the model.
 *
 * <p><b>Ownership.</b> Contexts (and the event addresses of their queues) are unguessable handles owned by the
 * {@link ApiHeaders#CLIENT} that opened them; anyone else's request on them is EBADF. {@link ApiAddresses#clientGone}
 * closes everything a client owns.
 *
 * <p><b>Events.</b> After each request of a context and each DMA through one of its devices, its event queues are
 * drained and every record (with the kernel's sequence number and LOST_EVENTS flag) is published to the queue's
 * address.
 */
public final class ApiVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
    /** How many bytes one drain reads from an event fd per call. */
    private static final int DRAIN_CHUNK = 64 * 1024;

    private final ModelPlatform platform;
    private final Iommufd iommufd;
    private final ApiOptions options;
    private final MeterRegistry metrics;
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private final java.util.Set<String> operations = new java.util.concurrent.ConcurrentSkipListSet<>();
    private final Counter dmaTranslations;
    private final Counter eventsPublished;
    private final Counter eventsLost;
    private ExecutorService workers;
    private Sessions sessions;
    private IoctlOps ioctls;
    private PlatformOps platformOps;
    /** Per IOMMU, how many host-kept records were routed already (also the lock of the routing). */
    private int[] hostSeen;
    /** The same counts, readable without the lock. */
    private java.util.concurrent.atomic.AtomicIntegerArray hostSeenCount;

    /** How an operation runs. */
    enum Mode {
        /** In order with the other requests of the context the request names. */
        CONTEXT,
        /** In order with the other requests on the VM the request names. */
        VM,
        /** On any worker, concurrently with everything else. */
        CONCURRENT
    }

    /** One operation's work on a decoded request; the context is null unless it runs in {@link Mode#CONTEXT}. */
    @FunctionalInterface
    interface Operation {
        /** Runs the operation and returns the reply (a JSON object, a buffer or an {@link IoctlOps.Reply}). */
        Object run(ApiRequest request, Sessions.ContextEntry context);
    }

    /** One KVM operation on the VM the request names. */
    @FunctionalInterface
    interface VmOperation {
        /** Runs the operation on {@code vm} and returns the reply. */
        Object run(ApiRequest request, Sessions.VmEntry vm);
    }

    /** Creates the verticle over the service and the platform it serves. */
    @Inject
    public ApiVerticle(ModelPlatform platform, Iommufd iommufd, ApiOptions options, MeterRegistry metrics) {
        this.platform = Objects.requireNonNull(platform);
        this.iommufd = Objects.requireNonNull(iommufd);
        this.options = Objects.requireNonNull(options);
        this.metrics = Objects.requireNonNull(metrics);
        this.dmaTranslations = Counter.builder("smmuref.dma.translations")
            .description("device transactions translated by the IOMMUs").register(metrics);
        this.eventsPublished = Counter.builder("smmuref.events.published")
            .description("event records published on the bus").register(metrics);
        this.eventsLost = Counter.builder("smmuref.events.lost")
            .description("LOST_EVENTS records published (events a queue had no room for)").register(metrics);
    }

    /** The options this verticle serves with. */
    public ApiOptions options() {
        return options;
    }

    @Override
    public Future<?> start() {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "smmuref-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        workers = Executors.newFixedThreadPool(options.workerThreads(), threads);
        sessions = new Sessions(workers);
        int iommus = platform.describe().iommus().size();
        hostSeen = new int[iommus];
        hostSeenCount = new java.util.concurrent.atomic.AtomicIntegerArray(iommus);
        for (int i = 0; i < iommus; i++) {
            hostSeen[i] = platform.hostEventCount(i);
            hostSeenCount.set(i, hostSeen[i]);
        }
        ioctls = new IoctlOps(iommufd, platform, this::registerEventFd, options.maxBodyBytes());
        platformOps = new PlatformOps(platform, options, dmaTranslations, this::drain);
        registerAll();
        MessageConsumer<Object> gone = vertx.eventBus().localConsumer(ApiAddresses.clientGone(options.node()),
            m -> {
                if (!(m.body() instanceof String client)) {
                    m.fail(Errno.EINVAL.number(), "EINVAL: body: the client id string");
                    return;
                }
                clientGone(client).whenComplete((reply, failure) -> m.reply(reply));
            });
        consumers.add(gone);
        List<Future<Void>> ready = new ArrayList<>();
        for (MessageConsumer<?> c : consumers) {
            ready.add(c.completion());
        }
        return Future.all(ready);
    }

    @Override
    public Future<?> stop() {
        List<Future<Void>> done = new ArrayList<>();
        for (MessageConsumer<?> c : consumers) {
            done.add(c.unregister());
        }
        consumers.clear();
        return Future.all(done).eventually(() -> vertx.executeBlocking(() -> {
            for (Sessions.ContextEntry c : sessions.all()) {
                closeQuietly(c);
            }
            for (Sessions.VmEntry v : sessions.allVms()) {
                closeVmQuietly(v);
            }
            workers.shutdown();
            workers.awaitTermination(10, TimeUnit.SECONDS);
            return null;
        }));
    }

    // ------------------------------------------------------------------ the operations

    private void registerAll() {
        String g = ApiAddresses.IOMMUFD;
        register(g, "open", Mode.CONCURRENT, this::open);
        register(g, "close", Mode.CONTEXT, this::close);
        register(g, "read", Mode.CONTEXT, this::read);
        register(g, "ioctl", Mode.CONTEXT, (r, c) -> ioctls.rawIoctl(r, c));
        for (IommufdCommand cmd : IommufdCommand.values()) {
            register(g, opName(cmd), Mode.CONTEXT, (r, c) -> ioctls.call(cmd, r, c));
        }
        g = ApiAddresses.VFIO;
        register(g, "bind", Mode.CONTEXT, this::bind);
        register(g, "unbind", Mode.CONTEXT, (r, c) -> {
            int dev = ApiCodec.u32(r.requireJson(), "dev_id");
            iommufd.unbindDevice(c.fd, dev);
            c.devices.remove(dev);
            return new JsonObject();
        });
        register(g, "attach", Mode.CONTEXT, (r, c) -> new JsonObject().put("pt_id", ApiCodec.unsigned32(
            iommufd.attachDevice(c.fd, ApiCodec.u32(r.requireJson(), "dev_id"), ApiCodec.u32(r.json(), "pt_id")))));
        register(g, "replace", Mode.CONTEXT, (r, c) -> new JsonObject().put("pt_id", ApiCodec.unsigned32(
            iommufd.replaceDevice(c.fd, ApiCodec.u32(r.requireJson(), "dev_id"), ApiCodec.u32(r.json(), "pt_id")))));
        register(g, "detach", Mode.CONTEXT, (r, c) -> {
            iommufd.detachDevice(c.fd, ApiCodec.u32(r.requireJson(), "dev_id"));
            return new JsonObject();
        });
        platformOps.register(this::register, sessions);
        registerKvm();
    }

    private void registerKvm() {
        String g = ApiAddresses.KVM;
        register(g, "create_vm", Mode.CONCURRENT, (r, none) -> {
            r.requireJson();
            KvmVmFile file = platform.createVm();
            Sessions.VmEntry v = sessions.addVm(r.client(), file);
            return new JsonObject().put("vm", v.handle).put("number", file.vmNumber());
        });
        registerVm(g, "destroy_vm", (r, v) -> {
            closeVm(v);
            return new JsonObject();
        });
        registerVm(g, "create_vcpu", (r, v) -> new JsonObject().put("vcpu", platform.createVcpu(v.file)));
        registerVm(g, "vcpu_load", (r, v) -> {
            platform.loadVcpu(v.file, ApiCodec.intIn(r.json(), "vcpu", 0, Integer.MAX_VALUE),
                ApiCodec.intIn(r.json(), "cpu", 0, Integer.MAX_VALUE));
            return vmInfo(v);
        });
        registerVm(g, "vcpu_put", (r, v) -> {
            platform.putVcpu(v.file, ApiCodec.intIn(r.json(), "vcpu", 0, Integer.MAX_VALUE));
            return vmInfo(v);
        });
        registerVm(g, "vcpu_tlbi", (r, v) -> {
            platform.guestTlbi(v.file, ApiCodec.intIn(r.json(), "vcpu", 0, Integer.MAX_VALUE), tlbi(r.json()));
            return new JsonObject();
        });
        registerVm(g, "vm_tlbi", (r, v) -> new JsonObject().put("delivered",
            platform.hostTlbi(v.file, tlbi(r.json()))));
        registerVm(g, "vm_info", (r, v) -> vmInfo(v));
        register(g, "associate", Mode.CONTEXT, (r, c) -> {
            Sessions.VmEntry v = sessions.ownedVm(r.client(), r.vm());
            iommufd.associateKvm(c.fd, v.file);
            return new JsonObject();
        });
    }

    private void registerVm(String group, String op, VmOperation operation) {
        register(group, op, Mode.VM, (r, none) -> {
            Sessions.VmEntry v = sessions.ownedVm(r.client(), r.vm());
            return operation.run(r, v);
        });
    }

    private static TlbiOp tlbi(JsonObject j) {
        String op = ApiCodec.string(j, "op");
        try {
            return new TlbiOp(op, ApiCodec.intIn(j, "asid", 0, 0xFFFF, 0), ApiCodec.u64(j, "address", 0),
                ApiCodec.bool(j, "leaf", false), ApiCodec.intIn(j, "tg", 0, 3, 1), ApiCodec.intIn(j, "scale", 0, 3, 0),
                ApiCodec.intIn(j, "num", 0, 31, 0), ApiCodec.intIn(j, "ttl", 0, 3, 0));
        } catch (IllegalArgumentException e) {
            throw ApiCodec.invalid("op", e.getMessage());
        }
    }

    private JsonObject vmInfo(Sessions.VmEntry v) {
        VmInfo i = platform.vmInfo(v.file);
        return new JsonObject().put("number", i.number()).put("vmid", i.vmid()).put("generation", i.generation())
            .put("pin_count", i.pinCount()).put("vcpu_cpus", new JsonArray(new ArrayList<>(i.vcpuCpus())))
            .put("destroyed", i.destroyed());
    }

    private void closeVm(Sessions.VmEntry v) {
        v.closed = true;
        sessions.remove(v);
        platform.destroyVm(v.file);
    }

    /** The address name of a command: its kernel ioctl name, lower case, without the {@code IOMMU_} prefix. */
    static String opName(IommufdCommand cmd) {
        return cmd.ioctlName().substring("IOMMU_".length()).toLowerCase(Locale.ROOT);
    }

    private Object open(ApiRequest r, Sessions.ContextEntry none) {
        String abiName = ApiCodec.string(r.requireJson(), "abi", "upstream");
        IommufdAbi abi = switch (abiName) {
            case "upstream" -> IommufdAbi.UPSTREAM;
            case "v1_2023" -> IommufdAbi.V1_2023;
            default -> throw ApiCodec.invalid("abi", "must be \"upstream\" or \"v1_2023\", was \"" + abiName + "\"");
        };
        int fd = platform.openContext(abi);
        Sessions.ContextEntry c = sessions.add(r.client(), fd, abi,
            ApiAddresses.event(options.node(), "smmu", Sessions.newHandle()));
        return new JsonObject().put("ctx", c.handle).put("abi", abiName)
            .put("host_events_address", c.hostEventsAddress);
    }

    private Object close(ApiRequest r, Sessions.ContextEntry c) {
        JsonObject j = r.requireJson();
        if (ApiCodec.has(j, "fd")) {
            int fd = ApiCodec.u32(j, "fd");
            ownedEventFd(c, fd);
            drain(c);
            iommufd.close(fd);
            c.eventFds.remove(fd);
            return new JsonObject();
        }
        closeContext(c);
        return new JsonObject();
    }

    private Object read(ApiRequest r, Sessions.ContextEntry c) {
        JsonObject j = r.requireJson();
        int fd = ApiCodec.u32(j, "fd");
        int count = ApiCodec.intIn(j, "count", 0, options.maxBodyBytes() / 2, DRAIN_CHUNK);
        Sessions.EventQueueEntry q = ownedEventFd(c, fd);
        byte[] bytes;
        synchronized (c.drainLock) {
            bytes = iommufd.read(fd, count);
        }
        return new JsonObject().put("bytes", ApiCodec.base64(bytes)).put("records", records(q, bytes));
    }

    private Object bind(ApiRequest r, Sessions.ContextEntry c) {
        JsonObject j = r.requireJson();
        int iommu = ApiCodec.intIn(j, "iommu", 0, Integer.MAX_VALUE, 0);
        int sid = ApiCodec.u32(j, "stream_id");
        int dev = iommufd.bindDevice(c.fd, iommu, sid);
        c.devices.put(dev, new int[] {iommu, sid});
        return new JsonObject().put("dev_id", ApiCodec.unsigned32(dev));
    }

    private Sessions.EventQueueEntry ownedEventFd(Sessions.ContextEntry c, int fd) {
        Sessions.EventQueueEntry q = c.eventFds.get(fd);
        if (q == null) {
            throw new IommufdException(Errno.EBADF, "fd " + fd + " is not an event fd of this context");
        }
        return q;
    }

    // ------------------------------------------------------------------ contexts and clients

    private void closeContext(Sessions.ContextEntry c) {
        c.closed = true;
        sessions.remove(c);
        try {
            drain(c);
        } finally {
            c.eventFds.clear();
            c.devices.clear();
            platform.closeContext(c.fd);
        }
    }

    private void closeVmQuietly(Sessions.VmEntry v) {
        try {
            closeVm(v);
        } catch (RuntimeException e) {
            LOG.warn("closing VM {} failed", v.file, e);
        }
    }

    private void closeQuietly(Sessions.ContextEntry c) {
        try {
            closeContext(c);
        } catch (RuntimeException e) {
            LOG.warn("closing context fd {} failed", c.fd, e);
        }
    }

    /**
     * Closes every context and VM of {@code client}, each in its own lane after what it already queued; completes
     * with how many, without holding a worker while the lanes get there.
     */
    private CompletableFuture<JsonObject> clientGone(String client) {
        List<Sessions.ContextEntry> mine = sessions.ofClient(client);
        List<Sessions.VmEntry> vms = sessions.vmsOf(client);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (Sessions.ContextEntry c : mine) {
            done.add(inLane(c.queue, () -> {
                if (!c.closed) {
                    closeQuietly(c);
                }
            }));
        }
        for (Sessions.VmEntry v : vms) {
            done.add(inLane(v.queue, () -> {
                if (!v.closed) {
                    closeVmQuietly(v);
                }
            }));
        }
        JsonObject reply = new JsonObject().put("contexts", mine.size()).put("vms", vms.size());
        return CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).handle((v, t) -> reply);
    }

    private static CompletableFuture<Void> inLane(SerialQueue lane, Runnable work) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            lane.submit(() -> {
                try {
                    work.run();
                } finally {
                    f.complete(null);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.complete(null);
        }
        return f;
    }

    // ------------------------------------------------------------------ events

    private String registerEventFd(Sessions.ContextEntry c, int fd, String kind, int veventqType, boolean push) {
        String address = ApiAddresses.event(options.node(), kind, Sessions.newHandle());
        c.eventFds.put(fd, new Sessions.EventQueueEntry(fd, kind, veventqType, address, push));
        return address;
    }

    /**
     * Publishes every record queued on the context's pushed event queues, in sequence order, then every new record
     * the host drivers kept, to the context that holds its device.
     */
    void drain(Sessions.ContextEntry c) {
        try {
            drainQueues(c);
        } finally {
            publishHostEvents();
        }
    }

    private void drainQueues(Sessions.ContextEntry c) {
        if (c.eventFds.isEmpty()) {
            return;
        }
        synchronized (c.drainLock) {
            for (Sessions.EventQueueEntry q : c.eventFds.values()) {
                if (!q.push() || !q.kind().equals("veventq")) {
                    continue;
                }
                while (true) {
                    byte[] bytes;
                    try {
                        bytes = iommufd.read(q.fd(), DRAIN_CHUNK);
                    } catch (IommufdException e) {
                        break;
                    }
                    if (bytes.length == 0) {
                        break;
                    }
                    JsonArray recs = records(q, bytes);
                    for (int i = 0; i < recs.size(); i++) {
                        JsonObject rec = recs.getJsonObject(i);
                        vertx.eventBus().publish(q.address(), rec);
                        eventsPublished.increment();
                        if (rec.getBoolean("lost_events")) {
                            eventsLost.increment();
                        }
                    }
                }
            }
        }
    }

    /**
     * Routes the host-kept SMMU event records (the ones not forwarded to a vIOMMU) to the context that has the
     * record's StreamID bound, on its {@code host_events_address}; a queue-overflow notice goes to every context with
     * a device behind that SMMU. Records of devices nobody bound stay for {@code hw.host_events}.
     */
    private void publishHostEvents() {
        boolean any = false;
        for (int i = 0; i < hostSeen.length && !any; i++) {
            any = platform.hostEventCount(i) != hostSeenCount.get(i);
        }
        if (!any) {
            // the common case after a DMA: nothing new, and no lock shared by every client's DMA
            return;
        }
        synchronized (hostSeen) {
            for (int i = 0; i < hostSeen.length; i++) {
                int count = platform.hostEventCount(i);
                while (hostSeen[i] < count) {
                    List<HostEventRecord> records = platform.hostEvents(i, hostSeen[i], 256);
                    if (records.isEmpty()) {
                        break;
                    }
                    for (HostEventRecord r : records) {
                        route(i, hostSeen[i]++, r);
                    }
                    hostSeenCount.set(i, hostSeen[i]);
                }
            }
        }
    }

    private void route(int iommu, int index, HostEventRecord r) {
        long[] rec = r.record();
        boolean overflow = rec[0] == 0 && rec[1] == 0 && rec[2] == 0 && rec[3] == 0;
        int sid = (int) (rec[0] >>> 32);
        JsonObject body = new JsonObject().put("iommu", iommu).put("index", index).put("event_id", rec[0] & 0xFF)
            .put("stream_id", Integer.toUnsignedLong(sid)).put("record", ApiCodec.wordArray(rec))
            .put("reason", r.reason()).put("overflow", overflow);
        for (Sessions.ContextEntry c : sessions.all()) {
            boolean mine = false;
            for (int[] dev : c.devices.values()) {
                if (dev[0] == iommu && (overflow || dev[1] == sid)) {
                    mine = true;
                    break;
                }
            }
            if (mine && !c.closed) {
                vertx.eventBus().publish(c.hostEventsAddress, body);
                eventsPublished.increment();
            }
        }
    }

    /** Splits read bytes into records: the 8-byte header, then the event data of the queue's type. */
    static JsonArray records(Sessions.EventQueueEntry q, byte[] bytes) {
        JsonArray out = new JsonArray();
        int dataSize = q.veventqType() == IommufdConstants.IOMMU_VEVENTQ_TYPE_ARM_SMMUV3
            ? IommuVeventArmSmmuv3.SIZE : 0;
        int at = 0;
        while (at + 8 <= bytes.length) {
            int flags = (int) ApiCodec.readLe(bytes, at, 4);
            int sequence = (int) ApiCodec.readLe(bytes, at + 4, 4);
            at += 8;
            boolean lost = (flags & IommufdConstants.IOMMU_VEVENTQ_FLAG_LOST_EVENTS) != 0;
            JsonObject rec = new JsonObject().put("flags", ApiCodec.unsigned32(flags))
                .put("sequence", ApiCodec.unsigned32(sequence)).put("lost_events", lost);
            if (!lost && dataSize > 0 && at + dataSize <= bytes.length) {
                byte[] data = java.util.Arrays.copyOfRange(bytes, at, at + dataSize);
                long[] evt = ApiCodec.words(data);
                rec.put("evt", ApiCodec.wordArray(evt))
                    .put("event_id", evt[0] & 0xFF)
                    .put("vsid", evt[0] >>> 32);
                at += dataSize;
            }
            out.add(rec);
        }
        return out;
    }

    // ------------------------------------------------------------------ dispatch

    /** Registers one operation's consumer. */
    void register(String group, String op, Mode mode, Operation operation) {
        String name = group + "." + op;
        String address = ApiAddresses.address(options.node(), group, op);
        if (!operations.add(name)) {
            throw new IllegalStateException("operation " + name + " registered twice");
        }
        Timer timer = Timer.builder("smmuref.requests").tag("op", name).publishPercentileHistogram()
            .register(metrics);
        MessageConsumer<Object> consumer = vertx.eventBus().consumer(address,
            m -> dispatch(name, mode, operation, timer, m));
        consumers.add(consumer);
    }

    private void dispatch(String name, Mode mode, Operation operation, Timer timer, Message<Object> m) {
        long started = System.nanoTime();
        ApiRequest request;
        Sessions.ContextEntry context;
        SerialQueue vmLane;
        try {
            request = ApiRequest.decode(name, m.body(), m.headers(), options.maxBodyBytes());
            context = mode == Mode.CONTEXT ? sessions.owned(request.client(), request.context()) : null;
            vmLane = mode == Mode.VM ? sessions.ownedVm(request.client(), request.vm()).queue : null;
        } catch (IommufdException e) {
            fail(m, name, e);
            timer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            return;
        }
        Runnable task = () -> {
            try {
                if (context != null && context.closed) {
                    throw new IommufdException(Errno.EBADF, "the context was closed");
                }
                Object reply = operation.run(request, context);
                if (context != null && !context.closed) {
                    drain(context);
                }
                reply(m, reply);
            } catch (IommufdException e) {
                if (context != null && !context.closed) {
                    drain(context);
                }
                fail(m, name, e);
            } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
                // never leave a request unanswered: the caller gets EIO at once instead of its timeout
                LOG.error("{} failed unexpectedly", name, e);
                fail(m, name, new IommufdException(Errno.EIO, "internal error: " + e));
            } finally {
                timer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
        };
        try {
            if (context != null) {
                context.queue.submit(task);
            } else if (vmLane != null) {
                vmLane.submit(task);
            } else {
                workers.execute(task);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            fail(m, name, new IommufdException(Errno.ENODEV, "the API is stopping"));
        }
    }

    private static void reply(Message<Object> m, Object reply) {
        if (reply instanceof IoctlOps.Reply r) {
            DeliveryOptions d = new DeliveryOptions();
            if (r.eventsAddress() != null) {
                d.addHeader(ApiHeaders.EVENTS_ADDRESS, r.eventsAddress());
            }
            m.reply(r.body(), d);
        } else if (reply instanceof byte[] b) {
            m.reply(Buffer.buffer(b));
        } else {
            m.reply(reply);
        }
    }

    private void fail(Message<Object> m, String op, IommufdException e) {
        Errno errno = e.errno();
        metrics.counter("smmuref.failures", "op", op, "errno", errno.name()).increment();
        m.fail(errno.number(), errno.name() + ": " + e.reason());
    }

    /** The names ({@code group.op}) of every operation this verticle serves, once started. */
    public java.util.SortedSet<String> operations() {
        return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(operations));
    }

    /** The request addresses ({@code smmuref.<node>.<group>.<op>}) this verticle consumes, once started. */
    public java.util.List<String> addresses() {
        return operations().stream().map(name -> {
            int dot = name.indexOf('.');
            return ApiAddresses.address(options.node(), name.substring(0, dot), name.substring(dot + 1));
        }).toList();
    }

    /** The context entry for tests and the platform operations. */
    Sessions sessions() {
        return sessions;
    }
}
