package org.smmuref.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.inject.Inject;
import java.util.Objects;

/** Answers liveness on the event bus ({@link Addresses#HEALTH}) and over HTTP at {@code GET /health}. */
public final class HealthVerticle extends VerticleBase {
    private final ServerOptions options;
    private final BuildInfo build;
    private volatile HttpServer http;

    /** Creates the verticle for the given listen options and build. */
    @Inject
    public HealthVerticle(ServerOptions options, BuildInfo build) {
        this.options = Objects.requireNonNull(options);
        this.build = Objects.requireNonNull(build);
    }

    @Override
    public Future<?> start() {
        vertx.eventBus().<JsonObject>consumer(Addresses.HEALTH, message -> message.reply(status()));
        Router router = Router.router(vertx);
        router.get("/health").handler(ctx -> ctx.json(status()));
        return vertx.createHttpServer()
            .requestHandler(router)
            .listen(options.httpPort(), options.host())
            .onSuccess(server -> http = server);
    }

    /** The port HTTP actually listens on (useful when the options asked for port 0). */
    public int actualHttpPort() {
        HttpServer server = http;
        if (server == null) {
            throw new IllegalStateException("the health verticle is not started");
        }
        return server.actualPort();
    }

    private JsonObject status() {
        return new JsonObject().put("status", "UP").put("version", build.version());
    }
}
