package org.smmuref.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.uapi.IoctlStruct;
import org.smmuref.iommufd.uapi.IommuDestroy;
import org.smmuref.iommufd.uapi.IommuFaultAlloc;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommuIoasAllowIovas;
import org.smmuref.iommufd.uapi.IommuIoasCopy;
import org.smmuref.iommufd.uapi.IommuIoasIovaRanges;
import org.smmuref.iommufd.uapi.IommuIoasMap;
import org.smmuref.iommufd.uapi.IommuIoasUnmap;
import org.smmuref.iommufd.uapi.IommuOption;
import org.smmuref.iommufd.uapi.IommuVdeviceAlloc;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommuViommuAlloc;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.StructType;
import org.smmuref.server.api.ApiAddresses;
import org.smmuref.server.api.ApiHeaders;

/**
 * The typed async client of the event-bus API: one method per operation, each returning a Vert.x {@link Future}
 * that fails with the server's {@code ReplyException} (its {@code failureCode} is the errno). It works over any
 * event bus that reaches the server: local, clustered, or a bridge client that exposes an {@link EventBus}.
 *
 * <p>Typed ioctls ({@link #ioctl(String, IoctlStruct)} and the per-command methods) travel in the byte form: the
 * struct's exact little-endian bytes, with embedded user pointers being addresses in the context's process memory
 * (write arrays there first with {@link #writeProcess}). {@link #ioctlJson} uses the JSON form with inline arrays.
 */
public final class SmmurefClient {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final EventBus bus;
    private final String node;
    private final String clientId;
    private final long timeoutMs;

    private SmmurefClient(EventBus bus, String node, String clientId, long timeoutMs) {
        this.bus = Objects.requireNonNull(bus);
        ApiAddresses.address(node, ApiAddresses.IOMMUFD, "open");
        this.node = node;
        this.clientId = Objects.requireNonNull(clientId);
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        this.timeoutMs = timeoutMs;
    }

    /** A client of platform {@code node} with a fresh random client id. */
    public static SmmurefClient create(EventBus bus, String node) {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return new SmmurefClient(bus, node, "local-" + Base64.getUrlEncoder().withoutPadding().encodeToString(id),
            30_000);
    }

    /** A client of {@code node} with the given id and request timeout. */
    public static SmmurefClient create(EventBus bus, String node, String clientId, long timeoutMs) {
        return new SmmurefClient(bus, node, clientId, timeoutMs);
    }

    /** This client's id (the {@code smmuref-client} header it sends). */
    public String clientId() {
        return clientId;
    }

    /** The platform this client talks to. */
    public String node() {
        return node;
    }

    // ------------------------------------------------------------------ generic

    /** Sends a JSON request to {@code group.op}; the reply's body. */
    public Future<JsonObject> request(String group, String op, JsonObject body) {
        return bus.<JsonObject>request(ApiAddresses.address(node, group, op), body, delivery())
            .map(m -> m.body());
    }

    /** Sends raw struct bytes to {@code group.op} for context {@code ctx}; the reply's bytes. */
    public Future<byte[]> requestBytes(String group, String op, String ctx, byte[] struct) {
        DeliveryOptions d = delivery().addHeader(ApiHeaders.CONTEXT, ctx);
        return bus.<Buffer>request(ApiAddresses.address(node, group, op), Buffer.buffer(struct), d)
            .map(m -> m.body().getBytes());
    }

    /** Tells the server this client is gone: it closes every context the client owns (local bus only). */
    public Future<JsonObject> goodbye() {
        return bus.<JsonObject>request(ApiAddresses.clientGone(node), clientId, delivery()).map(m -> m.body());
    }

    /** Listens to an event address (a queue's {@code events_address}); completes once the consumer is registered. */
    public Future<MessageConsumer<JsonObject>> subscribe(String address, Handler<JsonObject> handler) {
        MessageConsumer<JsonObject> c = bus.consumer(address, m -> handler.handle(m.body()));
        return c.completion().map(v -> c);
    }

    private DeliveryOptions delivery() {
        return new DeliveryOptions().addHeader(ApiHeaders.CLIENT, clientId).setSendTimeout(timeoutMs);
    }

    private Future<JsonObject> iommufd(String op, JsonObject body) {
        return request(ApiAddresses.IOMMUFD, op, body);
    }

    // ------------------------------------------------------------------ iommufd

    /** Opens a context for the upstream uAPI; the context handle. */
    public Future<String> open() {
        return open(IommufdAbi.UPSTREAM);
    }

    /** Opens a context for {@code abi}; the context handle. */
    public Future<String> open(IommufdAbi abi) {
        return iommufd("open", new JsonObject().put("abi", abi.name().toLowerCase(Locale.ROOT)))
            .map(j -> j.getString("ctx"));
    }

    /** Opens a context for {@code abi}; the reply: {@code ctx} and {@code host_events_address}. */
    public Future<JsonObject> openContext(IommufdAbi abi) {
        return iommufd("open", new JsonObject().put("abi", abi.name().toLowerCase(Locale.ROOT)));
    }

    /** Closes a context (everything in it is destroyed, its devices unbound). */
    public Future<Void> close(String ctx) {
        return iommufd("close", ctx(ctx)).mapEmpty();
    }

    /** Closes an event fd of the context. */
    public Future<Void> closeFd(String ctx, int fd) {
        return iommufd("close", ctx(ctx).put("fd", fd)).mapEmpty();
    }

    /** Reads up to {@code count} bytes of records from an event fd (records not already pushed). */
    public Future<JsonObject> read(String ctx, int fd, int count) {
        return iommufd("read", ctx(ctx).put("fd", fd).put("count", count));
    }

    /** The byte-level ioctl with any request value; the struct as written back. */
    public Future<byte[]> ioctl(String ctx, int request, byte[] arg) {
        return iommufd("ioctl", ctx(ctx).put("request", Integer.toUnsignedLong(request))
            .put("bytes", B64.encodeToString(arg))).map(j -> B64D.decode(j.getString("bytes")));
    }

    /** A command in the JSON form: members by their kernel names, inline arrays allowed; the reply's members. */
    public Future<JsonObject> ioctlJson(String ctx, IommufdCommand command, JsonObject members) {
        return iommufd(opName(command), members.copy().put("ctx", ctx));
    }

    /** A typed ioctl in the byte form: the command is the struct's; the struct as the kernel wrote it back. */
    public <T extends IoctlStruct> Future<T> ioctl(String ctx, T cmd) {
        IommufdCommand command = IommufdCommand.byStruct(cmd.structType()).orElseThrow(
            () -> new IllegalArgumentException(cmd.kernelName() + " is not an ioctl argument"));
        byte[] bytes = cmd.encode();
        int size = (int) cmd.sizeUnsigned();
        byte[] arg = Arrays.copyOf(bytes, Math.max(size, 0));
        StructType<?> type = cmd.structType();
        @SuppressWarnings("unchecked")
        Class<T> cls = (Class<T>) cmd.getClass();
        return requestBytes(ApiAddresses.IOMMUFD, opName(command), ctx, arg).map(back -> {
            byte[] full = bytes.clone();
            System.arraycopy(back, 0, full, 0, Math.min(back.length, full.length));
            return cls.cast(type.decode(full));
        });
    }

    /** IOMMU_DESTROY. */
    public Future<IommuDestroy> destroy(String ctx, IommuDestroy cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_IOAS_ALLOC. */
    public Future<IommuIoasAlloc> ioasAlloc(String ctx, IommuIoasAlloc cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_IOAS_ALLOW_IOVAS (the ranges at {@code allowed_iovas} in process memory). */
    public Future<IommuIoasAllowIovas> ioasAllowIovas(String ctx, IommuIoasAllowIovas cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_IOAS_COPY. */
    public Future<IommuIoasCopy> ioasCopy(String ctx, IommuIoasCopy cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_IOAS_IOVA_RANGES (the ranges are written to {@code allowed_iovas} in process memory). */
    public Future<IommuIoasIovaRanges> ioasIovaRanges(String ctx, IommuIoasIovaRanges cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_IOAS_MAP. */
    public Future<IommuIoasMap> ioasMap(String ctx, IommuIoasMap cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_IOAS_UNMAP. */
    public Future<IommuIoasUnmap> ioasUnmap(String ctx, IommuIoasUnmap cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_OPTION. */
    public Future<IommuOption> option(String ctx, IommuOption cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_HWPT_ALLOC. */
    public Future<IommuHwptAlloc> hwptAlloc(String ctx, IommuHwptAlloc cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_GET_HW_INFO. */
    public Future<IommuHwInfo> getHwInfo(String ctx, IommuHwInfo cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_HWPT_INVALIDATE. */
    public Future<IommuHwptInvalidate> hwptInvalidate(String ctx, IommuHwptInvalidate cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_FAULT_QUEUE_ALLOC. */
    public Future<IommuFaultAlloc> faultQueueAlloc(String ctx, IommuFaultAlloc cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_VIOMMU_ALLOC. */
    public Future<IommuViommuAlloc> viommuAlloc(String ctx, IommuViommuAlloc cmd) {
        return ioctl(ctx, cmd);
    }

    /** IOMMU_VDEVICE_ALLOC. */
    public Future<IommuVdeviceAlloc> vdeviceAlloc(String ctx, IommuVdeviceAlloc cmd) {
        return ioctl(ctx, cmd);
    }

    /**
     * IOMMU_VEVENTQ_ALLOC in the JSON form, so that the reply carries {@code events_address}, where the queue's
     * records are published.
     */
    public Future<JsonObject> veventqAlloc(String ctx, IommuVeventqAlloc cmd) {
        return ioctlJson(ctx, IommufdCommand.VEVENTQ_ALLOC, new JsonObject().put("flags", cmd.flags())
            .put("viommu_id", Integer.toUnsignedLong(cmd.viommuId())).put("type", Integer.toUnsignedLong(cmd.type()))
            .put("veventq_depth", Integer.toUnsignedLong(cmd.veventqDepth())));
    }

    private static String opName(IommufdCommand cmd) {
        return cmd.ioctlName().substring("IOMMU_".length()).toLowerCase(Locale.ROOT);
    }

    private static JsonObject ctx(String ctx) {
        return new JsonObject().put("ctx", Objects.requireNonNull(ctx, "ctx"));
    }

    // ------------------------------------------------------------------ vfio

    /** VFIO_DEVICE_BIND_IOMMUFD of the device {@code streamId} behind IOMMU {@code iommu}; its dev_id. */
    public Future<Integer> bind(String ctx, int iommu, int streamId) {
        return request(ApiAddresses.VFIO, "bind", ctx(ctx).put("iommu", iommu).put("stream_id", streamId))
            .map(j -> j.getLong("dev_id").intValue());
    }

    /** Unbinds a device. */
    public Future<Void> unbind(String ctx, int devId) {
        return request(ApiAddresses.VFIO, "unbind", ctx(ctx).put("dev_id", Integer.toUnsignedLong(devId)))
            .mapEmpty();
    }

    /** Attaches a device to a HWPT or IOAS; the HWPT id. */
    public Future<Integer> attach(String ctx, int devId, int ptId) {
        return request(ApiAddresses.VFIO, "attach", ctx(ctx).put("dev_id", Integer.toUnsignedLong(devId))
            .put("pt_id", Integer.toUnsignedLong(ptId))).map(j -> j.getLong("pt_id").intValue());
    }

    /** Replaces an attached device's page table; the HWPT id. */
    public Future<Integer> replace(String ctx, int devId, int ptId) {
        return request(ApiAddresses.VFIO, "replace", ctx(ctx).put("dev_id", Integer.toUnsignedLong(devId))
            .put("pt_id", Integer.toUnsignedLong(ptId))).map(j -> j.getLong("pt_id").intValue());
    }

    /** Detaches a device. */
    public Future<Void> detach(String ctx, int devId) {
        return request(ApiAddresses.VFIO, "detach", ctx(ctx).put("dev_id", Integer.toUnsignedLong(devId)))
            .mapEmpty();
    }

    // ------------------------------------------------------------------ platform

    /** The platform's description. */
    public Future<JsonObject> describe() {
        return request(ApiAddresses.PLATFORM, "describe", new JsonObject());
    }

    /** Per-IOMMU TLB hit and miss counts. */
    public Future<JsonObject> tlbStats() {
        return request(ApiAddresses.PLATFORM, "tlb_stats", new JsonObject());
    }

    /** Maps fresh memory into the context's process. */
    public Future<Void> mmap(String ctx, long va, long length) {
        return request(ApiAddresses.PLATFORM, "process_mmap", ctx(ctx).put("va", va).put("length", length))
            .mapEmpty();
    }

    /** Unmaps process memory. */
    public Future<Void> munmap(String ctx, long va, long length) {
        return request(ApiAddresses.PLATFORM, "process_munmap", ctx(ctx).put("va", va).put("length", length))
            .mapEmpty();
    }

    /** Reads process memory. */
    public Future<byte[]> readProcess(String ctx, long va, int length) {
        return request(ApiAddresses.PLATFORM, "process_read", ctx(ctx).put("va", va).put("length", length))
            .map(SmmurefClient::data);
    }

    /** Writes process memory. */
    public Future<Void> writeProcess(String ctx, long va, byte[] data) {
        return request(ApiAddresses.PLATFORM, "process_write", ctx(ctx).put("va", va)
            .put("data", B64.encodeToString(data))).mapEmpty();
    }

    /** Gives the context's guest RAM at {@code ipa}, backed by fresh process memory at {@code va}. */
    public Future<Void> addGuestRam(String ctx, long va, long ipa, long size) {
        return request(ApiAddresses.PLATFORM, "guest_ram_add", ctx(ctx).put("va", va).put("ipa", ipa)
            .put("size", size)).mapEmpty();
    }

    /** Reads guest RAM by IPA. */
    public Future<byte[]> readGuest(String ctx, long ipa, int length) {
        return request(ApiAddresses.PLATFORM, "guest_read", ctx(ctx).put("ipa", ipa).put("length", length))
            .map(SmmurefClient::data);
    }

    /** Writes guest RAM by IPA. */
    public Future<Void> writeGuest(String ctx, long ipa, byte[] data) {
        return request(ApiAddresses.PLATFORM, "guest_write", ctx(ctx).put("ipa", ipa)
            .put("data", B64.encodeToString(data))).mapEmpty();
    }

    /** Starts a 4 KB-granule, 48-bit stage-1 table tree in guest RAM; {@code table}, {@code ttb}, {@code tsz}. */
    public Future<JsonObject> createStage1Table(String ctx, long poolIpa, long poolSize) {
        return request(ApiAddresses.PLATFORM, "s1_table_create", ctx(ctx).put("pool_ipa", poolIpa)
            .put("pool_size", poolSize));
    }

    /** Maps a range in a guest stage-1 table. */
    public Future<Void> mapStage1(String ctx, int table, long iova, long ipa, long size, String prot) {
        return request(ApiAddresses.PLATFORM, "s1_map", ctx(ctx).put("table", table).put("iova", iova)
            .put("ipa", ipa).put("size", size).put("prot", prot)).mapEmpty();
    }

    /** Unmaps a range in a guest stage-1 table; the bytes unmapped. */
    public Future<Long> unmapStage1(String ctx, int table, long iova, long size) {
        return request(ApiAddresses.PLATFORM, "s1_unmap", ctx(ctx).put("table", table).put("iova", iova)
            .put("size", size)).map(j -> j.getLong("unmapped"));
    }

    /** Writes a stage-1 CD for {@code table} at {@code cdIpa}; its eight words. */
    public Future<long[]> writeContextDescriptor(String ctx, int table, long cdIpa, int asid) {
        return request(ApiAddresses.PLATFORM, "cd_write", ctx(ctx).put("table", table).put("cd_ipa", cdIpa)
            .put("asid", asid)).map(j -> words(j.getJsonArray("cd")));
    }

    /** The two vSTE words for a stage-1 guest whose CD is at {@code cdIpa}. */
    public Future<long[]> stage1Vste(long cdIpa) {
        return request(ApiAddresses.PLATFORM, "vste", new JsonObject().put("cd_ipa", cdIpa))
            .map(j -> words(j.getJsonArray("ste")));
    }

    /** Translates an access of a bound device without moving data. */
    public Future<JsonObject> dmaTranslate(String ctx, int devId, long address, boolean write) {
        return request(ApiAddresses.PLATFORM, "dma_translate", ctx(ctx).put("dev_id", devId)
            .put("address", address).put("write", write));
    }

    /** A device read; the reply has {@code outcome}, {@code transferred} and {@code data}. */
    public Future<JsonObject> dmaRead(String ctx, int devId, long address, int length) {
        return request(ApiAddresses.PLATFORM, "dma_read", ctx(ctx).put("dev_id", devId).put("address", address)
            .put("length", length));
    }

    /** A device write. */
    public Future<JsonObject> dmaWrite(String ctx, int devId, long address, byte[] data) {
        return request(ApiAddresses.PLATFORM, "dma_write", ctx(ctx).put("dev_id", devId).put("address", address)
            .put("data", B64.encodeToString(data)));
    }

    /** Device transactions back to back before any interrupt is taken; one result each. */
    public Future<JsonArray> dmaBurst(String ctx, List<JsonObject> transactions) {
        return request(ApiAddresses.PLATFORM, "dma_burst", ctx(ctx).put("transactions",
            new JsonArray(new ArrayList<>(transactions)))).map(j -> j.getJsonArray("results"));
    }

    /** An ATS translation request of a bound device. */
    public Future<JsonObject> atsTranslate(String ctx, int devId, long address, boolean write) {
        return request(ApiAddresses.PLATFORM, "ats_translate", ctx(ctx).put("dev_id", devId)
            .put("address", address).put("write", write));
    }

    // ------------------------------------------------------------------ KVM

    /** {@code KVM_CREATE_VM}; the VM handle (owned by this client). */
    public Future<String> createVm() {
        return request(ApiAddresses.KVM, "create_vm", new JsonObject()).map(j -> j.getString("vm"));
    }

    /** Destroys a VM (closes its file). */
    public Future<Void> destroyVm(String vm) {
        return request(ApiAddresses.KVM, "destroy_vm", vm(vm)).mapEmpty();
    }

    /** {@code KVM_CREATE_VCPU}; the vCPU index. */
    public Future<Integer> createVcpu(String vm) {
        return request(ApiAddresses.KVM, "create_vcpu", vm(vm)).map(j -> j.getInteger("vcpu"));
    }

    /** Loads a vCPU on a physical CPU; the VM's state afterwards ({@code vmid}, {@code generation} ...). */
    public Future<JsonObject> loadVcpu(String vm, int vcpu, int cpu) {
        return request(ApiAddresses.KVM, "vcpu_load", vm(vm).put("vcpu", vcpu).put("cpu", cpu));
    }

    /** Puts a vCPU. */
    public Future<JsonObject> putVcpu(String vm, int vcpu) {
        return request(ApiAddresses.KVM, "vcpu_put", vm(vm).put("vcpu", vcpu));
    }

    /**
     * The guest on a loaded vCPU issues a broadcast TLBI: {@code op} is the mnemonic ({@code VAE1IS} ...), the other
     * members of {@code args} ({@code asid}, {@code address}, {@code leaf}, {@code tg}, {@code scale}, {@code num},
     * {@code ttl}) as the operation needs.
     */
    public Future<Void> vcpuTlbi(String vm, int vcpu, String op, JsonObject args) {
        return request(ApiAddresses.KVM, "vcpu_tlbi", args.copy().put("vm", vm).put("vcpu", vcpu).put("op", op))
            .mapEmpty();
    }

    /** KVM issues a stage-2 broadcast TLBI for the VM; whether anything was delivered. */
    public Future<Boolean> vmTlbi(String vm, String op, JsonObject args) {
        return request(ApiAddresses.KVM, "vm_tlbi", args.copy().put("vm", vm).put("op", op))
            .map(j -> j.getBoolean("delivered"));
    }

    /** The VM's VMID, pins and vCPUs. */
    public Future<JsonObject> vmInfo(String vm) {
        return request(ApiAddresses.KVM, "vm_info", vm(vm));
    }

    /** Ties a context to a VM (KVM_DEV_VFIO_FILE_ADD); both must be this client's. */
    public Future<Void> associate(String ctx, String vm) {
        return request(ApiAddresses.KVM, "associate", ctx(ctx).put("vm", vm)).mapEmpty();
    }

    private static JsonObject vm(String vm) {
        return new JsonObject().put("vm", Objects.requireNonNull(vm, "vm"));
    }

    // ------------------------------------------------------------------ hardware view

    /** A 32-bit MMIO register read. */
    public Future<Long> mmioRead32(int iommu, long offset) {
        return request(ApiAddresses.HW, "mmio_read", new JsonObject().put("iommu", iommu).put("offset", offset))
            .map(j -> j.getLong("value"));
    }

    /** A 32-bit MMIO register write (the server must allow hardware writes). */
    public Future<Void> mmioWrite32(int iommu, long offset, int value) {
        return request(ApiAddresses.HW, "mmio_write", new JsonObject().put("iommu", iommu).put("offset", offset)
            .put("value", Integer.toUnsignedLong(value))).mapEmpty();
    }

    /** A 64-bit MMIO register read. */
    public Future<Long> mmioRead64(int iommu, long offset) {
        return request(ApiAddresses.HW, "mmio_read", new JsonObject().put("iommu", iommu).put("offset", offset)
            .put("width", 64)).map(j -> words(new JsonArray().add(j.getValue("value")))[0]);
    }

    /** A 64-bit MMIO register write (the server must allow hardware writes). */
    public Future<Void> mmioWrite64(int iommu, long offset, long value) {
        return request(ApiAddresses.HW, "mmio_write", new JsonObject().put("iommu", iommu).put("offset", offset)
            .put("value", Long.toUnsignedString(value)).put("width", 64)).mapEmpty();
    }

    /**
     * The struct a failed command wrote back (IOAS_IOVA_RANGES' EMSGSIZE, HWPT_INVALIDATE), from a byte-form
     * failure's message; empty if the failure carries none.
     */
    public static java.util.Optional<byte[]> writtenBack(Throwable failure) {
        String m = failure == null ? null : failure.getMessage();
        int at = m == null ? -1 : m.lastIndexOf("; reply=");
        if (at < 0 || m.startsWith("{", at + 8)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(B64D.decode(m.substring(at + 8)));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** Reads physical memory. */
    public Future<byte[]> readPhysical(long pa, int length) {
        return request(ApiAddresses.HW, "phys_read", new JsonObject().put("pa", pa).put("length", length))
            .map(SmmurefClient::data);
    }

    /** The host driver's kept event records of IOMMU {@code iommu}, from index {@code from}. */
    public Future<JsonObject> hostEvents(int iommu, int from) {
        return request(ApiAddresses.HW, "host_events", new JsonObject().put("iommu", iommu).put("from", from));
    }

    private static byte[] data(JsonObject j) {
        return B64D.decode(j.getString("data"));
    }

    private static long[] words(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = a.getValue(i);
            out[i] = v instanceof String s ? Long.parseUnsignedLong(s.substring(2), 16) : ((Number) v).longValue();
        }
        return out;
    }
}
