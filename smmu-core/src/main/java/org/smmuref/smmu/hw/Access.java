package org.smmuref.smmu.hw;

/**
 * The attributes of one incoming transaction that matter for translation and for event records.
 *
 * @param write {@code true} for a write (event RnW=0), {@code false} for a read (RnW=1)
 * @param instruction instruction fetch (event InD=1) rather than data
 * @param privileged privileged access (event PnU=1) rather than unprivileged
 */
public record Access(boolean write, boolean instruction, boolean privileged) {
    /** An unprivileged data read, the most common DMA access. */
    public static final Access READ = new Access(false, false, false);
    /** An unprivileged data write. */
    public static final Access WRITE = new Access(true, false, false);
    /** A privileged data read. */
    public static final Access PRIV_READ = new Access(false, false, true);
    /** A privileged data write. */
    public static final Access PRIV_WRITE = new Access(true, false, true);
    /** An unprivileged instruction fetch. */
    public static final Access EXEC = new Access(false, true, false);
}
