package org.smmuref.smmu.pgtable;

/** A map or unmap request the page-table builder refuses, with the precise reason. */
public final class PageTableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a request was refused. */
    public enum Reason {
        /** The range overlaps an existing mapping. */
        OVERLAP,
        /** An address or size is not a multiple of the granule's page size. */
        MISALIGNED,
        /** The input range lies outside the table's input size, or the output range outside its output size. */
        OUT_OF_RANGE,
        /** The page allocator has no room for another table. */
        OUT_OF_TABLE_MEMORY
    }

    private final Reason reason;

    /** Creates the exception. */
    public PageTableException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    /** Why the request was refused. */
    public Reason reason() {
        return reason;
    }
}
