package org.smmuref.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.launcher.Platform;
import org.smmuref.server.api.ApiAddresses;
import org.smmuref.server.api.ApiHeaders;

/**
 * Generated request bodies to every API address of a real server (event bus and TCP bridge), checking that each gets
 * an answer within {@link #BOUND_MS}: a reply, or a {@code RECIPIENT_FAILURE} whose code is a positive errno and whose
 * message starts with that errno's name; never a timeout, never a missing handler. After each input its client's
 * disconnect is reported, and the server must be consistent: every device free to bind, every CPU free to load a
 * vCPU, a fresh context working. Bridge frames of fuzzed bytes must each be answered, or refused, before a following
 * ping.
 *
 * <p>A normal test run replays the seeds in {@code AddressFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (see
 * docs/fuzzing.md). The input is read front to back: per step one byte picks the address (or a bridge frame), one
 * the body form, then the body's parts.
 */
class AddressFuzzTest {
    /** The answer bound: far above any honest request, far below the event bus's 30 s timeout. */
    static final long BOUND_MS = 5_000;
    static final int MAX_STEPS = 12;

    /** Every request address of the API, in a fixed order (the step byte's meaning). */
    static final List<String> OPS = ops();
    /** Field names the bodies are made of: the API's and the kernel's. */
    static final String[] FIELDS = {"ctx", "fd", "dev_id", "pt_id", "ioas_id", "hwpt_id", "viommu_id", "id", "iova",
        "length", "user_va", "flags", "size", "type", "data", "data_type", "data_len", "data_uptr", "entries",
        "entry_num", "entry_len", "stream_id", "iommu", "va", "ipa", "address", "table", "vm", "vcpu", "cpu", "op",
        "count", "request", "bytes", "abi", "write", "pool_ipa", "pool_size", "prot", "cd_ipa", "asid", "virt_id",
        "veventq_depth", "transactions", "offset", "width", "value", "from", "num_iovas", "allowed_iovas", "ste",
        "granule_shift", "input_bits", "src_ioas_id", "dst_ioas_id", "option_id", "object_id", "val64"};
    static final Pattern MESSAGE = Pattern.compile("^(E[A-Z0-9]+): .+", Pattern.DOTALL);

    private static SmmurefServer server;
    private static final AtomicLong CLIENTS = new AtomicLong();

    static List<String> ops() {
        List<String> out = new ArrayList<>(List.of("iommufd.open", "iommufd.close", "iommufd.read", "iommufd.ioctl"));
        for (IommufdCommand c : IommufdCommand.values()) {
            out.add("iommufd." + c.ioctlName().substring("IOMMU_".length()).toLowerCase(Locale.ROOT));
        }
        for (String op : List.of("bind", "unbind", "attach", "replace", "detach")) {
            out.add("vfio." + op);
        }
        for (String op : List.of("create_vm", "destroy_vm", "create_vcpu", "vcpu_load", "vcpu_put", "vcpu_tlbi",
            "vm_tlbi", "vm_info", "associate")) {
            out.add("kvm." + op);
        }
        for (String op : List.of("describe", "tlb_stats", "process_mmap", "process_munmap", "process_read",
            "process_write", "guest_ram_add", "guest_read", "guest_write", "s1_table_create", "s1_map", "s1_unmap",
            "cd_write", "vste", "dma_translate", "dma_read", "dma_write", "ats_translate", "dma_burst")) {
            out.add("platform." + op);
        }
        for (String op : List.of("mmio_read", "mmio_write", "phys_read", "host_events")) {
            out.add("hw." + op);
        }
        return List.copyOf(out);
    }

    static synchronized SmmurefServer server() throws Exception {
        if (server == null) {
            server = Platform.injector(ServerOptions.ephemeral().withMaxFrameBytes(1 << 16))
                .getInstance(SmmurefServer.class);
            server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        return server;
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            server = null;
        }
    }

    @FuzzTest(maxDuration = "10m")
    void every_address_answers_generated_bodies_in_bound_and_the_server_stays_consistent(byte[] input)
        throws Exception {
        // The test itself connects to the server's bridge, and the bridge's guard to its internal stock bridge: both
        // on loopback by design, not a request forgery (Jazzer's SSRF detector would report them otherwise).
        try (SilentCloseable loopback = BugDetectors.allowNetworkConnections(
            (host, port) -> host.equals("127.0.0.1") || host.equals("localhost"))) {
            new Run(server(), input).run();
        }
    }

    /** One input: a client, its context, its steps, its disconnect, the consistency probe. */
    static final class Run {
        private final SmmurefServer server;
        private final byte[] in;
        private int pos;
        private final String client = "fuzz-" + CLIENTS.incrementAndGet();
        private String ctx;

        Run(SmmurefServer server, byte[] input) {
            this.server = server;
            this.in = input;
        }

        /** This input's client id. */
        String client() {
            return client;
        }

        private boolean more() {
            return pos < in.length;
        }

        private int u8() {
            return more() ? in[pos++] & 0xff : 0;
        }

        private long u64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | u8();
            }
            return v;
        }

        private byte[] bytes(int max) {
            int n = Math.min(u8() % (max + 1), in.length - pos);
            byte[] b = new byte[Math.max(n, 0)];
            System.arraycopy(in, pos, b, 0, b.length);
            pos += b.length;
            return b;
        }

        void run() throws Exception {
            ctx = request("iommufd.open", new JsonObject(), null).map(m -> ((JsonObject) m).getString("ctx"))
                .orElseThrow();
            for (int step = 0; step < MAX_STEPS && more(); step++) {
                int pick = u8();
                if (pick == 0xff) {
                    bridgeFrame();
                    continue;
                }
                String op = OPS.get(pick % OPS.size());
                int form = u8() % 4;
                switch (form) {
                    case 0 -> request(op, object(2), null);
                    case 1 -> request(op, Buffer.buffer(bytes(96)), u8() % 2 == 0 ? ctx : "bogus");
                    case 2 -> request(op, new String(bytes(64), StandardCharsets.UTF_8), null);
                    default -> request(op, object(0).put("ctx", ctx), null);
                }
            }
            // The client goes away (as a bridge disconnect reports it): everything it owned is closed.
            request(ApiAddresses.clientGone("local"), client, null);
            probe();
        }

        /** A JSON object of up to 6 fields with generated values, nested at most {@code depth} more levels. */
        private JsonObject object(int depth) {
            JsonObject o = new JsonObject();
            int n = u8() % 7;
            for (int i = 0; i < n && more(); i++) {
                o.put(FIELDS[u8() % FIELDS.length], value(depth));
            }
            return o;
        }

        private Object value(int depth) {
            return switch (u8() % 12) {
                case 0 -> ctx;
                case 1 -> u8() % 9;
                case 2 -> u64();
                case 3 -> -1L - u8();
                case 4 -> "0x" + Long.toHexString(u64());
                case 5 -> Base64.getEncoder().encodeToString(bytes(32));
                case 6 -> new String(bytes(16), StandardCharsets.UTF_8);
                case 7 -> u8() % 2 == 0;
                case 8 -> null;
                case 9 -> depth > 0 ? object(depth - 1) : u8();
                case 10 -> {
                    JsonArray a = new JsonArray();
                    int k = u8() % 4;
                    for (int i = 0; i < k && more(); i++) {
                        a.add(depth > 0 ? value(depth - 1) : (Object) u64());
                    }
                    yield a;
                }
                default -> (double) u64() / 7;
            };
        }

        /** Sends one request and checks its answer; the reply body when it succeeded. */
        java.util.Optional<Object> request(String op, Object body, String ctxHeader) throws Exception {
            String address = op.startsWith("smmuref.") ? op : ApiAddresses.address("local", op.split("\\.")[0],
                op.split("\\.")[1]);
            DeliveryOptions d = new DeliveryOptions().addHeader(ApiHeaders.CLIENT, client).setSendTimeout(30_000);
            if (ctxHeader != null) {
                d.addHeader(ApiHeaders.CONTEXT, ctxHeader);
            }
            try {
                Message<Object> m = server.vertx().eventBus().request(address, body, d).toCompletionStage()
                    .toCompletableFuture().get(BOUND_MS, TimeUnit.MILLISECONDS);
                return java.util.Optional.ofNullable(m.body());
            } catch (TimeoutException e) {
                throw new AssertionError(op + " gave no answer within " + BOUND_MS + " ms for " + describe(body));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ReplyException r)) {
                    throw new AssertionError(op + " failed oddly for " + describe(body), e.getCause());
                }
                assertThat(r.failureType()).as("%s for %s: %s", op, describe(body), r.getMessage())
                    .isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
                Matcher mm = MESSAGE.matcher(String.valueOf(r.getMessage()));
                assertThat(mm.matches()).as("%s: message '%s' is E<NAME>: <why>", op, r.getMessage()).isTrue();
                assertThat(r.failureCode()).as("%s: errno of '%s'", op, r.getMessage()).isPositive();
                assertThat(Errno.of(r.failureCode()).name()).as("%s: code and name of '%s'", op, r.getMessage())
                    .isEqualTo(mm.group(1));
                return java.util.Optional.empty();
            }
        }

        private static String describe(Object body) {
            String s = body instanceof Buffer b ? "buffer of " + b.length() + " bytes" : String.valueOf(body);
            return s.length() > 300 ? s.substring(0, 300) + "..." : s;
        }

        /** A fuzzed frame on a fresh bridge connection, then a ping: something must answer before the bound. */
        private void bridgeFrame() throws IOException {
            byte[] payload = bytes(200);
            try (BridgeWire w = new BridgeWire(server.bridgePort())) {
                try {
                    bridgeFrame(w, payload);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("the bridge answered neither the frame nor the ping: "
                        + new String(payload, StandardCharsets.UTF_8));
                } catch (java.io.EOFException e) {
                    throw new AssertionError("the bridge closed without an error frame after: "
                        + new String(payload, StandardCharsets.UTF_8));
                }
            }
        }

        private void bridgeFrame(BridgeWire w, byte[] payload) throws IOException {
            if (payload.length == 0) {
                w.sendBytes(new byte[] {0, 0, 0, 0});
            } else {
                w.sendRaw(payload);
            }
            // A refused frame is answered at once (and its connection may be closed): wait for that first, so that
            // the ping below never races the close.
            JsonObject first = w.readWithin(1_000);
            if (first == null) {
                w.send(new JsonObject().put("type", "ping"));
                first = w.read();
            }
            assertThat(first.getString("type")).as("answer to %s", new String(payload, StandardCharsets.UTF_8))
                .isIn("pong", "err", "message");
        }

        /** The server is consistent: a new client binds every device, loads a vCPU on every CPU, and closes. */
        void probe() throws Exception {
            String probe = "probe-" + client;
            try {
                probe(probe);
            } finally {
                // Whatever the probe got, it leaves nothing behind for the next input.
                server.vertx().eventBus().request(ApiAddresses.clientGone("local"), probe).toCompletionStage()
                    .toCompletableFuture().get(BOUND_MS, TimeUnit.MILLISECONDS);
            }
        }

        private void probe(String probe) throws Exception {
            JsonObject d = (JsonObject) as(probe, "platform.describe", new JsonObject());
            String c = ((JsonObject) as(probe, "iommufd.open", new JsonObject())).getString("ctx");
            for (Object iommu : d.getJsonArray("iommus")) {
                JsonObject i = (JsonObject) iommu;
                for (Object dev : i.getJsonArray("devices")) {
                    as(probe, "vfio.bind", new JsonObject().put("ctx", c).put("iommu", i.getInteger("id"))
                        .put("stream_id", ((JsonObject) dev).getInteger("stream_id")));
                }
            }
            as(probe, "iommufd.ioas_alloc", new JsonObject().put("ctx", c));
            String vm = ((JsonObject) as(probe, "kvm.create_vm", new JsonObject())).getString("vm");
            int vcpu = ((JsonObject) as(probe, "kvm.create_vcpu", new JsonObject().put("vm", vm))).getInteger("vcpu");
            for (int cpu = 0; cpu < d.getInteger("cpus"); cpu++) {
                as(probe, "kvm.vcpu_load", new JsonObject().put("vm", vm).put("vcpu", vcpu).put("cpu", cpu));
                as(probe, "kvm.vcpu_put", new JsonObject().put("vm", vm).put("vcpu", vcpu));
            }
            as(probe, "kvm.destroy_vm", new JsonObject().put("vm", vm));
            as(probe, "iommufd.close", new JsonObject().put("ctx", c));
        }

        private Object as(String who, String op, JsonObject body) throws Exception {
            String[] p = op.split("\\.");
            DeliveryOptions d = new DeliveryOptions().addHeader(ApiHeaders.CLIENT, who);
            try {
                return server.vertx().eventBus().request(ApiAddresses.address("local", p[0], p[1]), body, d)
                    .toCompletionStage().toCompletableFuture().get(BOUND_MS, TimeUnit.MILLISECONDS).body();
            } catch (ExecutionException e) {
                throw new AssertionError("inconsistent after the input: " + op + " " + body + " failed: "
                    + e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
