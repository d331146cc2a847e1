package org.smmuref.server;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where and how the front end listens: the platform's node name, the interface, the HTTP and TCP-bridge ports, the
 * bridge's frame limit, the optional access token and the cluster settings.
 *
 * @param node the platform's name in every address ({@code [a-z0-9-]+}; the embedded default is {@code local})
 * @param host the interface for HTTP and the bridge
 * @param httpPort the HTTP port (health, metrics); 0 picks a free one
 * @param bridgePort the TCP event-bus bridge port; 0 picks a free one; -1 runs no bridge
 * @param maxFrameBytes the largest bridge frame payload accepted (bytes after the 4-byte length)
 * @param token the access token every HTTP request and bridge frame must carry, if any
 * @param cluster the cluster settings (disabled for a standalone server)
 */
public record ServerOptions(String node, String host, int httpPort, int bridgePort, int maxFrameBytes,
                            Optional<String> token, ClusterOptions cluster) {
    /** The name of the embedded default platform. */
    public static final String DEFAULT_NODE = "local";
    /** Listens on loopback only unless told otherwise. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The default HTTP port of {@code ./smmuref serve}. */
    public static final int DEFAULT_HTTP_PORT = 8090;
    /** The default TCP bridge port of {@code ./smmuref serve}. */
    public static final int DEFAULT_BRIDGE_PORT = 7000;
    /** No bridge at all (embedded use, some tests). */
    public static final int NO_BRIDGE = -1;
    /** The default largest bridge frame: 1 MiB, far above any struct plus inline arrays. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
    /** What a node name looks like (it is one segment of every address). */
    public static final Pattern NODE_NAME = Pattern.compile("[a-z0-9-]+");

    /** Validates the options. */
    public ServerOptions {
        Objects.requireNonNull(node, "node");
        if (!NODE_NAME.matcher(node).matches()) {
            throw new IllegalArgumentException("node name must match [a-z0-9-]+, was '" + node + "'");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must be set");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("httpPort must be 0..65535, was " + httpPort);
        }
        if (bridgePort < NO_BRIDGE || bridgePort > 65535) {
            throw new IllegalArgumentException("bridgePort must be 0..65535 (or -1 for none), was " + bridgePort);
        }
        if (maxFrameBytes < 256 || maxFrameBytes > (64 << 20)) {
            throw new IllegalArgumentException("maxFrameBytes must be 256..67108864, was " + maxFrameBytes);
        }
        Objects.requireNonNull(token, "token");
        if (token.isPresent() && token.get().isBlank()) {
            throw new IllegalArgumentException("an access token must not be blank");
        }
        Objects.requireNonNull(cluster, "cluster");
    }

    /** The defaults: node {@code local}, loopback, HTTP 8090, bridge 7000, 1 MiB frames, no token, no cluster. */
    public static ServerOptions defaults() {
        return new ServerOptions(DEFAULT_NODE, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_BRIDGE_PORT,
            DEFAULT_MAX_FRAME_BYTES, Optional.empty(), ClusterOptions.DISABLED);
    }

    /** Loopback with free ports for HTTP and the bridge: what tests start. */
    public static ServerOptions ephemeral() {
        return defaults().withHttpPort(0).withBridgePort(0);
    }

    /** A copy with another node name. */
    public ServerOptions withNode(String n) {
        return new ServerOptions(n, host, httpPort, bridgePort, maxFrameBytes, token, cluster);
    }

    /** A copy listening on another interface. */
    public ServerOptions withHost(String h) {
        return new ServerOptions(node, h, httpPort, bridgePort, maxFrameBytes, token, cluster);
    }

    /** A copy with another HTTP port. */
    public ServerOptions withHttpPort(int p) {
        return new ServerOptions(node, host, p, bridgePort, maxFrameBytes, token, cluster);
    }

    /** A copy with another bridge port. */
    public ServerOptions withBridgePort(int p) {
        return new ServerOptions(node, host, httpPort, p, maxFrameBytes, token, cluster);
    }

    /** A copy with another frame limit. */
    public ServerOptions withMaxFrameBytes(int m) {
        return new ServerOptions(node, host, httpPort, bridgePort, m, token, cluster);
    }

    /** A copy requiring {@code t} on every request. */
    public ServerOptions withToken(String t) {
        return new ServerOptions(node, host, httpPort, bridgePort, maxFrameBytes, Optional.of(t), cluster);
    }

    /** A copy with other cluster settings. */
    public ServerOptions withCluster(ClusterOptions c) {
        return new ServerOptions(node, host, httpPort, bridgePort, maxFrameBytes, token, c);
    }

    @Override
    public String toString() {
        // Never print the token itself.
        return "ServerOptions[node=" + node + ", host=" + host + ", httpPort=" + httpPort + ", bridgePort="
            + bridgePort + ", maxFrameBytes=" + maxFrameBytes + ", token=" + (token.isPresent() ? "set" : "none")
            + ", cluster=" + cluster + "]";
    }
}
