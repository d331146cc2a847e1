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

    /**
     * This access after the STE's (or GBPA's) attribute overrides (SMMU section 13.1.2): PRIVCFG 0b10 makes it
     * unprivileged, 0b11 privileged; INSTCFG 0b10 makes a read a data read, 0b11 an instruction fetch, and does not
     * apply to writes (which the SMMU treats as data); 0b00 and the reserved 0b01 keep the incoming attribute.
     */
    public Access withOverrides(int privCfg, int instCfg) {
        boolean priv = privCfg == 0b10 ? false : privCfg == 0b11 ? true : privileged;
        boolean inst = write ? instruction : instCfg == 0b10 ? false : instCfg == 0b11 ? true : instruction;
        return priv == privileged && inst == instruction ? this : new Access(write, inst, priv);
    }
}
