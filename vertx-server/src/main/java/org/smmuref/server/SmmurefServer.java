package org.smmuref.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import jakarta.inject.Inject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * The running front end: one Vert.x instance (standalone or clustered) whose metrics go to this server's own
 * Prometheus registry, with the API, HTTP and TCP-bridge verticles deployed on it in that order (so that nothing is
 * reachable before every consumer is registered) and undeployed in the reverse order.
 */
public final class SmmurefServer {
    private final ServerOptions options;
    private final PrometheusMeterRegistry registry;
    private final List<Deployable> api;
    private final HttpVerticle http;
    private final BridgeVerticle bridge;
    private final Deque<String> deployed = new ArrayDeque<>();
    private Vertx vertx;

    /** Creates the server from its options, its metrics registry and its verticles. */
    @Inject
    public SmmurefServer(ServerOptions options, PrometheusMeterRegistry registry, ApiVerticles api, HttpVerticle http,
                         BridgeVerticle bridge) {
        this.options = Objects.requireNonNull(options);
        this.registry = Objects.requireNonNull(registry);
        this.api = List.copyOf(api.verticles());
        this.http = Objects.requireNonNull(http);
        this.bridge = Objects.requireNonNull(bridge);
    }

    /** Starts Vert.x (joining the cluster if configured) and deploys every verticle; completes once all listen. */
    public synchronized Future<SmmurefServer> start() {
        if (vertx != null) {
            return Future.failedFuture(new IllegalStateException("already started"));
        }
        VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
        Future<Vertx> built;
        if (options.cluster().enabled()) {
            ClusterOptions c = options.cluster();
            VertxOptions vo = new VertxOptions().setEventBusOptions(new EventBusOptions()
                .setHost(c.host()).setClusterPublicHost(c.host()).setPort(0));
            built = builder.with(vo).withClusterManager(new HazelcastClusterManager(ClusterConfig.hazelcast(c)))
                .buildClustered();
        } else {
            built = Future.succeededFuture(builder.build());
        }
        return built.compose(v -> {
            synchronized (this) {
                vertx = v;
            }
            Future<Void> chain = Future.succeededFuture();
            for (Deployable verticle : api) {
                chain = chain.compose(x -> deploy(v, verticle));
            }
            chain = chain.compose(x -> deploy(v, http));
            if (options.bridgePort() != ServerOptions.NO_BRIDGE) {
                chain = chain.compose(x -> deploy(v, bridge));
            }
            return chain.recover(e -> stop().transform(x -> Future.failedFuture(e)));
        }).map(x -> this);
    }

    private Future<Void> deploy(Vertx v, Deployable verticle) {
        return v.deployVerticle(verticle).map(id -> {
            synchronized (this) {
                deployed.push(id);
            }
            return null;
        });
    }

    /** The node name this server's platform answers under. */
    public String node() {
        return options.node();
    }

    /** The HTTP port health and metrics listen on. */
    public int httpPort() {
        return http.actualHttpPort();
    }

    /** The TCP bridge port. */
    public int bridgePort() {
        if (options.bridgePort() == ServerOptions.NO_BRIDGE) {
            throw new IllegalStateException("this server runs no bridge");
        }
        return bridge.actualPort();
    }

    /** The interface the server listens on. */
    public String host() {
        return options.host();
    }

    /** The Vert.x instance the server runs on. */
    public synchronized Vertx vertx() {
        if (vertx == null) {
            throw new IllegalStateException("not started");
        }
        return vertx;
    }

    /**
     * Undeploys every verticle in the reverse order (the bridge closes its connections, the API unregisters its
     * consumers, so that a cluster learns at once that this node's addresses are gone), then closes Vert.x, which
     * leaves the cluster. A no-op when not running.
     */
    public synchronized Future<Void> stop() {
        if (vertx == null) {
            return Future.succeededFuture();
        }
        Vertx v = vertx;
        vertx = null;
        Future<Void> chain = Future.succeededFuture();
        while (!deployed.isEmpty()) {
            String id = deployed.pop();
            chain = chain.compose(x -> v.undeploy(id).recover(e -> Future.succeededFuture()));
        }
        return chain.eventually(() -> v.close());
    }
}
