package org.smmuref.server.inspector;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import jakarta.inject.Inject;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The inspector's HTTP side, under {@code /inspector/}: the page (static files from the jar's {@code inspector/}
 * folder), {@code GET api/state} (one snapshot) and {@code GET api/stream} (server-sent events: a {@code state}
 * event whenever the snapshot changes, a {@code hostevent} per host-kept record). Only GET and HEAD are answered
 * (anything else is 405): nothing here can change the model. The access token check runs before these routes.
 */
public final class InspectorRoutes {
    /** How often an open stream looks for changes. */
    public static final long POLL_MILLIS = 200;

    private final InspectorState state;

    /** Creates the routes over {@code state}. */
    @Inject
    public InspectorRoutes(InspectorState state) {
        this.state = Objects.requireNonNull(state);
    }

    /** Mounts the page and its read-only API on {@code router}. */
    public void mount(Vertx vertx, Router router) {
        router.route("/inspector*").handler(ctx -> {
            HttpMethod m = ctx.request().method();
            if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
                ctx.next();
            } else {
                ctx.response().setStatusCode(405).putHeader("Allow", "GET, HEAD")
                    .end("the inspector is read-only");
            }
        });
        router.get("/inspector/api/state").handler(ctx -> vertx.executeBlocking(state::snapshot)
            .onSuccess(ctx::json).onFailure(ctx::fail));
        router.get("/inspector/api/stream").handler(ctx -> stream(vertx, ctx));
        router.route("/inspector/*").handler(StaticHandler.create("inspector").setCachingEnabled(false));
    }

    private void stream(Vertx vertx, RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
        response.write(": smmuref inspector\n\n");
        AtomicBoolean busy = new AtomicBoolean();
        String[] last = {""};
        int[][] next = {new int[0]};
        long timer = vertx.setPeriodic(0, POLL_MILLIS, id -> {
            if (response.closed() || !busy.compareAndSet(false, true)) {
                return;
            }
            vertx.executeBlocking(() -> poll(last[0], next[0])).onComplete(ar -> {
                busy.set(false);
                if (ar.failed() || response.closed()) {
                    return;
                }
                Poll p = ar.result();
                next[0] = p.next();
                if (!p.snapshot().equals(last[0])) {
                    last[0] = p.snapshot();
                    send(response, "state", p.snapshot());
                }
                for (Object e : p.events()) {
                    send(response, "hostevent", ((JsonObject) e).encode());
                }
            });
        });
        response.closeHandler(v -> vertx.cancelTimer(timer));
        response.exceptionHandler(e -> vertx.cancelTimer(timer));
    }

    private record Poll(String snapshot, JsonArray events, int[] next) {
    }

    private Poll poll(String previous, int[] from) {
        String snapshot = state.snapshot().encode();
        int[] counts = state.eventCounts();
        int[] next = new int[counts.length];
        JsonArray events = new JsonArray();
        for (int i = 0; i < counts.length; i++) {
            int start = i < from.length ? from[i] : 0;
            JsonArray got = counts[i] > start ? state.events(i, start) : new JsonArray();
            events.addAll(got);
            next[i] = start + got.size();
        }
        return new Poll(snapshot, events, next);
    }

    private static void send(HttpServerResponse response, String event, String data) {
        response.write("event: " + event + "\ndata: " + data + "\n\n");
    }
}
