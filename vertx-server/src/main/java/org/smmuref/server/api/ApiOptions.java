package org.smmuref.server.api;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Settings of the API verticle.
 *
 * @param node the platform's name in the addresses ({@code [a-z0-9-]+}; the embedded default is {@code local})
 * @param maxBodyBytes the largest request body accepted (encoded size); a bigger one is E2BIG at once
 * @param workerThreads the threads that run requests (contexts in order, DMA concurrently)
 * @param hardwareWrites whether {@code hw.mmio_write} is allowed (it reaches the registers under the driver)
 */
public record ApiOptions(String node, int maxBodyBytes, int workerThreads, boolean hardwareWrites) {
    /** The default body limit: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    /** The default worker count. */
    public static final int DEFAULT_WORKER_THREADS = 4;

    private static final Pattern NODE = Pattern.compile("[a-z0-9-]+");

    /** Validates. */
    public ApiOptions {
        if (node == null || !NODE.matcher(node).matches()) {
            throw new IllegalArgumentException("node must match [a-z0-9-]+, was '" + node + "'");
        }
        if (maxBodyBytes < 256) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 256, was " + maxBodyBytes);
        }
        if (workerThreads < 1 || workerThreads > 256) {
            throw new IllegalArgumentException("workerThreads must be 1..256, was " + workerThreads);
        }
    }

    /** The defaults for the embedded platform {@code local}. */
    public static ApiOptions defaults() {
        return new ApiOptions(ApiAddresses.LOCAL_NODE, DEFAULT_MAX_BODY_BYTES, DEFAULT_WORKER_THREADS, false);
    }

    /**
     * Options from JSON ({@code node}, {@code maxBodyBytes}, {@code workerThreads}, {@code hardwareWrites}); absent
     * keys keep their defaults, an unknown key or a bad value is an IllegalArgumentException naming it.
     */
    public static ApiOptions fromJson(JsonObject json) {
        Set<String> known = Set.of("node", "maxBodyBytes", "workerThreads", "hardwareWrites");
        for (String key : json.fieldNames()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown API option '" + key + "'; known: " + known);
            }
        }
        ApiOptions d = defaults();
        try {
            return new ApiOptions(json.getString("node", d.node()), json.getInteger("maxBodyBytes", d.maxBodyBytes()),
                json.getInteger("workerThreads", d.workerThreads()),
                json.getBoolean("hardwareWrites", d.hardwareWrites()));
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("an API option has the wrong type: " + e.getMessage(), e);
        }
    }

    /** These options as JSON ({@link #fromJson} reads it back). */
    public JsonObject toJson() {
        return new JsonObject().put("node", node).put("maxBodyBytes", maxBodyBytes)
            .put("workerThreads", workerThreads).put("hardwareWrites", hardwareWrites);
    }

    /** These options with another worker count. */
    public ApiOptions withWorkerThreads(int threads) {
        return new ApiOptions(node, maxBodyBytes, threads, hardwareWrites);
    }

    /** These options for another node name. */
    public ApiOptions withNode(String newNode) {
        return new ApiOptions(newNode, maxBodyBytes, workerThreads, hardwareWrites);
    }

    /** These options with another body limit. */
    public ApiOptions withMaxBodyBytes(int bytes) {
        return new ApiOptions(node, bytes, workerThreads, hardwareWrites);
    }

    /** These options with MMIO writes allowed or not. */
    public ApiOptions withHardwareWrites(boolean allowed) {
        return new ApiOptions(node, maxBodyBytes, workerThreads, allowed);
    }
}
