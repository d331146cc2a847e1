package org.smmuref.smmu.hw;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * The non-secure command queue engine: CMDQ_BASE, CMDQ_PROD and CMDQ_CONS, consumed synchronously (smmuv3.md
 * sections 1 and 4).
 *
 * <p>Consumption runs when software writes PROD, when the queue is enabled, and when GERRORN acknowledges CMDQ_ERR.
 * Each entry at CONS is fetched from memory, decoded and handed to the {@link CommandHandler}; CONS then moves past
 * it, so CONS never passes a command that has not completed. A CMD_SYNC completes through
 * {@link CommandHandler#sync()} and then signals through the sync consumer (MSI / wired IRQ / SEV). On an error
 * consumption stops with CONS.RD at the failing entry, CONS.ERR is set first and GERROR.CMDQ_ERR is toggled after;
 * nothing is consumed while CMDQ_ERR is active, and consumption resumes from CONS after the acknowledgement, so
 * software can replace the bad entry first.
 *
 * <p>Indices: the low LOG2SIZE bits of RD/WR index the queue and bit LOG2SIZE is the wrap bit. A LOG2SIZE above
 * IDR1.CMDQS acts as IDR1.CMDQS (the register reads back as written). The base is used as written; the architecture
 * requires it aligned to the queue size.
 */
public final class CommandQueue {
    /** CMDQ_BASE.RA, the read-allocate hint. */
    public static final long BASE_RA = 1L << 62;
    /** CMDQ_BASE.ADDR[55:5]. */
    public static final long BASE_ADDR_MASK = Bits.range(55, 5);
    /** CMDQ_BASE.LOG2SIZE[4:0]. */
    public static final long BASE_LOG2SIZE_MASK = 0x1F;
    /** CMDQ_PROD.WR and CMDQ_CONS.RD, bits [19:0]. */
    public static final int INDEX_MASK = 0xF_FFFF;
    /** CMDQ_CONS.ERR[30:24]. */
    public static final int CONS_ERR_SHIFT = 24;
    /** Size of one command in bytes. */
    public static final int ENTRY_BYTES = 16;

    private final PhysicalMemory memory;
    private final CommandDecoder decoder;
    private final CommandHandler handler;
    private final GlobalErrors errors;
    private final Consumer<Command.Sync> syncSignal;

    private long base;
    private int prod;
    private int cons;
    private boolean enabled;
    private boolean consuming;

    /**
     * Creates a disabled, empty queue.
     *
     * @param decoder decodes and checks entries against the SMMU's features (its CMDQS bounds LOG2SIZE)
     * @param handler applies legal commands
     * @param errors the GERROR block; CMDQ_ERR is raised there and its acknowledgement resumes the queue
     * @param syncSignal signals a completed CMD_SYNC (normally {@link Interrupts#signalSync})
     */
    public CommandQueue(PhysicalMemory memory, CommandDecoder decoder, CommandHandler handler, GlobalErrors errors,
                        Consumer<Command.Sync> syncSignal) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.errors = Objects.requireNonNull(errors, "errors");
        this.syncSignal = Objects.requireNonNull(syncSignal, "syncSignal");
        errors.addAcknowledgeListener(mask -> {
            if ((mask & (1 << GlobalErrors.CMDQ_ERR)) != 0) {
                consume();
            }
        });
    }

    /** CMDQ_BASE as written (RA, ADDR, LOG2SIZE). */
    public synchronized long base() {
        return base;
    }

    /**
     * Writes CMDQ_BASE; ignored while the queue is enabled.
     *
     * @return whether the write took effect
     */
    public synchronized boolean writeBase(long value) {
        if (enabled) {
            return false;
        }
        base = value & (BASE_RA | BASE_ADDR_MASK | BASE_LOG2SIZE_MASK);
        return true;
    }

    /** The queue's base address (CMDQ_BASE.ADDR). */
    public synchronized long baseAddress() {
        return base & BASE_ADDR_MASK;
    }

    /** The effective log2 of the number of entries: LOG2SIZE capped at IDR1.CMDQS. */
    public synchronized int log2Size() {
        return (int) Math.min(base & BASE_LOG2SIZE_MASK, decoder.features().cmdqs());
    }

    /** CMDQ_PROD. */
    public synchronized int prod() {
        return prod;
    }

    /** CMDQ_CONS (RD and ERR). */
    public synchronized int cons() {
        return cons;
    }

    /** The error recorded in CMDQ_CONS.ERR. */
    public synchronized CommandError consError() {
        return CommandError.of((cons >>> CONS_ERR_SHIFT) & 0x7F);
    }

    /** Whether CMDQEN is set. */
    public synchronized boolean enabled() {
        return enabled;
    }

    /** Software writes CMDQ_PROD.WR; the queue then consumes up to it. */
    public void writeProd(int value) {
        synchronized (this) {
            prod = value & INDEX_MASK;
        }
        consume();
    }

    /**
     * Software writes CMDQ_CONS.RD; only while the queue is disabled (it is read-only when enabled). ERR is
     * read-only.
     *
     * @return whether the write took effect
     */
    public synchronized boolean writeCons(int value) {
        if (enabled) {
            return false;
        }
        cons = (cons & ~INDEX_MASK) | (value & INDEX_MASK);
        return true;
    }

    /** CR0.CMDQEN: enabling starts consumption; disabling stops it after the current command. */
    public void setEnabled(boolean on) {
        synchronized (this) {
            enabled = on;
        }
        if (on) {
            consume();
        }
    }

    /** Whether the queue holds no command (RD and WR equal, wrap bits included). */
    public synchronized boolean isEmpty() {
        int m = (int) Bits.mask(log2Size() + 1);
        return ((prod ^ cons) & m) == 0;
    }

    /** Whether the queue is full (indices equal, wrap bits different). */
    public synchronized boolean isFull() {
        int s = log2Size();
        return ((prod ^ cons) & (int) Bits.mask(s + 1)) == 1 << s;
    }

    /**
     * Consumes commands from CONS up to PROD unless the queue is disabled or CMDQ_ERR is active. Re-entrant calls
     * (a handler writing PROD) are absorbed by the running loop, which re-reads PROD after every command.
     */
    public synchronized void consume() {
        if (consuming) {
            return;
        }
        consuming = true;
        try {
            while (enabled && !errors.isActive(GlobalErrors.CMDQ_ERR) && !isEmpty()) {
                CommandError error = step();
                if (error != CommandError.CERROR_NONE) {
                    cons = (cons & INDEX_MASK) | (error.code() << CONS_ERR_SHIFT);
                    errors.raise(GlobalErrors.CMDQ_ERR);
                    return;
                }
                int s = log2Size();
                int m = (int) Bits.mask(s + 1);
                cons = (cons & ~m) | ((cons + 1) & m);
            }
        } finally {
            consuming = false;
        }
    }

    /** Fetches, decodes and executes the entry at CONS; returns the error that stops the queue, if any. */
    private CommandError step() {
        int s = log2Size();
        long address = baseAddress() + (long) (cons & (int) Bits.mask(s)) * ENTRY_BYTES;
        long dword0;
        long dword1;
        try {
            dword0 = memory.readLong(address);
            dword1 = memory.readLong(address + 8);
        } catch (ExternalAbortException e) {
            return CommandError.CERROR_ABT;
        }
        Command command;
        try {
            command = decoder.decode(dword0, dword1);
        } catch (IllegalCommandException e) {
            return CommandError.CERROR_ILL;
        }
        return execute(command);
    }

    private CommandError execute(Command command) {
        if (command instanceof Command.Prefetch p) {
            handler.prefetch(p);
        } else if (command instanceof Command.ConfigInvalidation c) {
            handler.invalidateConfig(c);
        } else if (command instanceof Command.Tlbi t) {
            handler.invalidateTlb(t.invalidation());
        } else if (command instanceof Command.AtcInv a) {
            handler.invalidateAtc(a);
        } else if (command instanceof Command.PriResp p) {
            handler.respondToPageRequest(p);
        } else if (command instanceof Command.Resume r) {
            handler.resume(r);
        } else if (command instanceof Command.StallTerm t) {
            handler.terminateStalls(t);
        } else if (command instanceof Command.Sync sync) {
            if (handler.sync() == CommandHandler.SyncOutcome.ATC_INV_TIMEOUT) {
                return CommandError.CERROR_ATC_INV_SYNC;
            }
            syncSignal.accept(sync);
        } else {
            throw new IllegalStateException("unhandled command " + command);
        }
        return CommandError.CERROR_NONE;
    }
}
