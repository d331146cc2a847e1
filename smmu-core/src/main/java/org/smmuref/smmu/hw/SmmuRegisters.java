package org.smmuref.smmu.hw;

import java.util.Objects;

/**
 * The SMMU's MMIO register file, page 0 and page 1 (smmuv3.md section 1), owning the command queue, the event
 * queue, the GERROR block and interrupt delivery.
 *
 * <p>Offsets are relative to the SMMU base; page 1 starts at {@link #PAGE1} and holds EVENTQ_PROD/CONS and
 * PRIQ_PROD/CONS. Page 1 does not alias page 0 (the page-0 offsets 0xA8/0xAC/0xC8/0xCC are reserved, RAZ/WI).
 * Accesses are 32 or 64 bits wide and naturally aligned. A 64-bit register may be accessed as two 32-bit halves; a
 * 64-bit access to a pair of 32-bit registers acts on both, low one first. Unknown offsets in the 128 KiB window read
 * as zero and ignore writes, as do the PRIQ registers on an SMMU without IDR0.PRI.
 *
 * <p>Guards: STRTAB_BASE, STRTAB_BASE_CFG, CR2 and CR1.TABLE_* change only while CR0.SMMUEN and CR0ACK.SMMUEN are
 * both 0; CR1.QUEUE_* only while every queue is disabled; a queue's BASE (and the SMMU-owned index register of an
 * SMMU-written queue) only while that queue is disabled. Guarded writes are ignored otherwise. CR0ACK and
 * IRQ_CTRLACK follow their register at once, and a GBPA write with Update = 1 completes at once.
 */
public final class SmmuRegisters {
    /** Offset of register page 1. */
    public static final long PAGE1 = 0x10000;
    /** Size of the MMIO window (two 64 KiB pages). */
    public static final long WINDOW = 0x20000;

    /** IDR0; IDR1..IDR5 follow at 4-byte steps. */
    public static final long IDR0 = 0x00;
    /** IIDR. */
    public static final long IIDR = 0x18;
    /** AIDR. */
    public static final long AIDR = 0x1C;
    /** CR0. */
    public static final long CR0 = 0x20;
    /** CR0ACK. */
    public static final long CR0ACK = 0x24;
    /** CR1. */
    public static final long CR1 = 0x28;
    /** CR2. */
    public static final long CR2 = 0x2C;
    /** STATUSR. */
    public static final long STATUSR = 0x40;
    /** GBPA. */
    public static final long GBPA = 0x44;
    /** AGBPA (IMPLEMENTATION DEFINED attributes; not implemented, RAZ/WI). */
    public static final long AGBPA = 0x48;
    /** IRQ_CTRL. */
    public static final long IRQ_CTRL = 0x50;
    /** IRQ_CTRLACK. */
    public static final long IRQ_CTRLACK = 0x54;
    /** GERROR. */
    public static final long GERROR = 0x60;
    /** GERRORN. */
    public static final long GERRORN = 0x64;
    /** GERROR_IRQ_CFG0 (64-bit). */
    public static final long GERROR_IRQ_CFG0 = 0x68;
    /** GERROR_IRQ_CFG1. */
    public static final long GERROR_IRQ_CFG1 = 0x70;
    /** GERROR_IRQ_CFG2. */
    public static final long GERROR_IRQ_CFG2 = 0x74;
    /** STRTAB_BASE (64-bit). */
    public static final long STRTAB_BASE = 0x80;
    /** STRTAB_BASE_CFG. */
    public static final long STRTAB_BASE_CFG = 0x88;
    /** CMDQ_BASE (64-bit). */
    public static final long CMDQ_BASE = 0x90;
    /** CMDQ_PROD. */
    public static final long CMDQ_PROD = 0x98;
    /** CMDQ_CONS. */
    public static final long CMDQ_CONS = 0x9C;
    /** EVENTQ_BASE (64-bit). */
    public static final long EVENTQ_BASE = 0xA0;
    /** EVENTQ_PROD, in page 1. */
    public static final long EVENTQ_PROD = PAGE1 + 0xA8;
    /** EVENTQ_CONS, in page 1. */
    public static final long EVENTQ_CONS = PAGE1 + 0xAC;
    /** EVENTQ_IRQ_CFG0 (64-bit). */
    public static final long EVENTQ_IRQ_CFG0 = 0xB0;
    /** EVENTQ_IRQ_CFG1. */
    public static final long EVENTQ_IRQ_CFG1 = 0xB8;
    /** EVENTQ_IRQ_CFG2. */
    public static final long EVENTQ_IRQ_CFG2 = 0xBC;
    /** PRIQ_BASE (64-bit). */
    public static final long PRIQ_BASE = 0xC0;
    /** PRIQ_PROD, in page 1. */
    public static final long PRIQ_PROD = PAGE1 + 0xC8;
    /** PRIQ_CONS, in page 1. */
    public static final long PRIQ_CONS = PAGE1 + 0xCC;
    /** PRIQ_IRQ_CFG0 (64-bit). */
    public static final long PRIQ_IRQ_CFG0 = 0xD0;
    /** PRIQ_IRQ_CFG1. */
    public static final long PRIQ_IRQ_CFG1 = 0xD8;
    /** PRIQ_IRQ_CFG2. */
    public static final long PRIQ_IRQ_CFG2 = 0xDC;

    /** CR0.SMMUEN. */
    public static final int CR0_SMMUEN = 1;
    /** CR0.PRIQEN. */
    public static final int CR0_PRIQEN = 1 << 1;
    /** CR0.EVENTQEN. */
    public static final int CR0_EVENTQEN = 1 << 2;
    /** CR0.CMDQEN. */
    public static final int CR0_CMDQEN = 1 << 3;
    /** CR0.ATSCHK. */
    public static final int CR0_ATSCHK = 1 << 4;
    /** CR0.VMW[8:6]. */
    public static final int CR0_VMW_MASK = 0b111 << 6;
    /** CR1 QUEUE_IC/OC/SH, bits [5:0]. */
    public static final int CR1_QUEUE_MASK = 0x3F;
    /** CR1 TABLE_IC/OC/SH, bits [11:6]. */
    public static final int CR1_TABLE_MASK = 0xFC0;
    /** CR2.E2H. */
    public static final int CR2_E2H = 1;
    /** CR2.RECINVSID. */
    public static final int CR2_RECINVSID = 1 << 1;
    /** CR2.PTM. */
    public static final int CR2_PTM = 1 << 2;
    /** CR2.REC_CFG_ATS. */
    public static final int CR2_REC_CFG_ATS = 1 << 3;
    /** GBPA.ABORT. */
    public static final int GBPA_ABORT = 1 << 20;
    /** GBPA.Update. */
    public static final int GBPA_UPDATE = 1 << 31;
    /** GBPA fields: MemAttr, MTCFG, ALLOCCFG, SHCFG, PRIVCFG, INSTCFG, ABORT. */
    public static final int GBPA_FIELDS = 0x1F_3F1F;
    /** GBPA reset value: bypass with SHCFG = 01 (use the incoming shareability). */
    public static final int GBPA_RESET = 0x1000;
    /** STRTAB_BASE: RA[62] and ADDR[55:6]. */
    public static final long STRTAB_BASE_MASK = (1L << 62) | Bits.range(55, 6);
    /** STRTAB_BASE_CFG: LOG2SIZE[5:0], SPLIT[10:6], FMT[17:16]. */
    public static final int STRTAB_BASE_CFG_MASK = 0x3_07FF;
    /** PRIQ_BASE: WA[62], ADDR[55:5], LOG2SIZE[4:0]. */
    public static final long PRIQ_BASE_MASK = (1L << 62) | Bits.range(55, 5) | 0x1F;
    /** PRIQ_PROD / PRIQ_CONS: index [19:0] and the overflow flag [31]. */
    public static final int PRIQ_INDEX_MASK = 0x800F_FFFF;

    private final SmmuFeatures features;
    private final GlobalErrors errors;
    private final Interrupts interrupts;
    private final CommandQueue commandQueue;
    private final EventQueue eventQueue;

    private int cr0;
    private int cr1;
    private int cr2;
    private int gbpa = GBPA_RESET;
    private long strtabBase;
    private int strtabBaseCfg;
    private long priqBase;
    private int priqProd;
    private int priqCons;

    /**
     * Creates the register file of an SMMU with {@code features} after reset: everything disabled, GBPA bypass.
     *
     * @param memory where the queues live and MSIs are written
     * @param handler applies the commands the command queue consumes
     * @param sink receives wired interrupts and SEV
     */
    public SmmuRegisters(SmmuFeatures features, PhysicalMemory memory, CommandHandler handler, InterruptSink sink) {
        this.features = Objects.requireNonNull(features, "features");
        this.errors = new GlobalErrors();
        this.interrupts = new Interrupts(features, memory, sink, errors);
        this.commandQueue = new CommandQueue(memory, new CommandDecoder(features), handler, errors,
            interrupts::signalSync);
        this.eventQueue = new EventQueue(memory, features, errors, () -> interrupts.signal(Interrupts.Source.EVENTQ));
    }

    /** The features the IDRs report. */
    public SmmuFeatures features() {
        return features;
    }

    /** The command queue behind CMDQ_*. */
    public CommandQueue commandQueue() {
        return commandQueue;
    }

    /** The event queue behind EVENTQ_*; the SMMU's translation path records events here. */
    public EventQueue eventQueue() {
        return eventQueue;
    }

    /** GERROR / GERRORN. */
    public GlobalErrors globalErrors() {
        return errors;
    }

    /** IRQ_CTRL and the IRQ_CFG registers. */
    public Interrupts interrupts() {
        return interrupts;
    }

    // ---- MMIO -----------------------------------------------------------------------------------------------

    /** A 32-bit MMIO read. */
    public int read32(long offset) {
        return (int) read(offset, 4);
    }

    /** A 64-bit MMIO read. */
    public long read64(long offset) {
        return read(offset, 8);
    }

    /** A 32-bit MMIO write. */
    public void write32(long offset, int value) {
        write(offset, 4, Integer.toUnsignedLong(value));
    }

    /** A 64-bit MMIO write. */
    public void write64(long offset, long value) {
        write(offset, 8, value);
    }

    /**
     * An MMIO read of {@code size} (4 or 8) bytes at {@code offset}.
     *
     * @throws IllegalArgumentException for another size, a misaligned offset or one outside the 128 KiB window
     */
    public synchronized long read(long offset, int size) {
        checkAccess(offset, size);
        if (size == 8) {
            if (is64(offset)) {
                return readReg64(offset);
            }
            return Integer.toUnsignedLong(readReg32(offset)) | ((long) readReg32(offset + 4) << 32);
        }
        long reg = offset & ~7L;
        if (is64(reg)) {
            long v = readReg64(reg);
            return (offset & 4) == 0 ? v & 0xFFFF_FFFFL : v >>> 32;
        }
        return Integer.toUnsignedLong(readReg32(offset));
    }

    /**
     * An MMIO write of {@code size} (4 or 8) bytes at {@code offset}.
     *
     * @throws IllegalArgumentException for another size, a misaligned offset or one outside the 128 KiB window
     */
    public void write(long offset, int size, long value) {
        checkAccess(offset, size);
        synchronized (this) {
            if (size == 8) {
                if (is64(offset)) {
                    writeReg64(offset, value);
                } else {
                    writeReg32(offset, (int) value);
                    writeReg32(offset + 4, (int) (value >>> 32));
                }
                return;
            }
            long reg = offset & ~7L;
            if (is64(reg)) {
                long old = readReg64(reg);
                long v = (offset & 4) == 0 ? (old & ~0xFFFF_FFFFL) | (value & 0xFFFF_FFFFL)
                    : (old & 0xFFFF_FFFFL) | (value << 32);
                writeReg64(reg, v);
            } else {
                writeReg32(offset, (int) value);
            }
        }
    }

    private static void checkAccess(long offset, int size) {
        if (size != 4 && size != 8) {
            throw new IllegalArgumentException("MMIO access size must be 4 or 8 bytes, was " + size);
        }
        if (offset < 0 || offset + size > WINDOW || (offset & (size - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                "MMIO access of %d bytes at 0x%x is misaligned or outside the 0x%x-byte window", size, offset, WINDOW));
        }
    }

    private boolean is64(long offset) {
        return offset == GERROR_IRQ_CFG0 || offset == STRTAB_BASE || offset == CMDQ_BASE || offset == EVENTQ_BASE
            || offset == EVENTQ_IRQ_CFG0 || offset == PRIQ_BASE || offset == PRIQ_IRQ_CFG0;
    }

    private long readReg64(long offset) {
        if (offset == GERROR_IRQ_CFG0) {
            return interrupts.config(Interrupts.Source.GERROR, 0);
        } else if (offset == STRTAB_BASE) {
            return strtabBase;
        } else if (offset == CMDQ_BASE) {
            return commandQueue.base();
        } else if (offset == EVENTQ_BASE) {
            return eventQueue.base();
        } else if (offset == EVENTQ_IRQ_CFG0) {
            return interrupts.config(Interrupts.Source.EVENTQ, 0);
        } else if (offset == PRIQ_BASE) {
            return features.pri() ? priqBase : 0;
        } else if (offset == PRIQ_IRQ_CFG0) {
            return features.pri() ? interrupts.config(Interrupts.Source.PRIQ, 0) : 0;
        }
        throw new IllegalStateException(String.format("0x%x is not a 64-bit register", offset));
    }

    private void writeReg64(long offset, long value) {
        if (offset == GERROR_IRQ_CFG0) {
            interrupts.writeConfig(Interrupts.Source.GERROR, 0, value);
        } else if (offset == STRTAB_BASE) {
            if (tablesWritable()) {
                strtabBase = value & STRTAB_BASE_MASK;
            }
        } else if (offset == CMDQ_BASE) {
            commandQueue.writeBase(value);
        } else if (offset == EVENTQ_BASE) {
            eventQueue.writeBase(value);
        } else if (offset == EVENTQ_IRQ_CFG0) {
            interrupts.writeConfig(Interrupts.Source.EVENTQ, 0, value);
        } else if (offset == PRIQ_BASE) {
            if (features.pri() && (cr0 & CR0_PRIQEN) == 0) {
                priqBase = value & PRIQ_BASE_MASK;
            }
        } else if (offset == PRIQ_IRQ_CFG0) {
            if (features.pri()) {
                interrupts.writeConfig(Interrupts.Source.PRIQ, 0, value);
            }
        }
    }

    private int readReg32(long offset) {
        if (offset >= IDR0 && offset < IDR0 + 24) {
            return features.idr((int) (offset / 4));
        }
        return switch ((int) offset) {
            case (int) IIDR -> features.iidr();
            case (int) AIDR -> features.aidr();
            case (int) CR0, (int) CR0ACK -> cr0; // CR0ACK follows CR0 at once
            case (int) CR1 -> cr1;
            case (int) CR2 -> cr2;
            case (int) STATUSR -> 0; // never dormant
            case (int) GBPA -> gbpa; // Update reads 0: every update completes at once
            case (int) IRQ_CTRL -> interrupts.irqCtrl();
            case (int) IRQ_CTRLACK -> interrupts.irqCtrlAck();
            case (int) GERROR -> errors.gerror();
            case (int) GERRORN -> errors.gerrorn();
            case (int) GERROR_IRQ_CFG1 -> (int) interrupts.config(Interrupts.Source.GERROR, 1);
            case (int) GERROR_IRQ_CFG2 -> (int) interrupts.config(Interrupts.Source.GERROR, 2);
            case (int) STRTAB_BASE_CFG -> strtabBaseCfg;
            case (int) CMDQ_PROD -> commandQueue.prod();
            case (int) CMDQ_CONS -> commandQueue.cons();
            case (int) EVENTQ_PROD -> eventQueue.prod();
            case (int) EVENTQ_CONS -> eventQueue.cons();
            case (int) EVENTQ_IRQ_CFG1 -> (int) interrupts.config(Interrupts.Source.EVENTQ, 1);
            case (int) EVENTQ_IRQ_CFG2 -> (int) interrupts.config(Interrupts.Source.EVENTQ, 2);
            case (int) PRIQ_PROD -> features.pri() ? priqProd : 0;
            case (int) PRIQ_CONS -> features.pri() ? priqCons : 0;
            case (int) PRIQ_IRQ_CFG1 -> features.pri() ? (int) interrupts.config(Interrupts.Source.PRIQ, 1) : 0;
            case (int) PRIQ_IRQ_CFG2 -> features.pri() ? (int) interrupts.config(Interrupts.Source.PRIQ, 2) : 0;
            default -> 0;
        };
    }

    private void writeReg32(long offset, int value) {
        switch ((int) offset) {
            case (int) CR0 -> writeCr0(value);
            case (int) CR1 -> {
                int writable = (queuesDisabled() ? CR1_QUEUE_MASK : 0) | (tablesWritable() ? CR1_TABLE_MASK : 0);
                cr1 = (cr1 & ~writable) | (value & writable);
            }
            case (int) CR2 -> {
                if (tablesWritable()) {
                    int mask = CR2_RECINVSID | CR2_PTM | CR2_REC_CFG_ATS | (features.hyp() ? CR2_E2H : 0);
                    cr2 = value & mask;
                }
            }
            case (int) GBPA -> {
                if ((value & GBPA_UPDATE) != 0) {
                    gbpa = value & GBPA_FIELDS;
                }
            }
            case (int) IRQ_CTRL -> interrupts.writeIrqCtrl(value);
            case (int) GERRORN -> errors.writeGerrorn(value);
            case (int) GERROR_IRQ_CFG1 -> interrupts.writeConfig(Interrupts.Source.GERROR, 1, value);
            case (int) GERROR_IRQ_CFG2 -> interrupts.writeConfig(Interrupts.Source.GERROR, 2, value);
            case (int) STRTAB_BASE_CFG -> {
                if (tablesWritable()) {
                    strtabBaseCfg = value & STRTAB_BASE_CFG_MASK;
                }
            }
            case (int) CMDQ_PROD -> commandQueue.writeProd(value);
            case (int) CMDQ_CONS -> commandQueue.writeCons(value);
            case (int) EVENTQ_PROD -> eventQueue.writeProd(value);
            case (int) EVENTQ_CONS -> eventQueue.writeCons(value);
            case (int) EVENTQ_IRQ_CFG1 -> interrupts.writeConfig(Interrupts.Source.EVENTQ, 1, value);
            case (int) EVENTQ_IRQ_CFG2 -> interrupts.writeConfig(Interrupts.Source.EVENTQ, 2, value);
            case (int) PRIQ_PROD -> {
                if (features.pri() && (cr0 & CR0_PRIQEN) == 0) {
                    priqProd = value & PRIQ_INDEX_MASK;
                }
            }
            case (int) PRIQ_CONS -> {
                if (features.pri()) {
                    priqCons = value & PRIQ_INDEX_MASK;
                }
            }
            case (int) PRIQ_IRQ_CFG1 -> {
                if (features.pri()) {
                    interrupts.writeConfig(Interrupts.Source.PRIQ, 1, value);
                }
            }
            case (int) PRIQ_IRQ_CFG2 -> {
                if (features.pri()) {
                    interrupts.writeConfig(Interrupts.Source.PRIQ, 2, value);
                }
            }
            default -> {
                // Read-only, reserved or unknown: writes are ignored.
            }
        }
    }

    private void writeCr0(int value) {
        int mask = CR0_SMMUEN | CR0_EVENTQEN | CR0_CMDQEN | (features.pri() ? CR0_PRIQEN : 0)
            | (features.ats() ? CR0_ATSCHK : 0) | (features.vmw() ? CR0_VMW_MASK : 0);
        cr0 = value & mask;
        eventQueue.setEnabled((cr0 & CR0_EVENTQEN) != 0);
        // Enabling the command queue consumes what software queued before, so CR0ACK must already be visible.
        commandQueue.setEnabled((cr0 & CR0_CMDQEN) != 0);
    }

    private boolean tablesWritable() {
        return (cr0 & CR0_SMMUEN) == 0;
    }

    private boolean queuesDisabled() {
        return (cr0 & (CR0_CMDQEN | CR0_EVENTQEN | CR0_PRIQEN)) == 0;
    }

    // ---- typed getters for the integration ------------------------------------------------------------------

    /** CR0 as last written (reserved bits cleared). */
    public synchronized int cr0() {
        return cr0;
    }

    /** CR0ACK. */
    public synchronized int cr0Ack() {
        return cr0;
    }

    /** CR0ACK.SMMUEN: translation is on; else GBPA governs traffic. */
    public synchronized boolean smmuEnabled() {
        return (cr0 & CR0_SMMUEN) != 0;
    }

    /** CR0.ATSCHK. */
    public synchronized boolean atsCheck() {
        return (cr0 & CR0_ATSCHK) != 0;
    }

    /** CR0.VMW: the number of VMID LSBs wildcarded by invalidations (0..7 encodings as the spec defines). */
    public synchronized int vmidWildcard() {
        return (cr0 & CR0_VMW_MASK) >>> 6;
    }

    /** CR1. */
    public synchronized int cr1() {
        return cr1;
    }

    /** CR2. */
    public synchronized int cr2() {
        return cr2;
    }

    /** CR2.E2H: streams with STRW = EL2 use the EL2-E2H regime. */
    public synchronized boolean e2h() {
        return (cr2 & CR2_E2H) != 0;
    }

    /** CR2.RECINVSID: record C_BAD_STREAMID. */
    public synchronized boolean recordInvalidStreamId() {
        return (cr2 & CR2_RECINVSID) != 0;
    }

    /** CR2.PTM: private TLB maintenance (broadcast TLBIs may be ignored). */
    public synchronized boolean privateTlbMaintenance() {
        return (cr2 & CR2_PTM) != 0;
    }

    /** CR2.REC_CFG_ATS. */
    public synchronized boolean recordConfigErrorsForAts() {
        return (cr2 & CR2_REC_CFG_ATS) != 0;
    }

    /** GBPA (Update reads 0). */
    public synchronized int gbpa() {
        return gbpa;
    }

    /** GBPA.ABORT: with SMMUEN = 0, abort incoming traffic rather than bypass it. */
    public synchronized boolean gbpaAbort() {
        return (gbpa & GBPA_ABORT) != 0;
    }

    /** STRTAB_BASE (RA and ADDR). */
    public synchronized long strtabBase() {
        return strtabBase;
    }

    /** STRTAB_BASE.ADDR as a byte address. */
    public synchronized long strtabBaseAddress() {
        return strtabBase & Bits.range(55, 6);
    }

    /** STRTAB_BASE_CFG. */
    public synchronized int strtabBaseCfg() {
        return strtabBaseCfg;
    }

    /** STRTAB_BASE_CFG.LOG2SIZE. */
    public synchronized int strtabLog2Size() {
        return strtabBaseCfg & 0x3F;
    }

    /** STRTAB_BASE_CFG.SPLIT. */
    public synchronized int strtabSplit() {
        return (strtabBaseCfg >>> 6) & 0x1F;
    }

    /** STRTAB_BASE_CFG.FMT: 0 linear, 1 2-level. */
    public synchronized int strtabFormat() {
        return (strtabBaseCfg >>> 16) & 0x3;
    }
}
