package org.smmuref.iommufd.platform;

/**
 * The kind of a device access.
 *
 * @param write a write (else a read)
 * @param instruction an instruction fetch
 * @param privileged a privileged access
 */
public record DmaAccess(boolean write, boolean instruction, boolean privileged) {
    /** An unprivileged data read. */
    public static final DmaAccess READ = new DmaAccess(false, false, false);
    /** An unprivileged data write. */
    public static final DmaAccess WRITE = new DmaAccess(true, false, false);
}
