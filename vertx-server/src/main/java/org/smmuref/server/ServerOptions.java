package org.smmuref.server;

/**
 * Where the front end listens.
 *
 * @param host the interface for HTTP (health, metrics)
 * @param httpPort the HTTP port; 0 picks a free one
 */
public record ServerOptions(String host, int httpPort) {
    /** Listens on loopback only unless told otherwise. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The default HTTP port of {@code ./smmuref serve}. */
    public static final int DEFAULT_HTTP_PORT = 8090;

    /** Validates the options. */
    public ServerOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must be set");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("httpPort must be 0..65535, was " + httpPort);
        }
    }

    /** The defaults: loopback, port 8090. */
    public static ServerOptions defaults() {
        return new ServerOptions(DEFAULT_HOST, DEFAULT_HTTP_PORT);
    }
}
