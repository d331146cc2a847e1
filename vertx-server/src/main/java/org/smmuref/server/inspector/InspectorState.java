package org.smmuref.server.inspector;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.smmuref.iommufd.platform.HostEventRecord;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.platform.PlatformDescription;
import org.smmuref.iommufd.platform.TlbStats;

/**
 * Read-only snapshots of the model for the inspector page: the platform with its registers decoded, the live STEs
 * (and the CDs a stage-1-only STE points at), TLB counts and host-kept event records. It only ever calls the
 * {@link ModelPlatform} methods that read (describe, MMIO reads, physical reads, TLB stats, host events).
 */
public final class InspectorState {
    /** At most this many event records go out per poll, so a burst never builds one huge message. */
    public static final int MAX_EVENTS_PER_POLL = 256;

    // Register offsets (SMMUv3 spec 6.3; the same values as smmu-core's SmmuRegisters, which this layer may not use).
    static final long CR0 = 0x20;
    static final long CR0ACK = 0x24;
    static final long CR1 = 0x28;
    static final long CR2 = 0x2C;
    static final long GERROR = 0x60;
    static final long GERRORN = 0x64;
    static final long STRTAB_BASE = 0x80;
    static final long STRTAB_BASE_CFG = 0x88;
    static final long CMDQ_BASE = 0x90;
    static final long CMDQ_PROD = 0x98;
    static final long CMDQ_CONS = 0x9C;
    static final long EVENTQ_BASE = 0xA0;
    static final long EVENTQ_PROD = 0x100A8;
    static final long EVENTQ_CONS = 0x100AC;

    private static final String[] CR0_BITS = {"SMMUEN", "PRIQEN", "EVENTQEN", "CMDQEN", "ATSCHK"};
    private static final String[] CR2_BITS = {"E2H", "RECINVSID", "PTM"};
    private static final String[] GERROR_BITS = {"CMDQ_ERR", null, "EVTQ_ABT_ERR", "PRIQ_ABT_ERR",
        "MSI_CMDQ_ABT_ERR", "MSI_EVTQ_ABT_ERR", "MSI_PRIQ_ABT_ERR", "MSI_GERROR_ABT_ERR", "SFM_ERR"};
    /** STE.Config values with stage 1 translating and stage 2 bypassed: S1ContextPtr is then a PA. */
    private static final long CONFIG_S1_ONLY = 0b101;

    private final ModelPlatform platform;
    private final Optional<StructureDecoder> decoder;

    /** Creates the view over {@code platform}; without a decoder the STEs are shown as raw dwords. */
    @Inject
    public InspectorState(ModelPlatform platform, Optional<StructureDecoder> decoder) {
        this.platform = Objects.requireNonNull(platform);
        this.decoder = Objects.requireNonNull(decoder);
    }

    /** The whole snapshot: platform, registers, stream table, TLB counts and how many events each SMMU kept. */
    public JsonObject snapshot() {
        PlatformDescription d = platform.describe();
        JsonArray smmus = new JsonArray();
        for (PlatformDescription.Iommu iommu : d.iommus()) {
            smmus.add(smmu(iommu));
        }
        JsonArray ram = new JsonArray();
        d.ram().forEach(r -> ram.add(new JsonObject().put("base", hex(r.base())).put("size", hex(r.size()))));
        return new JsonObject().put("name", d.name()).put("cpus", d.cpus()).put("kvm_vmid_bits", d.kvmVmidBits())
            .put("vmid_policy", String.valueOf(d.vmidPolicy())).put("ram", ram).put("smmus", smmus);
    }

    private JsonObject smmu(PlatformDescription.Iommu iommu) {
        int id = iommu.id();
        JsonObject features = new JsonObject();
        iommu.features().entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(e -> features.put(e.getKey(), e.getValue()));
        JsonArray idr = new JsonArray();
        iommu.idr().forEach(v -> idr.add(hex32(v)));
        TlbStats tlb = platform.tlbStats(id);
        return new JsonObject().put("id", id).put("driver", iommu.driver()).put("features", features).put("idr", idr)
            .put("registers", registers(id)).put("streams", streams(iommu))
            .put("tlb", new JsonObject().put("hits", tlb.hits()).put("misses", tlb.misses()))
            .put("host_events", platform.hostEventCount(id));
    }

    private JsonObject registers(int id) {
        int cr0 = platform.mmioRead32(id, CR0);
        int cr2 = platform.mmioRead32(id, CR2);
        int gerror = platform.mmioRead32(id, GERROR);
        int gerrorn = platform.mmioRead32(id, GERRORN);
        JsonObject r = new JsonObject()
            .put("CR0", bits(cr0, CR0_BITS).put("VMW", (cr0 >>> 6) & 7))
            .put("CR0ACK", hex32(platform.mmioRead32(id, CR0ACK)))
            .put("CR1", hex32(platform.mmioRead32(id, CR1)))
            .put("CR2", bits(cr2, CR2_BITS))
            .put("GERROR", bits(gerror, GERROR_BITS).put("GERRORN", hex32(gerrorn))
                .put("active", names(gerror ^ gerrorn, GERROR_BITS)))
            .put("STRTAB_BASE", hex(platform.mmioRead64(id, STRTAB_BASE)))
            .put("STRTAB_BASE_CFG", hex32(platform.mmioRead32(id, STRTAB_BASE_CFG)));
        int cmdqLog2 = (int) (platform.mmioRead64(id, CMDQ_BASE) & 0x1F);
        int evtqLog2 = (int) (platform.mmioRead64(id, EVENTQ_BASE) & 0x1F);
        int cmdCons = platform.mmioRead32(id, CMDQ_CONS);
        int evtProd = platform.mmioRead32(id, EVENTQ_PROD);
        int evtCons = platform.mmioRead32(id, EVENTQ_CONS);
        r.put("CMDQ", queue(cmdqLog2, platform.mmioRead32(id, CMDQ_PROD), cmdCons)
            .put("ERR", (cmdCons >>> 24) & 0x7F));
        r.put("EVENTQ", queue(evtqLog2, evtProd, evtCons)
            .put("OVFLG", evtProd >>> 31).put("OVACKFLG", evtCons >>> 31));
        return r;
    }

    /** A queue index pair: index bits below LOG2SIZE, the wrap bit at LOG2SIZE (SMMUv3 spec 3.5.1). */
    static JsonObject queue(int log2, int prod, int cons) {
        long mask = (1L << log2) - 1;
        return new JsonObject().put("log2size", log2)
            .put("prod", prod & mask).put("prod_wrap", (prod >>> log2) & 1)
            .put("cons", cons & mask).put("cons_wrap", (cons >>> log2) & 1);
    }

    private JsonArray streams(PlatformDescription.Iommu iommu) {
        int id = iommu.id();
        long base = platform.mmioRead64(id, STRTAB_BASE);
        int cfg = platform.mmioRead32(id, STRTAB_BASE_CFG);
        boolean enabled = (platform.mmioRead32(id, CR0) & 1) != 0;
        JsonArray out = new JsonArray();
        for (PlatformDescription.Device dev : iommu.devices()) {
            JsonObject s = new JsonObject().put("stream_id", dev.streamId()).put("ats", dev.atsCapable());
            out.add(s);
            if (!enabled || decoder.isEmpty()) {
                s.put("error", enabled ? "no structure decoder bound" : "SMMU disabled (CR0.SMMUEN=0)");
                continue;
            }
            try {
                long pa = decoder.get().steAddress(iommu.idr(), base, cfg, dev.streamId(), this::dword);
                long[] ste = dwords(pa, 8);
                Map<String, Long> f = decoder.get().decode("ste", ste);
                s.put("ste_pa", hex(pa)).put("raw", hexes(ste)).put("fields", fields(f));
                long config = f.getOrDefault("Config", 0L);
                if (f.getOrDefault("V", 0L) == 1 && config == CONFIG_S1_ONLY) {
                    long cdPa = f.getOrDefault("S1ContextPtr", 0L);
                    s.put("cd", new JsonObject().put("pa", hex(cdPa))
                        .put("fields", fields(decoder.get().decode("cd", dwords(cdPa, 8)))));
                } else if (f.getOrDefault("V", 0L) == 1 && (config & 0b101) == 0b101) {
                    s.put("cd_note", "S1ContextPtr is an IPA (stage 2 translates it); the guest owns this CD table");
                }
            } catch (RuntimeException e) {
                s.put("error", e.getMessage());
            }
        }
        return out;
    }

    /** Host-kept records of {@code iommu} from index {@code from}, at most {@link #MAX_EVENTS_PER_POLL}. */
    public JsonArray events(int iommu, int from) {
        List<HostEventRecord> records = platform.hostEvents(iommu, from, MAX_EVENTS_PER_POLL);
        JsonArray out = new JsonArray();
        int index = from;
        for (HostEventRecord r : records) {
            long[] w = r.record();
            out.add(new JsonObject().put("iommu", iommu).put("index", index++)
                .put("event_id", w[0] & 0xFF).put("stream_id", w[0] >>> 32)
                .put("record", hexes(w)).put("reason", r.reason()));
        }
        return out;
    }

    /** The number of host-kept records per SMMU, in SMMU order. */
    public int[] eventCounts() {
        return platform.describe().iommus().stream().mapToInt(i -> platform.hostEventCount(i.id())).toArray();
    }

    private long dword(long pa) {
        return dwords(pa, 1)[0];
    }

    private long[] dwords(long pa, int n) {
        ByteBuffer b = ByteBuffer.wrap(platform.readPhysical(pa, 8 * n)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    private static JsonObject fields(Map<String, Long> f) {
        JsonObject o = new JsonObject();
        f.forEach((k, v) -> o.put(k, v > 9 ? hex(v) : String.valueOf(v)));
        return o;
    }

    private static JsonObject bits(int value, String[] names) {
        JsonObject o = new JsonObject().put("value", hex32(value));
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null) {
                o.put(names[i], (value >>> i) & 1);
            }
        }
        return o;
    }

    private static JsonArray names(int value, String[] names) {
        JsonArray a = new JsonArray();
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null && ((value >>> i) & 1) != 0) {
                a.add(names[i]);
            }
        }
        return a;
    }

    private static JsonArray hexes(long[] w) {
        JsonArray a = new JsonArray();
        for (long v : w) {
            a.add(hex(v));
        }
        return a;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static String hex32(int v) {
        return "0x" + Integer.toHexString(v);
    }
}
