package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.smmuref.smmu.hw.CommandError;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.GlobalErrors;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.SmmuRegisters;

/**
 * The driver side of the command queue: writes 16-byte commands at PROD in memory, publishes PROD through MMIO, ends
 * every submission with a CMD_SYNC and waits for CONS to pass it. A command the SMMU refuses (GERROR.CMDQ_ERR with
 * CMDQ_CONS.ERR) is replaced by a CMD_SYNC, the error is acknowledged through GERRORN so the queue runs on, and the
 * submission fails with a {@link SmmuCommandException} naming the command: an error is never swallowed.
 */
public final class CommandQueueDriver {
    private static final int ERR_MASK = 0x7F;
    /** How often CONS is polled without progress before the queue counts as stuck (no sleeping in the model). */
    private static final int MAX_IDLE_POLLS = 1000;

    /** Sees every command the driver submits, in order, before it is published (a trace for tests and tools). */
    @FunctionalInterface
    public interface Listener {
        /** One command (two dwords) about to be written to the queue. */
        void issued(long[] command);
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final SmmuMmio mmio;
    private final PhysicalMemory memory;
    private final long base;
    private final int log2Size;
    private int prod;
    private long submissions;
    private long commands;

    /** A queue of 2^{@code log2Size} entries at {@code base}, already programmed into CMDQ_BASE with PROD = CONS = 0. */
    CommandQueueDriver(SmmuMmio mmio, PhysicalMemory memory, long base, int log2Size) {
        this.mmio = Objects.requireNonNull(mmio);
        this.memory = Objects.requireNonNull(memory);
        this.base = base;
        this.log2Size = log2Size;
    }

    /** Adds a listener that sees every command as it is submitted. */
    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /** The number of entries. */
    public int capacity() {
        return 1 << log2Size;
    }

    /** How many CMD_SYNC-terminated submissions were issued. */
    public synchronized long submissions() {
        return submissions;
    }

    /** How many commands (CMD_SYNCs included) were written. */
    public synchronized long commands() {
        return commands;
    }

    /**
     * Issues {@code batch} (each command two dwords) followed by one CMD_SYNC and waits until the SYNC completed.
     *
     * @throws SmmuCommandException if the SMMU refused one of them (its index in {@code batch}; {@code batch.size()}
     *     for the CMD_SYNC itself) or the queue stopped moving
     */
    public synchronized void issueWithSync(List<long[]> batch) {
        List<long[]> all = new ArrayList<>(batch.size() + 1);
        all.addAll(batch);
        all.add(Commands.sync().encode());
        int start = prod;
        SmmuCommandException failure = null;
        for (long[] cmd : all) {
            while (isFull()) {
                mmio.write32(SmmuRegisters.CMDQ_PROD, prod);
                failure = first(failure, waitFor(prod, start));
            }
            for (Listener l : listeners) {
                l.issued(cmd.clone());
            }
            long at = base + (long) index(prod) * 16;
            memory.writeLong(at, cmd[0]);
            memory.writeLong(at + 8, cmd[1]);
            prod = advance(prod);
            commands++;
        }
        mmio.write32(SmmuRegisters.CMDQ_PROD, prod);
        failure = first(failure, waitFor(prod, start));
        submissions++;
        if (failure != null) {
            throw failure;
        }
    }

    /** Polls CONS until it reaches {@code target}, skipping refused commands; returns the first refusal seen. */
    private SmmuCommandException waitFor(int target, int start) {
        SmmuCommandException failure = null;
        int idle = 0;
        int lastCons = -1;
        while (true) {
            int cons = mmio.read32(SmmuRegisters.CMDQ_CONS);
            if (errorActive()) {
                failure = first(failure, skipError(cons, start));
                idle = 0;
                continue;
            }
            int position = cons & wrapMask();
            if (position == (target & wrapMask())) {
                return failure;
            }
            if (position == lastCons && ++idle > MAX_IDLE_POLLS) {
                return first(failure, new SmmuCommandException(CommandError.CERROR_NONE, distance(start, cons),
                    "the command queue stopped at CONS 0x" + Integer.toHexString(cons) + " without an error"));
            }
            lastCons = position;
        }
    }

    /** Replaces the refused command at CONS with a CMD_SYNC and acknowledges CMDQ_ERR so consumption resumes. */
    private SmmuCommandException skipError(int cons, int start) {
        CommandError error = CommandError.of((cons >>> 24) & ERR_MASK);
        long at = base + (long) index(cons) * 16;
        long[] refused = {memory.readLong(at), memory.readLong(at + 8)};
        if (error != CommandError.CERROR_ATC_INV_SYNC) {
            long[] sync = Commands.sync().encode();
            memory.writeLong(at, sync[0]);
            memory.writeLong(at + 8, sync[1]);
        }
        int gerror = mmio.read32(SmmuRegisters.GERROR);
        int gerrorn = mmio.read32(SmmuRegisters.GERRORN);
        int ack = 1 << GlobalErrors.CMDQ_ERR;
        mmio.write32(SmmuRegisters.GERRORN, (gerrorn & ~ack) | (gerror & ack));
        return new SmmuCommandException(error, distance(start, cons), String.format(
            "the SMMU refused command 0x%016x_%016x with %s", refused[1], refused[0], error));
    }

    private boolean errorActive() {
        int active = mmio.read32(SmmuRegisters.GERROR) ^ mmio.read32(SmmuRegisters.GERRORN);
        return (active & (1 << GlobalErrors.CMDQ_ERR)) != 0;
    }

    private boolean isFull() {
        int cons = mmio.read32(SmmuRegisters.CMDQ_CONS);
        return index(cons) == index(prod) && ((cons ^ prod) & capacity()) != 0;
    }

    private int distance(int from, int to) {
        return (to - from) & wrapMask();
    }

    private int index(int pointer) {
        return pointer & (capacity() - 1);
    }

    private int wrapMask() {
        return (capacity() << 1) - 1;
    }

    private int advance(int pointer) {
        return (pointer + 1) & wrapMask();
    }

    private static SmmuCommandException first(SmmuCommandException a, SmmuCommandException b) {
        return a != null ? a : b;
    }
}
