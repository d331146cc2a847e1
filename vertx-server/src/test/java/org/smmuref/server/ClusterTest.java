package org.smmuref.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.smmuref.client.SmmurefClient;
import org.smmuref.launcher.Platform;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes on loopback in one JVM (Hazelcast TCP/IP join, multicast off): each serves its own platform
 * under its own name, a client of either reaches both, and when one node stops its addresses fail fast while the
 * other keeps answering. Each node runs the real API over its own default machine.
 */
class ClusterTest {
    private SmmurefServer a;
    private SmmurefServer b;

    @AfterEach
    void stop() throws Exception {
        // One after the other: closing both at once floods "partition lost" warnings.
        for (SmmurefServer s : new SmmurefServer[] {b, a}) {
            if (s != null) {
                s.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static SmmurefServer node(String name, String cluster, int port, int peer) throws Exception {
        SmmurefServer s = Platform.injector(ServerOptions.ephemeral().withNode(name)
                .withCluster(ClusterOptions.loopback(cluster, port, List.of("127.0.0.1:" + peer))))
            .getInstance(SmmurefServer.class);
        s.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return s;
    }

    @Test
    void each_node_serves_its_own_name_and_a_stopped_node_fails_fast() throws Exception {
        String cluster = "smmuref-test-" + UUID.randomUUID();
        int pa = freePort();
        int pb = freePort();
        a = node("a", cluster, pa, pb);
        b = node("b", cluster, pb, pa);

        // A bridge client of node a reaches both platforms by name.
        try (BridgeWire w = new BridgeWire(a.bridgePort())) {
            w.send(BridgeWire.request("smmuref.a.platform.describe", "r1", null, new JsonObject()));
            assertThat(w.read().getJsonObject("body").getString("name")).isEqualTo("a");
            w.send(BridgeWire.request("smmuref.b.platform.describe", "r2", null, new JsonObject()));
            assertThat(w.read().getJsonObject("body").getString("name")).isEqualTo("b");
        }
        // And so does an event-bus client on node b.
        // And so does a typed client on node b's event bus: a context opened on node a from node b.
        SmmurefClient fromB = SmmurefClient.create(b.vertx().eventBus(), "a");
        assertThat(fromB.describe().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
            .getString("name")).isEqualTo("a");
        String ctx = fromB.open().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(ctx).isNotBlank();

        // Node b stops mid-test.
        b.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        b = null;

        try (BridgeWire w = new BridgeWire(a.bridgePort())) {
            long t0 = System.nanoTime();
            JsonObject err = null;
            // Registrations of a node that left are dropped when the member leaves; allow a moment for that.
            for (int i = 0; i < 50; i++) {
                w.send(BridgeWire.request("smmuref.b.platform.describe", "r" + i, null, new JsonObject()));
                err = w.read();
                if (err.getString("type").equals("err")) {
                    break;
                }
                Thread.sleep(100);
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(err.getString("type")).isEqualTo("err");
            assertThat(err.getString("failureType")).isEqualTo("NO_HANDLERS");
            assertThat(err.getString("message")).contains("smmuref.b.platform.describe");
            assertThat(ms).as("a request to a gone node fails fast, not by a timeout").isLessThan(10_000);

            w.send(BridgeWire.request("smmuref.a.platform.describe", "ok", null, new JsonObject()));
            assertThat(w.read().getJsonObject("body").getString("name")).isEqualTo("a");
        }
        Throwable failure = SmmurefClient.create(a.vertx().eventBus(), "b").describe().toCompletionStage().toCompletableFuture().handle((m, e) -> e).get(30, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOf(ReplyException.class);
        assertThat(((ReplyException) failure).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
    }
}
