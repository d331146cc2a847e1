package org.smmuref.smmu.hw;

/**
 * An access to a physical address that no memory answers: the model of an external abort.
 *
 * <p>The walker turns it into F_WALK_EABT, the stream-table and CD fetches into F_STE_FETCH / F_CD_FETCH and the
 * command queue into CERROR_ABT. It carries no stack trace because it is an expected, architectural outcome.
 */
public final class ExternalAbortException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long address;

    /** Creates the abort for an access at {@code address}. */
    public ExternalAbortException(long address) {
        super(String.format("external abort at PA 0x%x", address), null, false, false);
        this.address = address;
    }

    /** The physical address whose access aborted. */
    public long address() {
        return address;
    }
}
