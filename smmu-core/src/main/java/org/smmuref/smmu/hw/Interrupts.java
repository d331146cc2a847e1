package org.smmuref.smmu.hw;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The SMMU's interrupt delivery: IRQ_CTRL / IRQ_CTRLACK, the GERROR / EVENTQ / PRIQ IRQ_CFG0..2 registers, and
 * CMD_SYNC completion signals.
 *
 * <p>An interrupt is an MSI (a 32-bit write of the configured data to the configured address) when the SMMU has
 * IDR0.MSI and the address is non-zero, else a pulse of the wired line. An MSI write that aborts raises the matching
 * GERROR.MSI_*_ABT_ERR. A source's IRQ_CFG registers can be written only while its enable bit is clear in IRQ_CTRL
 * (and so in IRQ_CTRLACK, which follows IRQ_CTRL at once).
 */
public final class Interrupts {
    /** IRQ_CTRL.GERROR_IRQEN. */
    public static final int GERROR_IRQEN = 1;
    /** IRQ_CTRL.PRI_IRQEN. */
    public static final int PRI_IRQEN = 1 << 1;
    /** IRQ_CTRL.EVENTQ_IRQEN. */
    public static final int EVENTQ_IRQEN = 1 << 2;
    /** IRQ_CFG0.ADDR[55:2]. */
    public static final long CFG0_ADDR_MASK = Bits.range(55, 2);
    /** IRQ_CFG2: SH[5:4] and MemAttr[3:0]. */
    public static final int CFG2_MASK = 0x3F;

    /** The interrupt sources that have IRQ_CFG registers. */
    public enum Source {
        /** Global errors (GERROR_IRQ_CFG*). */
        GERROR(GERROR_IRQEN, InterruptSink.Line.GERROR, GlobalErrors.MSI_GERROR_ABT_ERR),
        /** Event queue (EVENTQ_IRQ_CFG*). */
        EVENTQ(EVENTQ_IRQEN, InterruptSink.Line.EVENTQ, GlobalErrors.MSI_EVENTQ_ABT_ERR),
        /** PRI queue (PRIQ_IRQ_CFG*). */
        PRIQ(PRI_IRQEN, InterruptSink.Line.PRIQ, GlobalErrors.MSI_PRIQ_ABT_ERR);

        private final int enableBit;
        private final InterruptSink.Line line;
        private final int abortError;

        Source(int enableBit, InterruptSink.Line line, int abortError) {
            this.enableBit = enableBit;
            this.line = line;
            this.abortError = abortError;
        }

        /** The source's enable bit in IRQ_CTRL. */
        public int enableBit() {
            return enableBit;
        }
    }

    private final SmmuFeatures features;
    private final PhysicalMemory memory;
    private final InterruptSink sink;
    private final GlobalErrors errors;
    private final Map<Source, long[]> config = new EnumMap<>(Source.class); // {CFG0, CFG1, CFG2}
    private int irqCtrl;

    /** Creates the interrupt block; it signals GERROR whenever {@code errors} raises an error. */
    public Interrupts(SmmuFeatures features, PhysicalMemory memory, InterruptSink sink, GlobalErrors errors) {
        this.features = Objects.requireNonNull(features, "features");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.errors = Objects.requireNonNull(errors, "errors");
        for (Source s : Source.values()) {
            config.put(s, new long[3]);
        }
        errors.addRaiseListener(bit -> signal(Source.GERROR));
    }

    /** IRQ_CTRL. */
    public synchronized int irqCtrl() {
        return irqCtrl;
    }

    /** IRQ_CTRLACK: follows IRQ_CTRL immediately. */
    public synchronized int irqCtrlAck() {
        return irqCtrl;
    }

    /** Writes IRQ_CTRL; PRI_IRQEN exists only with IDR0.PRI, other bits are reserved and read as zero. */
    public synchronized void writeIrqCtrl(int value) {
        int mask = GERROR_IRQEN | EVENTQ_IRQEN | (features.pri() ? PRI_IRQEN : 0);
        irqCtrl = value & mask;
    }

    /** Whether {@code source}'s interrupt is enabled. */
    public synchronized boolean enabled(Source source) {
        return (irqCtrl & source.enableBit) != 0;
    }

    /** IRQ_CFG{@code n} (0: ADDR, 1: DATA, 2: SH/MemAttr) of {@code source}. */
    public synchronized long config(Source source, int n) {
        return config.get(source)[checkCfg(n)];
    }

    /**
     * Writes IRQ_CFG{@code n} of {@code source}. Ignored while the source is enabled, and without IDR0.MSI (the
     * registers are then RES0).
     */
    public synchronized void writeConfig(Source source, int n, long value) {
        checkCfg(n);
        if (!features.msi() || enabled(source)) {
            return;
        }
        long mask = switch (n) {
            case 0 -> CFG0_ADDR_MASK;
            case 1 -> 0xFFFF_FFFFL;
            default -> CFG2_MASK;
        };
        config.get(source)[n] = value & mask;
    }

    /** Signals {@code source}'s interrupt if IRQ_CTRL enables it. */
    public void signal(Source source) {
        long address;
        int data;
        synchronized (this) {
            if (!enabled(source)) {
                return;
            }
            address = config.get(source)[0];
            data = (int) config.get(source)[1];
        }
        deliver(address, data, source.line, source.abortError);
    }

    /** Signals the completion of {@code sync} as its CS field asks (SIG_NONE does nothing). */
    public void signalSync(Command.Sync sync) {
        switch (sync.cs()) {
            case IRQ -> deliver(sync.msiAddress(), sync.msiData(), InterruptSink.Line.CMD_SYNC,
                GlobalErrors.MSI_CMDQ_ABT_ERR);
            case SEV -> {
                if (features.sev()) {
                    sink.sendEvent();
                }
            }
            case NONE -> {
                // CONS moving past the SYNC is the only signal.
            }
        }
    }

    private void deliver(long msiAddress, int data, InterruptSink.Line line, int abortError) {
        if (features.msi() && msiAddress != 0) {
            try {
                memory.writeInt(msiAddress, data);
            } catch (ExternalAbortException e) {
                errors.raise(abortError);
            }
        } else {
            sink.wired(line);
        }
    }

    private static int checkCfg(int n) {
        if (n < 0 || n > 2) {
            throw new IllegalArgumentException("IRQ_CFG" + n + " does not exist (0..2)");
        }
        return n;
    }
}
