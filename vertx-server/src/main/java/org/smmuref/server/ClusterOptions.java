package org.smmuref.server;

import java.util.List;
import java.util.Objects;

/**
 * How a node joins a Vert.x cluster through Hazelcast: TCP/IP join with fixed members, multicast and auto-detection
 * off, so that it works offline and never finds strangers on the network.
 *
 * @param enabled whether to cluster at all
 * @param host the interface Hazelcast and the clustered event bus bind to
 * @param port Hazelcast's port (0 lets Hazelcast pick from 5701 upwards)
 * @param members the {@code host[:port]} of the other members to join
 * @param clusterName the Hazelcast cluster name; only members with the same name join
 */
public record ClusterOptions(boolean enabled, String host, int port, List<String> members, String clusterName) {
    /** Not clustered. */
    public static final ClusterOptions DISABLED = new ClusterOptions(false, "127.0.0.1", 0, List.of(), "smmuref");

    /** Validates and copies. */
    public ClusterOptions {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("cluster host must be set");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("cluster port must be 0..65535, was " + port);
        }
        members = List.copyOf(members);
        for (String m : members) {
            if (m.isBlank() || m.contains(" ")) {
                throw new IllegalArgumentException("cluster member must be host[:port], was '" + m + "'");
            }
        }
        Objects.requireNonNull(clusterName, "clusterName");
        if (clusterName.isBlank()) {
            throw new IllegalArgumentException("cluster name must be set");
        }
    }

    /** Clustering on loopback with the given Hazelcast port and members. */
    public static ClusterOptions loopback(String clusterName, int port, List<String> members) {
        return new ClusterOptions(true, "127.0.0.1", port, members, clusterName);
    }
}
