package org.smmuref.smmu.driver;

import org.smmuref.smmu.hw.CommandError;

/**
 * The SMMU refused a command (CMDQ_CONS.ERR with GERROR.CMDQ_ERR), or the queue stopped making progress. The
 * driver has already skipped the command so the queue runs again; the caller must treat the batch as failed.
 */
public final class SmmuCommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient CommandError error;
    private final int failedIndex;

    /**
     * @param error the CERROR code
     * @param failedIndex the position of the refused command in the submitted batch (the CMD_SYNC is the last one)
     */
    public SmmuCommandException(CommandError error, int failedIndex, String message) {
        super(message);
        this.error = error;
        this.failedIndex = failedIndex;
    }

    /** The CERROR code the SMMU reported. */
    public CommandError error() {
        return error;
    }

    /** The index in the submitted batch of the command the SMMU refused. */
    public int failedIndex() {
        return failedIndex;
    }
}
