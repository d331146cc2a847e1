package org.smmuref.smmu.hw;

/**
 * Bit masks for the permissions a walk grants, as cached in TLB entries, and the checks against an {@link Access}.
 *
 * <p>Stage 1 keeps privileged and unprivileged read/write/execute separately; context controls that a PE applies at
 * use time (PAN, WXN) are applied by {@link #checkStage1} so that entries may be shared by contexts with the same tags.
 * Stage 2 uses the read/write bits of the privileged set, and two execute bits: privileged ({@link #S2X}) and
 * unprivileged ({@link #S2UX}) execution, which differ only with IDR3.XNX (stage-2 XN[1:0], Arm ARM table D8-78).
 */
public final class Permissions {
    /** Privileged read. */
    public static final int PR = 1;
    /** Privileged write. */
    public static final int PW = 1 << 1;
    /** Privileged execute. */
    public static final int PX = 1 << 2;
    /** Unprivileged read. */
    public static final int UR = 1 << 3;
    /** Unprivileged write. */
    public static final int UW = 1 << 4;
    /** Unprivileged execute. */
    public static final int UX = 1 << 5;
    /** Everything: the permissions of an absent (bypassed) stage. */
    public static final int ALL = PR | PW | PX | UR | UW | UX;
    /** Stage-2 read (S2AP[0]). */
    public static final int S2R = PR;
    /** Stage-2 write (S2AP[1]). */
    public static final int S2W = PW;
    /** Stage-2 execute at EL1 (privileged). */
    public static final int S2X = PX;
    /** Stage-2 execute at EL0 (unprivileged). */
    public static final int S2UX = 1 << 3;
    /** Everything stage 2 can grant. */
    public static final int S2_ALL = S2R | S2W | S2X | S2UX;
    /**
     * Marker in {@code s1Perms} or {@code s2Perms}, not a permission: the leaf is writable-clean under hardware dirty
     * state (DBM = 1 and still read-only), so a write that these permissions refuse must walk again, and the walk then
     * marks the leaf dirty (Arm ARM D8.4.4; SMMU 3.13). A write hit on such an entry never proceeds from the cache.
     */
    public static final int DIRTYABLE = 1 << 6;

    private Permissions() {
    }

    /**
     * Whether stage-1 permissions {@code perms} allow {@code access} in context {@code s1}, applying PAN and WXN.
     * In the single-privilege NS-EL2 regime every access is checked as privileged.
     */
    public static boolean checkStage1(int perms, Stage1Context s1, Access access) {
        boolean twoLevels = s1.world().hasUnprivileged();
        boolean priv = access.privileged() || !twoLevels;
        int r = priv ? PR : UR;
        int w = priv ? PW : UW;
        int x = priv ? PX : UX;
        if (access.instruction()) {
            // WXN: a location writable at the accessing level is never executable there.
            return (perms & x) != 0 && !(s1.wxn() && (perms & w) != 0);
        }
        if (priv && twoLevels && s1.pan() && (perms & UR) != 0) {
            return false; // PAN: privileged data access to memory that EL0 may access
        }
        return (perms & (access.write() ? w : r)) != 0;
    }

    /** Whether stage-2 permissions {@code perms} allow {@code access}; instruction fetches by their privilege. */
    public static boolean checkStage2(int perms, Access access) {
        if (access.instruction()) {
            return (perms & (access.privileged() ? S2X : S2UX)) != 0;
        }
        return (perms & (access.write() ? S2W : S2R)) != 0;
    }
}
