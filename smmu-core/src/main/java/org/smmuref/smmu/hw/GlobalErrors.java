package org.smmuref.smmu.hw;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * SMMU_GERROR and SMMU_GERRORN with their toggle protocol (smmuv3.md section 1).
 *
 * <p>An error n is <em>active</em> while GERROR[n] != GERRORN[n]. The SMMU raises an inactive error by toggling
 * GERROR[n]; raising an error that is already active changes nothing. Software acknowledges by toggling GERRORN[n].
 * Toggling GERRORN for an inactive error is CONSTRAINED UNPREDICTABLE in the architecture; this model ignores such
 * toggles so that software cannot activate an error. Listeners run after the state changed, outside the lock.
 */
public final class GlobalErrors {
    /** CMDQ_ERR: the command queue stopped on an error (see CMDQ_CONS.ERR). */
    public static final int CMDQ_ERR = 0;
    /** EVENTQ_ABT_ERR: an external abort writing the event queue. */
    public static final int EVENTQ_ABT_ERR = 2;
    /** PRIQ_ABT_ERR: an external abort writing the PRI queue. */
    public static final int PRIQ_ABT_ERR = 3;
    /** MSI_CMDQ_ABT_ERR: a CMD_SYNC MSI write aborted. */
    public static final int MSI_CMDQ_ABT_ERR = 4;
    /** MSI_EVENTQ_ABT_ERR: an event-queue MSI write aborted. */
    public static final int MSI_EVENTQ_ABT_ERR = 5;
    /** MSI_PRIQ_ABT_ERR: a PRI-queue MSI write aborted. */
    public static final int MSI_PRIQ_ABT_ERR = 6;
    /** MSI_GERROR_ABT_ERR: a GERROR MSI write aborted. */
    public static final int MSI_GERROR_ABT_ERR = 7;
    /** SFM_ERR: the SMMU entered service failure mode. */
    public static final int SFM_ERR = 8;
    /** CMDQP_ERR: an ECMDQ error. */
    public static final int CMDQP_ERR = 9;
    /** DPT_ERR: a DPT lookup error. */
    public static final int DPT_ERR = 10;
    /** Every defined GERROR bit; the rest read as zero. */
    public static final int DEFINED_BITS = 0x7FD;

    private final List<IntConsumer> raiseListeners = new CopyOnWriteArrayList<>();
    private final List<IntConsumer> acknowledgeListeners = new CopyOnWriteArrayList<>();
    private int gerror;
    private int gerrorn;

    /** The GERROR register value. */
    public synchronized int gerror() {
        return gerror;
    }

    /** The GERRORN register value. */
    public synchronized int gerrorn() {
        return gerrorn;
    }

    /** The active errors as a bit mask (GERROR xor GERRORN). */
    public synchronized int active() {
        return gerror ^ gerrorn;
    }

    /** Whether error {@code bit} is active. */
    public boolean isActive(int bit) {
        return (active() & (1 << checkBit(bit))) != 0;
    }

    /**
     * Raises error {@code bit}: toggles GERROR[bit] unless the error is already active.
     *
     * @return whether the error became active now
     */
    public boolean raise(int bit) {
        int mask = 1 << checkBit(bit);
        synchronized (this) {
            if (((gerror ^ gerrorn) & mask) != 0) {
                return false;
            }
            gerror ^= mask;
        }
        raiseListeners.forEach(l -> l.accept(bit));
        return true;
    }

    /**
     * Software writes GERRORN: toggled bits of active errors acknowledge them; other toggles are ignored.
     *
     * @return the mask of errors acknowledged by this write
     */
    public int writeGerrorn(int value) {
        int acknowledged;
        synchronized (this) {
            int toggled = (value ^ gerrorn) & DEFINED_BITS;
            acknowledged = toggled & (gerror ^ gerrorn);
            gerrorn ^= acknowledged;
        }
        if (acknowledged != 0) {
            int mask = acknowledged;
            acknowledgeListeners.forEach(l -> l.accept(mask));
        }
        return acknowledged;
    }

    /** Calls {@code listener} with the bit number each time an error becomes active (for the GERROR interrupt). */
    public void addRaiseListener(IntConsumer listener) {
        raiseListeners.add(listener);
    }

    /** Calls {@code listener} with the mask of errors each GERRORN write acknowledged (the command queue resumes). */
    public void addAcknowledgeListener(IntConsumer listener) {
        acknowledgeListeners.add(listener);
    }

    private static int checkBit(int bit) {
        if (bit < 0 || bit > 31 || ((1 << bit) & DEFINED_BITS) == 0) {
            throw new IllegalArgumentException("GERROR bit " + bit + " is not a defined error");
        }
        return bit;
    }
}
