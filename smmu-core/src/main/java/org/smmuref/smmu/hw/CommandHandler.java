package org.smmuref.smmu.hw;

/**
 * What the command queue does with each legal command: implemented by the SMMU integration (configuration cache,
 * TLB, ATC, PRI, stall handling).
 *
 * <p>Effects may be applied when the command is handed over or deferred, but every effect of a command must be
 * complete when {@link #sync()} returns for a later CMD_SYNC: that is the only completion point software can see.
 */
public interface CommandHandler {

    /** The outcome of completing a CMD_SYNC. */
    enum SyncOutcome {
        /** Every earlier command completed. */
        COMPLETE,
        /** An ATS invalidation issued before the SYNC timed out: the queue stops with CERROR_ATC_INV_SYNC. */
        ATC_INV_TIMEOUT
    }

    /** A prefetch hint; doing nothing is a correct implementation. */
    default void prefetch(Command.Prefetch command) {
    }

    /** CFGI_*: drop cached configuration (STE, L1STD, CD, L1CD, VMS) in the command's scope. */
    void invalidateConfig(Command.ConfigInvalidation command);

    /** TLBI_*: drop TLB entries in the scope of {@code invalidation} (smmuv3.md section 7.2). */
    void invalidateTlb(TlbInvalidation invalidation);

    /** ATC_INV: send an ATS invalidation to the endpoint. */
    void invalidateAtc(Command.AtcInv command);

    /** PRI_RESP: answer a page request group. */
    void respondToPageRequest(Command.PriResp command);

    /** RESUME: retry or terminate one stalled transaction. */
    void resume(Command.Resume command);

    /** STALL_TERM: terminate every stalled transaction of the StreamID. */
    void terminateStalls(Command.StallTerm command);

    /** CMD_SYNC: complete every effect of the commands handed over before it, then return. */
    SyncOutcome sync();
}
