package org.smmuref.server;

import io.vertx.core.Deployable;
import java.util.List;

/**
 * The verticles that serve the platform's operations on the event bus, deployed before HTTP and the bridge.
 *
 * @param verticles in deployment order
 */
public record ApiVerticles(List<Deployable> verticles) {
    /** Copies the list. */
    public ApiVerticles {
        verticles = List.copyOf(verticles);
    }
}
