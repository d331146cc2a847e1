package org.smmuref.server.api;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Runs tasks one after the other, in submission order, on a shared executor: the ordered lane of one context.
 * Different queues run in parallel on the executor's threads; a queue never occupies more than one of them.
 */
final class SerialQueue {
    private final Executor executor;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialQueue(Executor executor) {
        this.executor = Objects.requireNonNull(executor);
    }

    /** Queues {@code task}; it runs after every task submitted before it has finished. */
    void submit(Runnable task) {
        synchronized (this) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        executor.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            // Each task answers its own request and catches its own failures; nothing escapes to stop the lane.
            next.run();
        }
    }
}
