package org.smmuref.server.api;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one after the other, in submission order, on a shared executor: the ordered lane of one context.
 * Different queues run in parallel on the executor's threads; a queue never occupies more than one of them.
 */
final class SerialQueue {
    private static final Logger LOG = LoggerFactory.getLogger(SerialQueue.class);
    private final Executor executor;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialQueue(Executor executor) {
        this.executor = Objects.requireNonNull(executor);
    }

    /**
     * Queues {@code task}; it runs after every task submitted before it has finished.
     *
     * @throws RejectedExecutionException when the executor is shut down (the task is not queued)
     */
    void submit(Runnable task) {
        synchronized (this) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                tasks.remove(task);
                running = false;
            }
            throw e;
        }
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
            // Each task answers its own request; whatever escapes is logged, and the lane goes on with the next.
            try {
                next.run();
            } catch (RuntimeException | Error e) {
                LOG.error("a queued task failed", e);
                if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
                    synchronized (this) {
                        running = false;
                    }
                    throw vme;
                }
            }
        }
    }
}
