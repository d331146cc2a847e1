package org.smmuref.smmu.hw;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The memory accesses of DMA transfers in flight, so that a CMD_SYNC (and the completion of a BTM broadcast) can wait
 * for the ones that started before it (SMMU section 4.7.3 / 3.21: a SYNC completes only once the transactions that
 * used invalidated entries are globally observed).
 *
 * <p>An epoch with two generations of counters, in the manner of a seqlock: an access increments the counter of the
 * current epoch's parity (striped by StreamID, each stripe on its own cache lines, so that devices do not share a
 * line), re-reads the epoch and backs out if it moved; {@link #await} advances the epoch and waits until every
 * counter of the previous parity reads zero. An access that enters after the advance is not waited for: it entered
 * after the invalidations that preceded the SYNC, and its caller re-checks the invalidation epoch it translated under
 * once inside (see {@link Smmu#transfer}). The access path takes no lock: two atomic counter updates and two volatile
 * reads. Waits are serialized; accesses never wait.
 */
final class InFlightDma {
    private static final int STRIPES = 16;
    private static final int PAD = 16; // longs per stripe: 128 bytes, two cache lines (adjacent-line prefetch)
    private final AtomicLongArray counts = new AtomicLongArray(2 * STRIPES * PAD);
    private volatile long epoch;
    private final Object waiters = new Object();

    /** Marks an access of {@code streamId} as in flight; returns the token to pass to {@link #exit}. */
    int enter(int streamId) {
        while (true) {
            long e = epoch;
            int index = (((int) e & 1) * STRIPES + (streamId & (STRIPES - 1))) * PAD;
            counts.getAndIncrement(index);
            if (epoch == e) {
                return index;
            }
            counts.getAndDecrement(index); // a SYNC advanced the epoch meanwhile: count under the new one
        }
    }

    /** Marks the access of {@code token} as complete (globally observed). */
    void exit(int token) {
        counts.getAndDecrement(token);
    }

    /** Waits until every access that entered before this call has exited. */
    void await() {
        synchronized (waiters) {
            long e = epoch;
            epoch = e + 1;
            int base = ((int) e & 1) * STRIPES * PAD;
            for (int s = 0; s < STRIPES; s++) {
                int index = base + s * PAD;
                for (int spins = 0; counts.get(index) != 0; spins++) {
                    // Accesses are one page copy long; yield once spinning has not sufficed.
                    if (spins < 1000) {
                        Thread.onSpinWait();
                    } else {
                        Thread.yield();
                    }
                }
            }
        }
    }
}
