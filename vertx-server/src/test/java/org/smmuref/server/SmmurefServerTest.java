package org.smmuref.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.smmuref.client.SmmurefClient;
import org.smmuref.launcher.Platform;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SmmurefServerTest {
    private SmmurefServer server;
    private com.google.inject.Injector injector;

    private void start(ServerOptions options) throws Exception {
        injector = Platform.injector(options);
        server = injector.getInstance(SmmurefServer.class);
        server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private HttpResponse<Buffer> get(String path, String header, String value) throws Exception {
        var request = WebClient.create(server.vertx()).request(HttpMethod.GET, server.httpPort(), "127.0.0.1", path);
        if (header != null) {
            request.putHeader(header, value);
        }
        return request.send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void health_answers_over_http_and_on_the_event_bus() throws Exception {
        start(ServerOptions.ephemeral());
        JsonObject body = get("/health", null, null).bodyAsJsonObject();
        assertThat(body.getString("status")).isEqualTo("UP");
        assertThat(body.getString("node")).isEqualTo("local");
        JsonObject bus = server.vertx().eventBus().<JsonObject>request(Addresses.HEALTH, new JsonObject())
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
        assertThat(bus.getString("status")).isEqualTo("UP");
    }

    @Test
    void metrics_are_in_the_prometheus_format_with_request_latency_histograms() throws Exception {
        start(ServerOptions.ephemeral().withNode("m1"));
        // What the API records per request (the contract's timer name): a histogram must come out.
        Timer.builder("smmuref.requests").tag("op", "iommufd.open").register(injector.getInstance(MeterRegistry.class))
            .record(3, TimeUnit.MILLISECONDS);
        HttpResponse<Buffer> r = get("/metrics", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        String text = r.bodyAsString();
        assertThat(text).contains("# TYPE smmuref_requests_seconds histogram");
        assertThat(text).containsPattern("smmuref_requests_seconds_bucket\\{[^}]*op=\"iommufd.open\"");
        assertThat(text).contains("node=\"m1\"");
        // Vert.x's own metrics, the API's counters and the platform's TLB meters go to the same registry.
        assertThat(text).contains("vertx_http_server_", "smmuref_dma_translations_total",
            "smmuref_events_published_total", "smmuref_events_lost_total");
        assertThat(text).containsPattern("smmuref_tlb_hits_total\\{[^}]*iommu=\"0\"");
        assertThat(text).containsPattern("smmuref_tlb_hit_ratio\\{[^}]*iommu=\"0\"");
    }

    @Test
    void real_requests_show_up_by_operation_and_failures_by_errno() throws Exception {
        start(ServerOptions.ephemeral());
        SmmurefClient client = SmmurefClient.create(server.vertx().eventBus(), "local");
        String ctx = client.open().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        client.close(ctx).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        Throwable again = client.close(ctx).toCompletionStage().toCompletableFuture().handle((v, e) -> e)
            .get(30, TimeUnit.SECONDS);
        assertThat(again).hasMessageStartingWith("EBADF");
        String text = get("/metrics", null, null).bodyAsString();
        assertThat(text).containsPattern("smmuref_requests_seconds_count\\{[^}]*op=\"iommufd.open\"[^}]*} 1(\\.0)?\n");
        assertThat(text).containsPattern("smmuref_requests_seconds_bucket\\{[^}]*op=\"iommufd.close\"");
        assertThat(text).containsPattern(
            "smmuref_failures_total\\{[^}]*errno=\"EBADF\"[^}]*op=\"iommufd.close\"[^}]*} 1(\\.0)?\n");
    }

    @Test
    void with_a_token_every_http_request_needs_it() throws Exception {
        start(ServerOptions.ephemeral().withToken("tok"));
        assertThat(get("/health", null, null).statusCode()).isEqualTo(401);
        assertThat(get("/metrics", null, null).statusCode()).isEqualTo(401);
        assertThat(get("/health", AccessToken.HEADER, "wrong").statusCode()).isEqualTo(401);
        assertThat(get("/health", AccessToken.HEADER, "tok").statusCode()).isEqualTo(200);
        assertThat(get("/metrics", "Authorization", "Bearer tok").statusCode()).isEqualTo(200);
    }

    @Test
    void a_second_start_is_refused() throws Exception {
        start(ServerOptions.ephemeral());
        assertThat(server.start().failed()).isTrue();
    }

    @Test
    void a_port_in_use_fails_the_start_and_leaves_nothing_running() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
            java.net.InetAddress.getByName("127.0.0.1"))) {
            SmmurefServer s = Platform.injector(ServerOptions.ephemeral().withBridgePort(taken.getLocalPort()))
                .getInstance(SmmurefServer.class);
            assertThatThrownBy(() -> s.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS))
                .hasMessageContaining("Address already in use");
            assertThatThrownBy(s::vertx).hasMessageContaining("not started");
        }
    }

    @Test
    void options_reject_bad_values_with_clear_messages() {
        assertThatThrownBy(() -> ServerOptions.ephemeral().withHttpPort(70000))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("httpPort must be 0..65535");
        assertThatThrownBy(() -> ServerOptions.ephemeral().withNode("Bad.Name"))
            .hasMessageContaining("node name must match [a-z0-9-]+");
        assertThatThrownBy(() -> ServerOptions.ephemeral().withToken(" "))
            .hasMessageContaining("must not be blank");
        assertThat(ServerOptions.ephemeral().withToken("secret").toString()).doesNotContain("secret");
    }
}
