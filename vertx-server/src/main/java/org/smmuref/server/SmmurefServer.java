package org.smmuref.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.util.Objects;

/** The running front end: one Vert.x instance with smmuref's verticles deployed on it. */
public final class SmmurefServer {
    private final HealthVerticle health;
    private Vertx vertx;

    /** Creates the server from its verticles. */
    @Inject
    public SmmurefServer(HealthVerticle health) {
        this.health = Objects.requireNonNull(health);
    }

    /** Starts Vert.x and deploys every verticle; completes once all listen. */
    public synchronized Future<SmmurefServer> start() {
        if (vertx != null) {
            return Future.failedFuture(new IllegalStateException("already started"));
        }
        vertx = Vertx.vertx();
        return vertx.deployVerticle(health).map(id -> this);
    }

    /** The HTTP port the health endpoint listens on. */
    public int httpPort() {
        return health.actualHttpPort();
    }

    /** The Vert.x instance the server runs on. */
    public synchronized Vertx vertx() {
        if (vertx == null) {
            throw new IllegalStateException("not started");
        }
        return vertx;
    }

    /** Undeploys everything and closes Vert.x; a no-op when not running. */
    public synchronized Future<Void> stop() {
        if (vertx == null) {
            return Future.succeededFuture();
        }
        Vertx v = vertx;
        vertx = null;
        return v.close();
    }
}
