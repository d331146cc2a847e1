package org.smmuref.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smmuref.server.api.ApiAddresses;

/**
 * The TCP event-bus bridge: a guard in front of the stock {@code vertx-tcp-eventbus-bridge}.
 *
 * <p>Clients connect to the guard ({@link ServerOptions#bridgePort()}). It reads the 4-byte big-endian length and
 * the payload of each frame itself, checks it ({@link InboundFrames}), answers bad frames with an error frame at
 * once, and forwards good ones, rewritten with the connection's client id, over its own loopback connection to a
 * stock {@link TcpEventBusBridge}. That bridge enforces the address permissions (inbound: the API's request
 * addresses; outbound: event addresses) and does the event-bus work; its replies and events flow back unchanged. The
 * stock bridge only accepts frames that carry this process's random guard secret, so a local process that finds its
 * port cannot bypass the guard. When a client's socket closes, its id goes to the API's client-gone address, which
 * closes every context and VM it owned.
 */
public final class BridgeVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeVerticle.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final ServerOptions options;
    private final InboundFrames frames;
    private final Set<NetSocket> clients = ConcurrentHashMap.newKeySet();
    private TcpEventBusBridge bridge;
    private NetServer guard;
    private NetClient backend;
    private int internalPort;

    /** Creates the bridge for the given listen options (host, port, frame limit, token). */
    @Inject
    public BridgeVerticle(ServerOptions options) {
        this.options = Objects.requireNonNull(options);
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.frames = new InboundFrames(AccessToken.of(options.token()), HexFormat.of().formatHex(secret));
    }

    @Override
    public Future<?> start() {
        BridgeOptions permissions = new BridgeOptions()
            .addInboundPermitted(new PermittedOptions().setAddressRegex(ApiAddresses.INBOUND_REGEX))
            .addOutboundPermitted(new PermittedOptions().setAddressRegex(ApiAddresses.OUTBOUND_REGEX));
        backend = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5_000));
        return listenInternal(permissions, 3).compose(v -> {
            guard = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
            guard.connectHandler(this::accept);
            return guard.listen(options.bridgePort(), options.host());
        });
    }

    /** The stock bridge has no actualPort(): pick a free loopback port, retrying if another process takes it. */
    private Future<Void> listenInternal(BridgeOptions permissions, int attempts) {
        internalPort = freeLoopbackPort();
        bridge = TcpEventBusBridge.create(vertx, permissions, new NetServerOptions().setTcpNoDelay(true),
            this::onBridgeEvent);
        return bridge.listen(internalPort, LOOPBACK).<Void>mapEmpty().recover(e -> attempts > 1
            ? listenInternal(permissions, attempts - 1) : Future.failedFuture(e));
    }

    @Override
    public Future<?> stop() {
        clients.forEach(NetSocket::close);
        Future<Void> g = guard == null ? Future.succeededFuture() : guard.close();
        return g.compose(v -> bridge == null ? Future.succeededFuture() : bridge.close())
            .compose(v -> backend == null ? Future.succeededFuture() : backend.close());
    }

    /** The port the guard listens on (the bridge address clients use). */
    public int actualPort() {
        NetServer g = guard;
        if (g == null) {
            throw new IllegalStateException("the bridge is not started");
        }
        return g.actualPort();
    }

    /** How many client connections are open. */
    public int connections() {
        return clients.size();
    }

    private void onBridgeEvent(BridgeEvent event) {
        BridgeEventType type = event.type();
        try {
            if (type == BridgeEventType.SEND || type == BridgeEventType.PUBLISH
                || type == BridgeEventType.REGISTER || type == BridgeEventType.UNREGISTER) {
                event.complete(frames.admitInternal(event.getRawMessage()));
            } else {
                event.complete(true);
            }
        } catch (RuntimeException e) {
            event.complete(false);
        }
    }

    private void accept(NetSocket client) {
        String id = "bridge-" + UUID.randomUUID();
        clients.add(client);
        client.pause();
        backend.connect(internalPort, LOOPBACK).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("bridge: no connection to the internal bridge: {}", ar.cause().toString());
                write(client, new InboundFrames.Reject("EIO: the bridge is not available", 5, null, true).toFrame()
                    .toBuffer());
                client.close();
                clients.remove(client);
                return;
            }
            new Connection(client, ar.result(), id).start();
        });
    }

    /** One client and its loopback connection to the stock bridge. */
    private final class Connection {
        private final NetSocket client;
        private final NetSocket inner;
        private final String id;
        private final RecordParser parser;
        private boolean expectLength = true;
        private boolean closed;

        Connection(NetSocket client, NetSocket inner, String id) {
            this.client = client;
            this.inner = inner;
            this.id = id;
            this.parser = RecordParser.newFixed(4, this::onRecord);
        }

        void start() {
            inner.handler(b -> {
                client.write(b);
                if (client.writeQueueFull()) {
                    inner.pause();
                    client.drainHandler(v -> inner.resume());
                }
            });
            inner.closeHandler(v -> client.close());
            client.closeHandler(v -> {
                closed = true;
                clients.remove(client);
                inner.close();
                vertx.eventBus().send(ApiAddresses.clientGone(options.node()), id);
            });
            client.exceptionHandler(e -> client.close());
            inner.exceptionHandler(e -> client.close());
            client.handler(parser);
            client.resume();
        }

        private void onRecord(Buffer record) {
            if (closed) {
                return;
            }
            if (expectLength) {
                int length = record.getInt(0);
                if (length <= 0 || length > options.maxFrameBytes()) {
                    refuse(InboundFrames.badLength(length, options.maxFrameBytes()));
                    return;
                }
                expectLength = false;
                parser.fixedSizeMode(length);
                return;
            }
            expectLength = true;
            parser.fixedSizeMode(4);
            InboundFrames.Verdict verdict = frames.check(record, id);
            if (verdict instanceof InboundFrames.Forward f) {
                write(inner, f.frame().toBuffer());
                if (inner.writeQueueFull()) {
                    client.pause();
                    inner.drainHandler(v -> client.resume());
                }
            } else if (verdict instanceof InboundFrames.Pong) {
                write(client, new io.vertx.core.json.JsonObject().put("type", "pong").toBuffer());
            } else if (verdict instanceof InboundFrames.Reject r) {
                refuse(r);
            }
        }

        private void refuse(InboundFrames.Reject r) {
            write(client, r.toFrame().toBuffer());
            if (r.close()) {
                closed = true;
                client.close();
            }
        }
    }

    private static void write(NetSocket socket, Buffer payload) {
        socket.write(Buffer.buffer(payload.length() + 4).appendInt(payload.length()).appendBuffer(payload));
    }

    private static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
