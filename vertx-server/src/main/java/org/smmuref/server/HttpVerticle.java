package org.smmuref.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import jakarta.inject.Inject;
import java.util.Objects;
import org.smmuref.server.inspector.InspectorRoutes;

/**
 * The HTTP side of the server: {@code GET /health} (liveness and build, also on the event bus at
 * {@link Addresses#HEALTH}) and {@code GET /metrics} (the Prometheus text format of this server's registry). When an
 * access token is set, every HTTP request must carry it ({@code smmuref-token: T} or {@code Authorization: Bearer
 * T}); others get 401. The read-only inspector page is under {@code /inspector/} ({@link InspectorRoutes}); a browser cannot
 * put a header on a page's subresources or on an {@code EventSource}, so there the token may also come as the query
 * parameter {@code token} (answered with an HttpOnly, SameSite=Strict cookie {@code smmuref-token} for
 * {@code /inspector}), or as that cookie.
 */
public final class HttpVerticle extends VerticleBase {
    private final ServerOptions options;
    private final BuildInfo build;
    private final PrometheusMeterRegistry registry;
    private final AccessToken token;
    private final InspectorRoutes inspector;
    private volatile HttpServer http;

    /** Creates the verticle for the given listen options, build and metrics registry. */
    @Inject
    public HttpVerticle(ServerOptions options, BuildInfo build, PrometheusMeterRegistry registry,
                        InspectorRoutes inspector) {
        this.options = Objects.requireNonNull(options);
        this.build = Objects.requireNonNull(build);
        this.registry = Objects.requireNonNull(registry);
        this.token = AccessToken.of(options.token());
        this.inspector = Objects.requireNonNull(inspector);
    }

    @Override
    public Future<?> start() {
        Future<Void> consumer = vertx.eventBus().<JsonObject>consumer(Addresses.HEALTH,
            message -> message.reply(status())).completion();
        Router router = Router.router(vertx);
        router.route().handler(this::authorize);
        router.get("/health").handler(ctx -> ctx.json(status()));
        router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
        inspector.mount(vertx, router);
        return consumer.compose(v -> vertx.createHttpServer()
            .requestHandler(router)
            .listen(options.httpPort(), options.host())
            .onSuccess(server -> http = server));
    }

    private void authorize(RoutingContext ctx) {
        if (!token.required()) {
            ctx.next();
            return;
        }
        String presented = ctx.request().getHeader(AccessToken.HEADER);
        String auth = ctx.request().getHeader("Authorization");
        if (presented == null && auth != null && auth.startsWith("Bearer ")) {
            presented = auth.substring("Bearer ".length());
        }
        boolean inspector = ctx.request().path().startsWith("/inspector");
        boolean fromQuery = false;
        if (presented == null && inspector) {
            Cookie cookie = ctx.request().getCookie(AccessToken.HEADER);
            presented = cookie == null ? null : cookie.getValue();
            if (presented == null) {
                presented = ctx.request().getParam("token");
                fromQuery = presented != null;
            }
        }
        if (token.admits(presented)) {
            if (fromQuery) {
                // The page's own files and its event stream come back with this cookie: they cannot carry a header.
                ctx.response().addCookie(Cookie.cookie(AccessToken.HEADER, presented).setPath("/inspector")
                    .setHttpOnly(true).setSameSite(CookieSameSite.STRICT));
            }
            ctx.next();
        } else {
            ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
                .putHeader("content-type", "application/json")
                .end(new JsonObject().put("error", "EACCES: a valid " + AccessToken.HEADER
                    + " header (or Authorization: Bearer) is required").encode());
        }
    }

    /** The port HTTP actually listens on (useful when the options asked for port 0). */
    public int actualHttpPort() {
        HttpServer server = http;
        if (server == null) {
            throw new IllegalStateException("the HTTP verticle is not started");
        }
        return server.actualPort();
    }

    private JsonObject status() {
        return new JsonObject().put("status", "UP").put("version", build.version()).put("node", options.node());
    }
}
