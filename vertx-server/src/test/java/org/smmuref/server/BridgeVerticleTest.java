package org.smmuref.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.smmuref.launcher.Platform;
import org.smmuref.server.api.ApiAddresses;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TCP bridge over a real socket: permissions, the client header, the token, bad and oversized frames, the
 * client-gone notice. A fixture consumer on {@code smmuref.fix.iommufd.echo} (a node without an API) echoes the
 * headers it received.
 */
class BridgeVerticleTest {
    private static final String OPEN = "smmuref.fix.iommufd.echo";
    private static final String TOKEN = "s3cret-token";

    private SmmurefServer server;
    private final List<String> gone = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = Platform.injector(ServerOptions.ephemeral().withToken(TOKEN).withMaxFrameBytes(4096))
            .getInstance(SmmurefServer.class);
        server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        server.vertx().eventBus().<Object>consumer(OPEN, m -> {
            JsonObject headers = new JsonObject();
            m.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
            if (m.body() instanceof JsonObject b && b.getBoolean("fail", false)) {
                m.fail(22, "EINVAL: asked to fail");
                return;
            }
            m.reply(new JsonObject().put("headers", headers).put("body", m.body()));
        }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // The API consumes the client-gone address itself; an interceptor sees what the bridge sends there.
        server.vertx().eventBus().addOutboundInterceptor(ctx -> {
            if (ctx.message().address().equals(ApiAddresses.clientGone("local"))) {
                gone.add(String.valueOf(ctx.message().body()));
            }
            ctx.next();
        });
    }

    @AfterEach
    void stop() throws Exception {
        server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static JsonObject auth() {
        return new JsonObject().put(AccessToken.HEADER, TOKEN);
    }

    @Test
    void a_request_reaches_the_api_with_the_connections_client_id_and_no_token() throws Exception {
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.send(BridgeWire.request(OPEN, "r1", auth().put("smmuref-client", "someone-else").put("x", "y"),
                new JsonObject().put("abi", "upstream")));
            JsonObject reply = w.read();
            assertThat(reply.getString("type")).isEqualTo("message");
            assertThat(reply.getString("address")).isEqualTo("r1");
            JsonObject seen = reply.getJsonObject("body").getJsonObject("headers");
            assertThat(seen.getString("smmuref-client")).startsWith("bridge-").isNotEqualTo("someone-else");
            assertThat(seen.getString("x")).isEqualTo("y");
            assertThat(seen.containsKey(AccessToken.HEADER)).isFalse();
            assertThat(seen.containsKey("smmuref-guard")).isFalse();
            assertThat(reply.getJsonObject("body").getJsonObject("body").getString("abi")).isEqualTo("upstream");

            // The same connection keeps its id; another connection gets another.
            w.send(BridgeWire.request(OPEN, "r2", auth(), new JsonObject()));
            String again = w.read().getJsonObject("body").getJsonObject("headers").getString("smmuref-client");
            assertThat(again).isEqualTo(seen.getString("smmuref-client"));
            try (BridgeWire other = new BridgeWire(server.bridgePort())) {
                other.send(BridgeWire.request(OPEN, "r3", auth(), new JsonObject()));
                assertThat(other.read().getJsonObject("body").getJsonObject("headers").getString("smmuref-client"))
                    .isNotEqualTo(again);
            }
        }
    }

    @Test
    void a_failure_carries_the_errno_and_message() throws Exception {
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.send(BridgeWire.request(OPEN, "r1", auth(), new JsonObject().put("fail", true)));
            JsonObject err = w.read();
            assertThat(err.getString("type")).isEqualTo("err");
            assertThat(err.getInteger("failureCode")).isEqualTo(22);
            assertThat(err.getString("message")).isEqualTo("EINVAL: asked to fail");
            assertThat(err.getString("address")).isEqualTo("r1");
        }
    }

    @Test
    void addresses_outside_the_api_are_denied_in_and_out() throws Exception {
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.send(BridgeWire.request(ApiAddresses.clientGone("local"), "r1", auth(), "bridge-x"));
            assertThat(w.read().getString("message")).isEqualTo("access_denied");
            w.send(BridgeWire.request(Addresses.HEALTH, "r2", auth(), new JsonObject()));
            assertThat(w.read().getString("message")).isEqualTo("access_denied");
            w.send(new JsonObject().put("type", "register").put("address", OPEN).put("headers", auth()));
            assertThat(w.read().getString("message")).isEqualTo("access_denied");
            // And the connection still works.
            w.send(BridgeWire.request(OPEN, "r3", auth(), new JsonObject()));
            assertThat(w.read().getString("type")).isEqualTo("message");
        }
        assertThat(gone).noneMatch(id -> id.equals("bridge-x"));
    }

    @Test
    void events_registered_for_reach_the_client() throws Exception {
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.send(new JsonObject().put("type", "register").put("address", "smmuref.events.local.veventq.abc")
                .put("headers", auth()));
            // A ping round trip proves the register frame was processed before we publish.
            w.send(new JsonObject().put("type", "ping").put("headers", auth()));
            assertThat(w.read().getString("type")).isEqualTo("pong");
            Thread.sleep(100);
            server.vertx().eventBus().publish("smmuref.events.local.veventq.abc", new JsonObject().put("seq", 7));
            JsonObject event = w.read();
            assertThat(event.getString("address")).isEqualTo("smmuref.events.local.veventq.abc");
            assertThat(event.getJsonObject("body").getInteger("seq")).isEqualTo(7);
        }
    }

    @Test
    void a_frame_without_the_token_is_refused_and_the_connection_closed() throws Exception {
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.send(BridgeWire.request(OPEN, "r1", null, new JsonObject()));
            JsonObject err = w.read();
            assertThat(err.getString("type")).isEqualTo("err");
            assertThat(err.getString("message")).startsWith("EACCES");
            assertThat(err.getString("address")).isEqualTo("r1");
            assertThat(w.closedByServer()).isTrue();
        }
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.send(BridgeWire.request(OPEN, "r1", new JsonObject().put(AccessToken.HEADER, TOKEN + "x"),
                new JsonObject()));
            assertThat(w.read().getString("message")).startsWith("EACCES");
            assertThat(w.closedByServer()).isTrue();
        }
    }

    @Test
    void a_payload_that_is_not_json_gets_an_error_and_the_connection_closes() throws Exception {
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.sendRaw("this is not json".getBytes(StandardCharsets.UTF_8));
            JsonObject err = w.read();
            assertThat(err.getString("type")).isEqualTo("err");
            assertThat(err.getString("message")).startsWith("EINVAL: frame payload is not a JSON object");
            assertThat(w.closedByServer()).isTrue();
        }
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.sendRaw("[1,2,3]".getBytes(StandardCharsets.UTF_8));
            assertThat(w.read().getString("message")).startsWith("EINVAL: frame payload is not a JSON object");
        }
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.sendRaw(new byte[] {'{', (byte) 0xff, '}'});
            assertThat(w.read().getString("message")).isEqualTo("EINVAL: frame payload is not UTF-8");
        }
    }

    @Test
    void an_oversized_or_negative_length_is_refused_before_its_payload_arrives() throws Exception {
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.sendBytes(new byte[] {0, 0, 0x10, 0x01}); // 4097 bytes announced, none sent
            JsonObject err = w.read();
            assertThat(err.getString("message")).isEqualTo(
                "E2BIG: frame of 4097 bytes exceeds the limit of 4096 bytes");
            assertThat(err.getInteger("failureCode")).isEqualTo(7);
            assertThat(w.closedByServer()).isTrue();
        }
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.sendBytes(new byte[] {(byte) 0x80, 0, 0, 0});
            assertThat(w.read().getString("message")).startsWith("EINVAL: frame length -2147483648");
        }
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.sendBytes(new byte[] {0, 0, 0, 0});
            assertThat(w.read().getString("message")).startsWith("EINVAL: frame length 0");
        }
    }

    @Test
    void a_frame_of_the_wrong_shape_gets_an_error_and_the_connection_stays() throws Exception {
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.send(BridgeWire.request(OPEN, "r1", auth().put("n", 5), new JsonObject()));
            JsonObject err = w.read();
            assertThat(err.getString("message")).isEqualTo("EINVAL: header 'n' must be a string");
            assertThat(err.getString("address")).isEqualTo("r1");
            w.send(BridgeWire.request(OPEN, "r2", auth().put("codecName", "x"), new JsonObject()));
            assertThat(w.read().getString("message")).contains("codecName");
            w.send(new JsonObject().put("type", "bogus").put("address", OPEN).put("headers", auth()));
            assertThat(w.read().getString("message")).startsWith("EINVAL: field 'type'");
            w.send(new JsonObject().put("type", "send").put("address", 7).put("headers", auth()));
            assertThat(w.read().getString("message")).startsWith("EINVAL: field 'address'");
            w.send(new JsonObject().put("type", "publish").put("address", OPEN).put("headers", auth()));
            assertThat(w.read().getString("message")).contains("publish");
            w.send(BridgeWire.request(OPEN, "r3", auth(), new JsonObject()));
            assertThat(w.read().getString("type")).isEqualTo("message");
        }
    }

    @Test
    void a_closed_connection_is_reported_to_the_client_gone_address() throws Exception {
        String id;
        try (BridgeWire w = new BridgeWire(server.bridgePort())) {
            w.send(BridgeWire.request(OPEN, "r1", auth(), new JsonObject()));
            id = w.read().getJsonObject("body").getJsonObject("headers").getString("smmuref-client");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!gone.contains(id) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(gone).contains(id);
    }

    @Test
    void a_disconnect_closes_every_context_of_that_connection_in_the_real_api() throws Exception {
        JsonObject bindC = new JsonObject().put("iommu", 0).put("stream_id", 0xc);
        try (BridgeWire other = new BridgeWire(server.bridgePort())) {
            other.send(BridgeWire.request("smmuref.local.iommufd.open", "o1", auth(), new JsonObject()));
            String ctx2 = other.read().getJsonObject("body").getString("ctx");
            try (BridgeWire owner = new BridgeWire(server.bridgePort())) {
                owner.send(BridgeWire.request("smmuref.local.iommufd.open", "a1", auth(), new JsonObject()));
                String ctx = owner.read().getJsonObject("body").getString("ctx");
                owner.send(BridgeWire.request("smmuref.local.vfio.bind", "a2", auth(), bindC.copy().put("ctx", ctx)));
                assertThat(owner.read().getString("type")).isEqualTo("message");
                // While the owner is connected, the device is its own.
                other.send(BridgeWire.request("smmuref.local.vfio.bind", "o2", auth(),
                    bindC.copy().put("ctx", ctx2)));
                assertThat(other.read().getString("message")).startsWith("EBUSY");
            }
            // The owner's socket closed: its context is closed by the API and the device freed.
            JsonObject reply = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (int i = 0; System.nanoTime() < deadline; i++) {
                other.send(BridgeWire.request("smmuref.local.vfio.bind", "o3-" + i, auth(),
                    bindC.copy().put("ctx", ctx2)));
                reply = other.read();
                if (reply.getString("type").equals("message")) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("message");
        }
    }

    @Test
    void the_internal_bridge_refuses_frames_that_did_not_pass_the_guard() throws Exception {
        // Reach the stock bridge directly, as a local process that found its port could: without the guard's
        // secret every frame is blocked, so the client header cannot be forged there either.
        int internal = internalPort();
        try (BridgeWire w = new BridgeWire(internal)) {
            w.send(BridgeWire.request(OPEN, "r1", new JsonObject().put("smmuref-client", "forged")
                .put("smmuref-guard", "guess"), new JsonObject()));
            JsonObject err = w.read();
            assertThat(err.getString("type")).isEqualTo("err");
            assertThat(err.getString("message")).isEqualTo("blocked by bridgeEvent handler");
        }
    }

    private int internalPort() throws Exception {
        BridgeVerticle bridge = (BridgeVerticle) readField(server, "bridge");
        return (int) readField(bridge, "internalPort");
    }

    private static Object readField(Object o, String name) throws Exception {
        java.lang.reflect.Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }
}
