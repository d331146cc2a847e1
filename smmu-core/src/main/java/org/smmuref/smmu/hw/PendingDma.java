package org.smmuref.smmu.hw;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A device's handle on one transaction through a stall-capable DMA port ({@link Smmu#translateStallable}): complete at
 * once, or stalled by the SMMU (SMMU 3.12.2) until software answers with CMD_RESUME (retry or abort) or
 * CMD_STALL_TERM. The device waits with a bound, so no caller can hang on a stall nobody answers.
 */
public final class PendingDma {
    private final CompletableFuture<DmaOutcome> outcome = new CompletableFuture<>();
    private volatile int stag = -1;
    private volatile int stalls;

    PendingDma() {
    }

    /** Whether the transaction has completed (translated, bypassed, terminated or aborted). */
    public boolean isDone() {
        return outcome.isDone();
    }

    /** The STAG of the current stall, or -1 when the transaction is not (or no longer) stalled. */
    public int stag() {
        return outcome.isDone() ? -1 : stag;
    }

    /** How many times the SMMU stalled this transaction (a retried transaction that faults again stalls again). */
    public int stallCount() {
        return stalls;
    }

    /** The outcome, waiting at most {@code timeout}; null when the transaction is still stalled then. */
    public DmaOutcome await(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            return outcome.get(timeout, unit);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a stalled transaction failed inside the model", e.getCause());
        }
    }

    /** The outcome if the transaction is done, else null; never waits. */
    public DmaOutcome outcomeNow() {
        return outcome.getNow(null);
    }

    void stalled(int tag) {
        stag = tag;
        stalls++;
    }

    void complete(DmaOutcome o) {
        stag = -1;
        outcome.complete(o);
    }

    void fail(Throwable t) {
        outcome.completeExceptionally(t);
    }
}
