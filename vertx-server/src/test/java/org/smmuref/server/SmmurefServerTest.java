package org.smmuref.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SmmurefServerTest {
    private SmmurefServer server;

    @BeforeEach
    void start() throws Exception {
        server = new SmmurefServer(new HealthVerticle(new ServerOptions("127.0.0.1", 0), new BuildInfo("test")));
        server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void health_answers_over_http() throws Exception {
        WebClient client = WebClient.create(server.vertx());
        JsonObject body = client.get(server.httpPort(), "127.0.0.1", "/health").send()
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).bodyAsJsonObject();
        assertThat(body.getString("status")).isEqualTo("UP");
        assertThat(body.getString("version")).isEqualTo("test");
    }

    @Test
    void health_answers_on_the_event_bus() throws Exception {
        JsonObject body = server.vertx().eventBus().<JsonObject>request(Addresses.HEALTH, new JsonObject())
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
        assertThat(body.getString("status")).isEqualTo("UP");
    }

    @Test
    void a_second_start_is_refused() throws Exception {
        assertThat(server.start().failed()).isTrue();
    }

    @Test
    void options_reject_bad_ports() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ServerOptions("127.0.0.1", 70000))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("httpPort");
    }
}
