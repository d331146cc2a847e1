package org.smmuref.server.api;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.platform.AtsTranslation;
import org.smmuref.iommufd.platform.DmaAccess;
import org.smmuref.iommufd.platform.DmaRequest;
import org.smmuref.iommufd.platform.DmaResult;
import org.smmuref.iommufd.platform.HostEventRecord;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.platform.PlatformDescription;
import org.smmuref.iommufd.platform.Stage1Table;
import org.smmuref.iommufd.platform.TlbStats;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The platform and hardware operations: process and guest memory, stage-1 tables and CDs in guest RAM, device DMA,
 * the description, MMIO registers, physical memory and host-kept events. JSON bodies only.
 *
 * <p>Memory and table operations name a context and run in its lane. DMA names a context and one of its bound
 * devices ({@code dev_id}), so that a client reaches only devices it bound; it runs concurrently, then the context's
 * event queues are drained. The description, vSTE words and the hardware view name no context.
 */
final class PlatformOps {
    /** Registers one operation (the verticle's {@code register}). */
    @FunctionalInterface
    interface Registrar {
        void register(String group, String op, ApiVerticle.Mode mode, ApiVerticle.Operation operation);
    }

    private final ModelPlatform platform;
    private final ApiOptions options;
    private final Counter translations;
    private final Consumer<Sessions.ContextEntry> drain;
    private final int maxData;
    private Sessions sessions;

    PlatformOps(ModelPlatform platform, ApiOptions options, Counter translations,
                Consumer<Sessions.ContextEntry> drain) {
        this.platform = platform;
        this.options = options;
        this.translations = translations;
        this.drain = drain;
        // base64 grows data by 4/3; keep replies well inside the body limit
        this.maxData = options.maxBodyBytes() / 2;
    }

    void register(Registrar r, Sessions owners) {
        this.sessions = owners;
        String p = ApiAddresses.PLATFORM;
        ApiVerticle.Mode ctx = ApiVerticle.Mode.CONTEXT;
        ApiVerticle.Mode any = ApiVerticle.Mode.CONCURRENT;
        r.register(p, "describe", any, (q, c) -> {
            q.requireJson();
            return describe(platform.describe());
        });
        r.register(p, "tlb_stats", any, (q, c) -> tlbStats(q.requireJson()));
        r.register(p, "process_mmap", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            platform.mmap(c.fd, ApiCodec.u64(j, "va"), ApiCodec.u64(j, "length"));
            return new JsonObject();
        });
        r.register(p, "process_munmap", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            platform.munmap(c.fd, ApiCodec.u64(j, "va"), ApiCodec.u64(j, "length"));
            return new JsonObject();
        });
        r.register(p, "process_read", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            return data(platform.readProcess(c.fd, ApiCodec.u64(j, "va"), length(j)));
        });
        r.register(p, "process_write", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            platform.writeProcess(c.fd, ApiCodec.u64(j, "va"), ApiCodec.bytes(j, "data"));
            return new JsonObject();
        });
        r.register(p, "guest_ram_add", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            platform.addGuestRam(c.fd, ApiCodec.u64(j, "va"), ApiCodec.u64(j, "ipa"), ApiCodec.u64(j, "size"));
            return new JsonObject();
        });
        r.register(p, "guest_read", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            return data(platform.readGuest(c.fd, ApiCodec.u64(j, "ipa"), length(j)));
        });
        r.register(p, "guest_write", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            platform.writeGuest(c.fd, ApiCodec.u64(j, "ipa"), ApiCodec.bytes(j, "data"));
            return new JsonObject();
        });
        r.register(p, "s1_table_create", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            Stage1Table t = platform.createStage1Table(c.fd, ApiCodec.intIn(j, "granule_shift", 12, 16, 12),
                ApiCodec.intIn(j, "input_bits", 25, 48, 48), ApiCodec.u64(j, "pool_ipa"),
                ApiCodec.u64(j, "pool_size"));
            return new JsonObject().put("table", t.id()).put("ttb", ApiCodec.unsigned64(t.ttb()))
                .put("tsz", t.tsz()).put("granule_shift", t.granuleShift()).put("start_level", t.startLevel());
        });
        r.register(p, "s1_map", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            platform.mapStage1(c.fd, ApiCodec.u32(j, "table"), ApiCodec.u64(j, "iova"), ApiCodec.u64(j, "ipa"),
                ApiCodec.u64(j, "size"), ApiCodec.string(j, "prot", "rw"));
            return new JsonObject();
        });
        r.register(p, "s1_unmap", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            long n = platform.unmapStage1(c.fd, ApiCodec.u32(j, "table"), ApiCodec.u64(j, "iova"),
                ApiCodec.u64(j, "size"));
            return new JsonObject().put("unmapped", ApiCodec.unsigned64(n));
        });
        r.register(p, "cd_write", ctx, (q, c) -> {
            JsonObject j = q.requireJson();
            long[] cd = platform.writeContextDescriptor(c.fd, ApiCodec.u32(j, "table"), ApiCodec.u64(j, "cd_ipa"),
                ApiCodec.intIn(j, "asid", 0, 0xFFFF));
            return new JsonObject().put("cd", ApiCodec.wordArray(cd));
        });
        r.register(p, "vste", any, (q, c) -> new JsonObject().put("ste",
            ApiCodec.wordArray(platform.stage1Vste(ApiCodec.u64(q.requireJson(), "cd_ipa")))));
        r.register(p, "dma_translate", any, (q, c) -> dma(q, (owner, req) -> dmaJson(platform.translate(req)),
            false));
        r.register(p, "dma_read", any, (q, c) -> dma(q, (owner, req) -> dmaJson(platform.dma(req)), false));
        r.register(p, "dma_write", any, (q, c) -> dma(q, (owner, req) -> dmaJson(platform.dma(req)), true));
        r.register(p, "ats_translate", any, (q, c) -> dma(q, (owner, req) -> atsJson(platform.atsTranslate(req)),
            false));
        r.register(p, "dma_burst", any, (q, c) -> burst(q));

        String h = ApiAddresses.HW;
        r.register(h, "mmio_read", any, (q, c) -> {
            JsonObject j = q.requireJson();
            int iommu = ApiCodec.intIn(j, "iommu", 0, Integer.MAX_VALUE, 0);
            long offset = ApiCodec.u64(j, "offset");
            int width = width(j);
            long v = width == 32 ? Integer.toUnsignedLong(platform.mmioRead32(iommu, offset))
                : platform.mmioRead64(iommu, offset);
            return new JsonObject().put("value", ApiCodec.unsigned64(v)).put("width", width);
        });
        r.register(h, "mmio_write", any, (q, c) -> {
            JsonObject j = q.requireJson();
            if (!options.hardwareWrites()) {
                throw new IommufdException(Errno.EPERM, "MMIO writes are disabled on this server "
                    + "(they reach the registers under the driver)");
            }
            int iommu = ApiCodec.intIn(j, "iommu", 0, Integer.MAX_VALUE, 0);
            long offset = ApiCodec.u64(j, "offset");
            if (width(j) == 32) {
                platform.mmioWrite32(iommu, offset, ApiCodec.u32(j, "value"));
            } else {
                platform.mmioWrite64(iommu, offset, ApiCodec.u64(j, "value"));
            }
            return new JsonObject();
        });
        r.register(h, "phys_read", any, (q, c) -> {
            JsonObject j = q.requireJson();
            return data(platform.readPhysical(ApiCodec.u64(j, "pa"), length(j)));
        });
        r.register(h, "host_events", any, (q, c) -> {
            JsonObject j = q.requireJson();
            int iommu = ApiCodec.intIn(j, "iommu", 0, Integer.MAX_VALUE, 0);
            int from = ApiCodec.intIn(j, "from", 0, Integer.MAX_VALUE, 0);
            List<HostEventRecord> some = platform.hostEvents(iommu, from, 256);
            JsonArray out = new JsonArray();
            for (int i = 0; i < some.size(); i++) {
                out.add(new JsonObject().put("index", from + i).put("record", ApiCodec.wordArray(some.get(i).record()))
                    .put("reason", some.get(i).reason()));
            }
            return new JsonObject().put("events", out).put("total", platform.hostEventCount(iommu));
        });
    }

    // ------------------------------------------------------------------ DMA

    @FunctionalInterface
    private interface DmaCall {
        JsonObject run(Sessions.ContextEntry owner, DmaRequest request);
    }

    private Object dma(ApiRequest q, DmaCall call, boolean write) {
        JsonObject j = q.requireJson();
        Sessions.ContextEntry c = sessions.owned(q.client(), q.context());
        DmaRequest req = request(c, j, "", write);
        try {
            return call.run(c, req);
        } finally {
            translations.increment();
            drain.accept(c);
        }
    }

    private Object burst(ApiRequest q) {
        JsonObject j = q.requireJson();
        Sessions.ContextEntry c = sessions.owned(q.client(), q.context());
        JsonArray list = ApiCodec.array(j, "transactions");
        if (list.isEmpty() || list.size() > 1024) {
            throw ApiCodec.invalid("transactions", "must hold 1..1024 transactions, holds " + list.size());
        }
        List<DmaRequest> requests = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < list.size(); i++) {
            String where = "transactions[" + i + "].";
            if (!(list.getValue(i) instanceof JsonObject t)) {
                throw ApiCodec.invalid(where, "expected an object, got " + ApiCodec.kind(list.getValue(i)));
            }
            DmaRequest r = request(c, t, where, ApiCodec.bool(t, "write", false));
            total += r.access().write() ? 0 : r.length();
            if (total > maxData) {
                // the reply carries every byte read: the burst as a whole must fit in one body
                throw new IommufdException(Errno.E2BIG, where + "length: the burst reads more than " + maxData
                    + " bytes in all");
            }
            requests.add(r);
        }
        try {
            JsonArray out = new JsonArray();
            for (DmaResult r : platform.dmaBurst(requests)) {
                out.add(dmaJson(r));
            }
            return new JsonObject().put("results", out);
        } finally {
            translations.increment(requests.size());
            drain.accept(c);
        }
    }

    private DmaRequest request(Sessions.ContextEntry c, JsonObject j, String where, boolean write) {
        int dev = ApiCodec.u32(j, "dev_id");
        int[] at = c.devices.get(dev);
        if (at == null) {
            throw new IommufdException(Errno.ENOENT, where + "dev_id " + Integer.toUnsignedString(dev)
                + " is not a device bound in this context");
        }
        long address = ApiCodec.u64(j, "address");
        int ssid = ApiCodec.has(j, "substream_id") ? ApiCodec.intIn(j, "substream_id", 0, (1 << 20) - 1)
            : DmaRequest.NO_SUBSTREAM;
        DmaAccess access = new DmaAccess(write, ApiCodec.bool(j, "instruction", false),
            ApiCodec.bool(j, "privileged", false));
        byte[] data = write ? ApiCodec.bytes(j, "data") : new byte[0];
        if (data.length > maxData) {
            throw new IommufdException(Errno.E2BIG, where + "data: " + data.length + " bytes exceed " + maxData);
        }
        int length = write ? data.length : ApiCodec.intIn(j, "length", 0, maxData, 0);
        return new DmaRequest(at[0], at[1], ssid, address, access, length, data);
    }

    private static JsonObject dmaJson(DmaResult r) {
        JsonObject o = new JsonObject().put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT))
            .put("input_address", ApiCodec.unsigned64(r.inputAddress()))
            .put("transferred", r.transferred());
        if (r.physicalAddress() != -1) {
            o.put("physical_address", ApiCodec.unsigned64(r.physicalAddress()));
        }
        if (r.data().length > 0) {
            o.put("data", ApiCodec.base64(r.data()));
        }
        if (!r.reason().isEmpty()) {
            o.put("reason", r.reason());
        }
        if (r.event().length > 0) {
            o.put("event", ApiCodec.wordArray(r.event()));
        }
        return o;
    }

    private static JsonObject atsJson(AtsTranslation a) {
        JsonObject o = new JsonObject().put("completed", a.completed())
            .put("input_base", ApiCodec.unsigned64(a.inputBase())).put("output_base", ApiCodec.unsigned64(a.outputBase()))
            .put("size", ApiCodec.unsigned64(a.size())).put("read", a.read()).put("write", a.write())
            .put("split_stage", a.splitStage());
        if (!a.reason().isEmpty()) {
            o.put("reason", a.reason());
        }
        if (a.event().length > 0) {
            o.put("event", ApiCodec.wordArray(a.event()));
        }
        return o;
    }

    // ------------------------------------------------------------------ the rest

    private JsonObject tlbStats(JsonObject j) {
        JsonArray out = new JsonArray();
        int n = platform.describe().iommus().size();
        int only = ApiCodec.intIn(j, "iommu", 0, Integer.MAX_VALUE, -1);
        if (only >= n) {
            throw new IommufdException(Errno.ENODEV, "no IOMMU instance " + only);
        }
        for (int i = 0; i < n; i++) {
            if (only < 0 || only == i) {
                TlbStats s = platform.tlbStats(i);
                out.add(new JsonObject().put("iommu", i).put("hits", s.hits()).put("misses", s.misses()));
            }
        }
        return new JsonObject().put("tlbs", out);
    }

    static JsonObject describe(PlatformDescription d) {
        JsonArray ram = new JsonArray();
        for (PlatformDescription.RamRange r : d.ram()) {
            ram.add(new JsonObject().put("base", ApiCodec.unsigned64(r.base())).put("size", ApiCodec.unsigned64(r.size())));
        }
        JsonArray iommus = new JsonArray();
        for (PlatformDescription.Iommu i : d.iommus()) {
            JsonObject features = new JsonObject();
            for (Map.Entry<String, Object> e : new java.util.TreeMap<>(i.features()).entrySet()) {
                features.put(e.getKey(), e.getValue());
            }
            JsonArray devices = new JsonArray();
            for (PlatformDescription.Device dev : i.devices()) {
                devices.add(new JsonObject().put("stream_id", dev.streamId()).put("ats", dev.atsCapable()));
            }
            JsonArray idr = new JsonArray();
            i.idr().forEach(v -> idr.add(Integer.toUnsignedLong(v)));
            iommus.add(new JsonObject().put("id", i.id()).put("driver", i.driver()).put("features", features)
                .put("idr", idr).put("devices", devices));
        }
        return new JsonObject().put("name", d.name()).put("ram", ram).put("iommus", iommus).put("cpus", d.cpus())
            .put("kvm_vmid_bits", d.kvmVmidBits()).put("vmid_policy", d.vmidPolicy())
            .put("kernel", d.kernel());
    }

    private int length(JsonObject j) {
        return ApiCodec.intIn(j, "length", 0, maxData);
    }

    private static int width(JsonObject j) {
        int w = ApiCodec.intIn(j, "width", 32, 64, 32);
        if (w != 32 && w != 64) {
            throw ApiCodec.invalid("width", "must be 32 or 64, was " + w);
        }
        return w;
    }

    private static JsonObject data(byte[] bytes) {
        return new JsonObject().put("data", ApiCodec.base64(bytes));
    }
}
