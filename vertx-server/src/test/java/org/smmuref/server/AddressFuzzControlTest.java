package org.smmuref.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smmuref.launcher.Platform;
import org.smmuref.server.api.ApiHeaders;

/** Negative controls of {@link AddressFuzzTest}'s checks: each fails, for its own reason, on a broken server. */
class AddressFuzzControlTest {
    private static SmmurefServer server;

    @BeforeAll
    static void start() throws Exception {
        server = Platform.injector(ServerOptions.ephemeral()).getInstance(SmmurefServer.class);
        server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        // Broken consumers beside the API: one never answers, one fails without an errno name.
        server.vertx().eventBus().consumer("smmuref.broken.hw.silent", m -> { });
        server.vertx().eventBus().consumer("smmuref.broken.hw.sloppy", m -> m.fail(22, "bad input"));
        server.vertx().eventBus().consumer("smmuref.broken.hw.mislabelled", m -> m.fail(22, "EBADF: wrong name"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static AddressFuzzTest.Run run() {
        return new AddressFuzzTest.Run(server, new byte[0]);
    }

    @Test
    void a_request_that_is_never_answered_fails_the_bound() {
        assertThatThrownBy(() -> run().request("smmuref.broken.hw.silent", new JsonObject(), null))
            .isInstanceOf(AssertionError.class).hasMessageContaining("gave no answer within 5000 ms");
    }

    @Test
    void a_failure_without_an_errno_name_or_with_the_wrong_one_fails() {
        assertThatThrownBy(() -> run().request("smmuref.broken.hw.sloppy", new JsonObject(), null))
            .isInstanceOf(AssertionError.class).hasMessageContaining("is E<NAME>: <why>");
        assertThatThrownBy(() -> run().request("smmuref.broken.hw.mislabelled", new JsonObject(), null))
            .isInstanceOf(AssertionError.class).hasMessageContaining("code and name");
    }

    @Test
    void a_missing_handler_fails() {
        assertThatThrownBy(() -> run().request("smmuref.nowhere.hw.nothing", new JsonObject(), null))
            .isInstanceOf(AssertionError.class).hasMessageContaining("NO_HANDLERS");
    }

    @Test
    void a_device_left_bound_by_a_client_that_never_left_makes_the_probe_fail() throws Exception {
        DeliveryOptions d = new DeliveryOptions().addHeader(ApiHeaders.CLIENT, "leaky");
        String ctx = server.vertx().eventBus().<JsonObject>request("smmuref.local.iommufd.open", new JsonObject(), d)
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body().getString("ctx");
        server.vertx().eventBus().request("smmuref.local.vfio.bind", new JsonObject().put("ctx", ctx)
            .put("iommu", 0).put("stream_id", 0xb), d).toCompletionStage().toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
        try {
            assertThatThrownBy(() -> run().probe()).isInstanceOf(AssertionError.class)
                .hasMessageContaining("inconsistent after the input: vfio.bind").hasMessageContaining("EBUSY");
        } finally {
            server.vertx().eventBus().request("smmuref.local.iommufd.close", new JsonObject().put("ctx", ctx), d)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        run().probe(); // and consistent again once the leak is closed
        assertThat(server.vertx()).isNotNull();
    }
}
