package org.smmuref.smmu.hw;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The non-secure event queue: EVENTQ_BASE, EVENTQ_PROD (WR, OVFLG) and EVENTQ_CONS (RD, OVACKFLG), written by the
 * SMMU (smmuv3.md sections 1 and 5).
 *
 * <p>A record goes to the entry at PROD and PROD advances. No record is lost silently:
 * <ul>
 *   <li>queue full: the record is lost and PROD.OVFLG toggles, once per overflow episode; the episode lasts until
 *       software makes CONS.OVACKFLG equal to OVFLG. A record of a <em>stalled</em> transaction is instead held and
 *       written as soon as software frees an entry;</li>
 *   <li>EVENTQEN = 0: the record is discarded without touching OVFLG (the architecture's rule);</li>
 *   <li>an external abort writing the entry: GERROR.EVENTQ_ABT_ERR is raised and the record is lost.</li>
 * </ul>
 * Merging (STE.MEV): when the caller allows it and the newest unconsumed entry is identical apart from
 * InputAddr[11:0] (and neither is stalled), the new record is merged into it instead of being written.
 *
 * <p>Listeners and the interrupt callback run after each written record, outside the queue's lock. LOG2SIZE above
 * IDR1.EVENTQS acts as IDR1.EVENTQS.
 */
public final class EventQueue {
    /** EVENTQ_BASE.WA, the write-allocate hint. */
    public static final long BASE_WA = 1L << 62;
    /** EVENTQ_BASE.ADDR[55:5]. */
    public static final long BASE_ADDR_MASK = Bits.range(55, 5);
    /** EVENTQ_BASE.LOG2SIZE[4:0]. */
    public static final long BASE_LOG2SIZE_MASK = 0x1F;
    /** EVENTQ_PROD.WR and EVENTQ_CONS.RD, bits [19:0]. */
    public static final int INDEX_MASK = 0xF_FFFF;
    /** EVENTQ_PROD.OVFLG and EVENTQ_CONS.OVACKFLG, bit 31. */
    public static final int OVERFLOW_FLAG = 1 << 31;

    /** What happened to one record handed to {@link #record}. */
    public enum Outcome {
        /** Written to the queue at the old PROD. */
        WRITTEN,
        /** Merged into the newest unconsumed identical record (STE.MEV). */
        MERGED,
        /** Discarded because EVENTQEN = 0. */
        DISCARDED,
        /** Lost because the queue was full; OVFLG reports it. */
        LOST,
        /** Lost because writing the entry aborted; GERROR.EVENTQ_ABT_ERR reports it. */
        ABORTED,
        /** A stalled transaction's record, held until the full queue has room. */
        HELD
    }

    /** Told about every record written to the queue. */
    @FunctionalInterface
    public interface Listener {
        /** {@code record} is now visible in the queue. */
        void eventWritten(EventRecord record);
    }

    private final PhysicalMemory memory;
    private final SmmuFeatures features;
    private final GlobalErrors errors;
    private final Runnable interrupt;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Deque<EventRecord> heldStalls = new ArrayDeque<>();

    private long base;
    private int prod;
    private int cons;
    private boolean enabled;
    private EventRecord newest; // the record at PROD - 1 while it may still be merged into
    private long lost;

    /**
     * Creates a disabled, empty queue.
     *
     * @param features IDR1.EVENTQS bounds LOG2SIZE
     * @param errors where EVENTQ_ABT_ERR is raised
     * @param interrupt called after records are written (normally signals the EVENTQ interrupt if IRQ_CTRL enables
     *     it)
     */
    public EventQueue(PhysicalMemory memory, SmmuFeatures features, GlobalErrors errors, Runnable interrupt) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.features = Objects.requireNonNull(features, "features");
        this.errors = Objects.requireNonNull(errors, "errors");
        this.interrupt = Objects.requireNonNull(interrupt, "interrupt");
    }

    /** Registers a listener told about every written record. */
    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener. */
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** EVENTQ_BASE as written. */
    public synchronized long base() {
        return base;
    }

    /**
     * Writes EVENTQ_BASE; ignored while the queue is enabled.
     *
     * @return whether the write took effect
     */
    public synchronized boolean writeBase(long value) {
        if (enabled) {
            return false;
        }
        base = value & (BASE_WA | BASE_ADDR_MASK | BASE_LOG2SIZE_MASK);
        newest = null;
        return true;
    }

    /** The queue's base address (EVENTQ_BASE.ADDR). */
    public synchronized long baseAddress() {
        return base & BASE_ADDR_MASK;
    }

    /** The effective log2 of the number of entries: LOG2SIZE capped at IDR1.EVENTQS. */
    public synchronized int log2Size() {
        return (int) Math.min(base & BASE_LOG2SIZE_MASK, features.eventqs());
    }

    /** EVENTQ_PROD (WR and OVFLG). */
    public synchronized int prod() {
        return prod;
    }

    /** EVENTQ_CONS (RD and OVACKFLG). */
    public synchronized int cons() {
        return cons;
    }

    /** Whether EVENTQEN is set. */
    public synchronized boolean enabled() {
        return enabled;
    }

    /** Whether an overflow episode is unacknowledged (PROD.OVFLG != CONS.OVACKFLG). */
    public synchronized boolean overflowPending() {
        return ((prod ^ cons) & OVERFLOW_FLAG) != 0;
    }

    /** How many records were lost to overflow or aborts since creation (a diagnostic; software sees OVFLG). */
    public synchronized long lostRecords() {
        return lost;
    }

    /**
     * Software writes EVENTQ_PROD.WR to initialise the queue; only while it is disabled (OVFLG stays the SMMU's).
     *
     * @return whether the write took effect
     */
    public synchronized boolean writeProd(int value) {
        if (enabled) {
            return false;
        }
        prod = (prod & OVERFLOW_FLAG) | (value & INDEX_MASK);
        newest = null;
        return true;
    }

    /** Software writes EVENTQ_CONS (RD and OVACKFLG); freed entries let held stalled records in. */
    public void writeCons(int value) {
        List<EventRecord> written;
        synchronized (this) {
            cons = value & (INDEX_MASK | OVERFLOW_FLAG);
            if (isEmpty()) {
                newest = null; // software consumed it: nothing left to merge into
            }
            written = new ArrayList<>();
            while (!heldStalls.isEmpty() && enabled && !isFull()) {
                EventRecord r = heldStalls.poll();
                if (writeEntry(r)) {
                    written.add(r);
                }
            }
        }
        notifyWritten(written);
    }

    /** CR0.EVENTQEN. Disabling drops held stalled records (their transactions are terminated by the disable). */
    public synchronized void setEnabled(boolean on) {
        enabled = on;
        if (!on) {
            heldStalls.clear();
        }
    }

    /** Whether no unconsumed record is in the queue. */
    public synchronized boolean isEmpty() {
        return ((prod ^ cons) & (int) Bits.mask(log2Size() + 1)) == 0;
    }

    /** Whether the queue is full (indices equal, wrap bits different). */
    public synchronized boolean isFull() {
        int s = log2Size();
        return ((prod ^ cons) & (int) Bits.mask(s + 1)) == 1 << s;
    }

    /** Records {@code record} without merging. */
    public Outcome record(EventRecord record) {
        return record(record, false);
    }

    /**
     * Records {@code record}.
     *
     * @param mergeAllowed whether the stream's STE.MEV allows merging it into an identical newest record
     */
    public Outcome record(EventRecord record, boolean mergeAllowed) {
        Objects.requireNonNull(record, "record");
        Outcome outcome;
        synchronized (this) {
            outcome = place(record, mergeAllowed);
        }
        if (outcome == Outcome.WRITTEN) {
            notifyWritten(List.of(record));
        }
        return outcome;
    }

    private Outcome place(EventRecord record, boolean mergeAllowed) {
        if (!enabled) {
            return Outcome.DISCARDED;
        }
        if (mergeAllowed && newest != null && !isEmpty() && newest.mergeableWith(record)) {
            return Outcome.MERGED;
        }
        if (isFull() || (record.stall() && !heldStalls.isEmpty())) {
            if (record.stall()) {
                heldStalls.add(record); // kept in order behind earlier held stalls
                return Outcome.HELD;
            }
            lost++;
            if (!overflowPending()) {
                prod ^= OVERFLOW_FLAG; // a new overflow episode
            }
            return Outcome.LOST;
        }
        return writeEntry(record) ? Outcome.WRITTEN : Outcome.ABORTED;
    }

    /** Writes the record at PROD and advances PROD; on an abort raises EVENTQ_ABT_ERR and leaves PROD alone. */
    private boolean writeEntry(EventRecord record) {
        int s = log2Size();
        long address = baseAddress() + (long) (prod & (int) Bits.mask(s)) * EventRecord.BYTES;
        try {
            memory.writeLongs(address, record.encode());
        } catch (ExternalAbortException e) {
            lost++;
            errors.raise(GlobalErrors.EVENTQ_ABT_ERR);
            return false;
        }
        int m = (int) Bits.mask(s + 1);
        prod = (prod & ~m) | ((prod + 1) & m);
        newest = record;
        return true;
    }

    private void notifyWritten(List<EventRecord> written) {
        if (written.isEmpty()) {
            return;
        }
        for (EventRecord r : written) {
            listeners.forEach(l -> l.eventWritten(r));
        }
        interrupt.run();
    }
}
