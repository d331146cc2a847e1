package org.smmuref.server;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/** Builds the Hazelcast configuration of a node: offline-safe, TCP/IP join with the configured members only. */
final class ClusterConfig {
    private ClusterConfig() {
    }

    /** Vert.x's structures (from vertx-hazelcast's default) with networking pinned to {@code cluster}'s settings. */
    static Config hazelcast(ClusterOptions cluster) {
        Config config = ConfigUtil.loadConfig();
        config.setClusterName(cluster.clusterName());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.logging.type", "slf4j");
        // A member that leaves gracefully is gone at once; one that vanishes is declared dead within seconds.
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        NetworkConfig network = config.getNetworkConfig();
        if (cluster.port() > 0) {
            network.setPort(cluster.port()).setPortAutoIncrement(false);
        }
        network.getInterfaces().setEnabled(true).addInterface(cluster.host());
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members().isEmpty()
            ? java.util.List.of(cluster.host()) : cluster.members());
        return config;
    }
}
