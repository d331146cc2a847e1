package org.smmuref.smmu.tools;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.smmuref.smmu.hw.Command;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.EventQueue;
import org.smmuref.smmu.hw.EventRecord;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.SmmuLayouts;
import org.smmuref.smmu.hw.SmmuRegisters;

/**
 * Drives one {@link Smmu} the way a minimal bare-metal program would, through MMIO and memory only: a linear stream
 * table and the two queues at fixed addresses, the CR0/CR0ACK handshake, STEs written to memory, commands submitted
 * through the command queue, event records read back from event-queue memory. For demos, test beds and benchmarks
 * that need a device programmed without the driver.
 */
public final class MmioConsole {
    /**
     * Where the structures live.
     *
     * @param strtab the linear stream table's PA; {@code strtabLog2} its log2 size in STEs
     * @param cmdq the command queue's PA; {@code cmdqLog2} its log2 size in entries
     * @param evtq the event queue's PA; {@code evtqLog2} its log2 size in records
     */
    public record Layout(long strtab, int strtabLog2, long cmdq, int cmdqLog2, long evtq, int evtqLog2) {
        /**
         * The layout the demos and test beds use, in the first 4 MiB of RAM at {@code ram}: a 256-STE stream table at
         * +1 MiB, a 256-entry command queue at +2 MiB and a 64-record event queue at +3 MiB.
         */
        public static Layout standard(long ram) {
            return new Layout(ram + 0x0010_0000L, 8, ram + 0x0020_0000L, 8, ram + 0x0030_0000L, 6);
        }
    }

    private final Smmu smmu;
    private final PhysicalMemory memory;
    private final Layout layout;
    private int cmdProd;
    private int evtCons;

    /**
     * Brings the SMMU up: stream table and queue bases, empty queues, CR2 = {@code cr2}, queues enabled, CFGI_ALL +
     * TLBI_NSNH_ALL + CMD_SYNC, then SMMUEN.
     *
     * @throws IllegalStateException when CR0ACK does not follow CR0 or the queue stops
     */
    public MmioConsole(Smmu smmu, PhysicalMemory memory, Layout layout, int cr2) {
        this.smmu = smmu;
        this.memory = memory;
        this.layout = layout;
        smmu.write64(SmmuRegisters.STRTAB_BASE, layout.strtab());
        smmu.write32(SmmuRegisters.STRTAB_BASE_CFG, layout.strtabLog2());
        smmu.write64(SmmuRegisters.CMDQ_BASE, layout.cmdq() | layout.cmdqLog2());
        smmu.write32(SmmuRegisters.CMDQ_PROD, 0);
        smmu.write32(SmmuRegisters.CMDQ_CONS, 0);
        smmu.write64(SmmuRegisters.EVENTQ_BASE, layout.evtq() | layout.evtqLog2());
        smmu.write32(SmmuRegisters.EVENTQ_PROD, 0);
        smmu.write32(SmmuRegisters.EVENTQ_CONS, 0);
        smmu.write32(SmmuRegisters.CR2, cr2);
        writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN);
        submitSync(Commands.cfgiAll(), Commands.tlbiNsnhAll());
        writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN | SmmuRegisters.CR0_SMMUEN);
    }

    /** The device. */
    public Smmu smmu() {
        return smmu;
    }

    /** Writes CR0 and checks that CR0ACK follows. */
    public void writeCr0(int value) {
        smmu.write32(SmmuRegisters.CR0, value);
        int ack = smmu.read32(SmmuRegisters.CR0ACK);
        if (ack != value) {
            throw new IllegalStateException(String.format("CR0ACK 0x%x does not acknowledge CR0 0x%x", ack, value));
        }
    }

    /** Writes STE {@code sid} of the linear stream table (fields named as in {@link SmmuLayouts#STE}). */
    public void writeSte(int sid, Map<String, Long> fields) {
        if (Integer.toUnsignedLong(sid) >= 1L << layout.strtabLog2()) {
            throw new IllegalArgumentException("StreamID " + sid + " is outside the " + (1 << layout.strtabLog2())
                + "-entry stream table");
        }
        memory.writeLongs(layout.strtab() + (long) sid * 64, SmmuLayouts.STE.encode(fields));
    }

    /** Submits the commands followed by CMD_SYNC; see {@link #submit}. */
    public void submitSync(Command... commands) {
        Command[] all = Arrays.copyOf(commands, commands.length + 1);
        all[commands.length] = Commands.sync();
        submit(all);
    }

    /**
     * Writes the commands into the queue and publishes PROD by MMIO.
     *
     * @throws IllegalStateException unless the queue consumed them all without a command error
     */
    public void submit(Command... commands) {
        int mask = (1 << layout.cmdqLog2()) - 1;
        int wrapMask = (1 << (layout.cmdqLog2() + 1)) - 1;
        for (Command c : commands) {
            memory.writeLongs(layout.cmdq() + (long) (cmdProd & mask) * 16, c.encode());
            cmdProd = (cmdProd + 1) & wrapMask;
        }
        smmu.write32(SmmuRegisters.CMDQ_PROD, cmdProd);
        int cons = smmu.read32(SmmuRegisters.CMDQ_CONS);
        int gerror = smmu.read32(SmmuRegisters.GERROR) ^ smmu.read32(SmmuRegisters.GERRORN);
        if (cons != cmdProd || gerror != 0) {
            throw new IllegalStateException(String.format(
                "command queue stopped: PROD 0x%x, CONS 0x%x, active GERROR 0x%x", cmdProd, cons, gerror));
        }
    }

    /** Reads every new record from event-queue memory and consumes it by writing EVENTQ_CONS. */
    public List<EventRecord> events() {
        List<EventRecord> out = new ArrayList<>();
        int prod = smmu.read32(SmmuRegisters.EVENTQ_PROD);
        int mask = (1 << layout.evtqLog2()) - 1;
        int wrapMask = (1 << (layout.evtqLog2() + 1)) - 1;
        while (((prod ^ evtCons) & wrapMask) != 0) {
            out.add(EventRecord.decode(memory.readLongs(layout.evtq() + (long) (evtCons & mask) * EventRecord.BYTES,
                4)));
            evtCons = (evtCons + 1) & wrapMask;
        }
        smmu.write32(SmmuRegisters.EVENTQ_CONS, evtCons | (prod & EventQueue.OVERFLOW_FLAG));
        return out;
    }
}
