package org.smmuref.smmu.demo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.smmuref.kvm.Kvm;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Command;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.DmaOutcome;
import org.smmuref.smmu.hw.DmaTransfer;
import org.smmuref.smmu.hw.EventRecord;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.InterruptSink;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.SmmuLayouts;
import org.smmuref.smmu.hw.SmmuRegisters;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.pgtable.TableMemory;
import org.smmuref.smmu.platform.BtmPort;
import org.smmuref.smmu.tools.MmioConsole;

/**
 * A small machine for the isolation scenarios: RAM, one {@link Smmu} brought up through MMIO only (linear stream
 * table, command and event queues, CR0/CR0ACK handshake, CR2.PTM as asked), and guests whose devices sit behind it.
 *
 * <p>Every guest sees its RAM at the same IPA window ({@link #GUEST_IPA}), backed by its own PA range, so two guests
 * asking the SMMU for the same IPA mean different physical pages: exactly what makes a shared VMID dangerous.
 * STEs and CDs are written to memory and activated with CFGI_STE + CMD_SYNC through the command queue; DMA goes through
 * the device's port; event records are read back from event-queue memory.
 */
final class DemoMachine {
    static final long RAM = 0x4000_0000L;
    static final long RAM_SIZE = 0x1000_0000L;
    static final MmioConsole.Layout LAYOUT = MmioConsole.Layout.standard(RAM);
    static final long HOST_TABLES = RAM + 0x0100_0000L;
    static final long HOST_TABLES_SIZE = 0x0100_0000L;
    /** Guest n's RAM starts at PA GUEST_PA0 + n * GUEST_STRIDE. */
    static final long GUEST_PA0 = RAM + 0x0800_0000L;
    static final long GUEST_STRIDE = 0x0100_0000L;
    /** Every guest's RAM window in IPA space. */
    static final long GUEST_IPA = 0x8000_0000L;
    static final long GUEST_SIZE = 0x0080_0000L;
    /** The guest's context descriptor (IPA). */
    static final long GUEST_CD_IPA = GUEST_IPA;
    /** Where a guest keeps its stage-1 tables (IPA). */
    static final long GUEST_TABLES_IPA = GUEST_IPA + 0x0010_0000L;
    static final long GUEST_TABLES_SIZE = 0x0040_0000L;
    static final long PAGE = 0x1000L;

    private final PhysicalMemory memory = new PhysicalMemory().addRam(RAM, RAM_SIZE);
    private final PageAllocator hostAllocator = new PageAllocator(HOST_TABLES, HOST_TABLES_SIZE);
    private final TableMemory host = TableMemory.physical(memory);
    private final Smmu smmu;
    private final MmioConsole console;
    private final List<Guest> guests = new ArrayList<>();

    /** Brings the SMMU up: tables and queues by MMIO, CFGI_ALL + TLBI_NSNH_ALL, then SMMUEN; PTM as given. */
    DemoMachine(SmmuFeatures features, boolean ptm) {
        this.smmu = new Smmu(features, memory, new Interrupts());
        this.console = new MmioConsole(smmu, memory, LAYOUT,
            SmmuRegisters.CR2_RECINVSID | (ptm ? SmmuRegisters.CR2_PTM : 0));
    }

    /** The SMMU's IDR0 as software reads it. */
    int idr0() {
        return smmu.read32(SmmuRegisters.IDR0);
    }

    /** Connects the SMMU's BTM input to {@code kvm}'s broadcasts; returns the port (it counts what it applied). */
    BtmPort connect(Kvm kvm) {
        BtmPort port = new BtmPort(smmu);
        kvm.subscribe(port);
        return port;
    }

    // ------------------------------------------------------------------------------------------------ guests

    /**
     * Adds a guest whose device has {@code streamId}: its RAM window, a host stage-2 mapping it, and a CD (in guest
     * memory) for a guest stage-1 with {@code asid}, ASET=0 so that broadcast TLBIs by ASID apply to it.
     */
    Guest addGuest(String name, int streamId, int asid) {
        for (Guest g : guests) {
            if (g.streamId == streamId) {
                throw new IllegalArgumentException("StreamID " + streamId + " already belongs to " + g.name);
            }
        }
        long paBase = GUEST_PA0 + guests.size() * GUEST_STRIDE;
        if (paBase + GUEST_SIZE > RAM + RAM_SIZE) {
            throw new IllegalArgumentException("no RAM left for another guest");
        }
        Guest g = new Guest(name, streamId, asid, paBase);
        guests.add(g);
        return g;
    }

    /** Points the guest's STE at a nested configuration with {@code s2vmid}, then CFGI_STE + CMD_SYNC. */
    void attachNested(Guest g, int s2vmid) {
        Map<String, Long> ste = new HashMap<>();
        ste.put("V", 1L);
        ste.put("Config", 0b111L);
        ste.put("S1ContextPtr", GUEST_CD_IPA);
        ste.put("S2VMID", (long) s2vmid);
        ste.put("S2T0SZ", (long) g.s2.tsz());
        ste.put("S2SL0", (long) g.s2.sl0());
        ste.put("S2TG", 0L);
        ste.put("S2PS", 5L);
        ste.put("S2AA64", 1L);
        ste.put("S2R", 1L);
        ste.put("S2TTB", g.s2.ttb());
        console.writeSte(g.streamId, ste);
        console.submitSync(Commands.cfgiSte(g.streamId));
    }

    /** The guest's device reads at {@code va} through the DMA port: what the SMMU did with the transaction. */
    DmaOutcome dma(Guest g, long va) {
        return smmu.translate(g.streamId, Smmu.NO_SUBSTREAM, va, Access.READ);
    }

    /** The guest's device reads {@code length} bytes at {@code va} through the SMMU, or null if it was stopped. */
    byte[] dmaRead(Guest g, long va, int length) {
        byte[] out = new byte[length];
        DmaTransfer t = smmu.read(g.streamId, Smmu.NO_SUBSTREAM, va, out, 0, length);
        return t.complete() ? out : null;
    }

    /** The guest that owns physical address {@code pa}, if any. */
    Guest ownerOf(long pa) {
        for (Guest g : guests) {
            if (pa >= g.paBase && pa < g.paBase + GUEST_SIZE) {
                return g;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ queues

    /** Writes the commands and a CMD_SYNC to the command queue, publishes PROD and checks all were consumed. */
    void submitSync(Command... commands) {
        console.submitSync(commands);
    }

    /** Reads every new event record from event-queue memory and consumes it. */
    List<EventRecord> events() {
        return console.events();
    }

    /** The platform's interrupt controller: the scenarios poll the event queue, so the pulses need no handler. */
    private static final class Interrupts implements InterruptSink {
        @Override
        public void wired(Line line) {
            // Polled: the scenarios read EVENTQ_PROD after each DMA.
        }

        @Override
        public void sendEvent() {
            // No CPU waits in WFE for a CMD_SYNC here: submitSync checks CMDQ_CONS at once.
        }
    }

    /**
     * One guest: its RAM (IPA window {@link #GUEST_IPA} at PA {@code paBase}), the host's stage-2 tables mapping it,
     * the guest's own stage-1 tables (in its RAM, addressed by IPA) and its CD.
     */
    final class Guest {
        final String name;
        final int streamId;
        final int asid;
        final long paBase;
        final PageTableBuilder s2;
        final PageTableBuilder s1;
        private final TableMemory ipaMemory;

        private Guest(String name, int streamId, int asid, long paBase) {
            this.name = name;
            this.streamId = streamId;
            this.asid = asid;
            this.paBase = paBase;
            this.s2 = PageTableBuilder.stage2(host, hostAllocator, Granule.G4K, 48, 48);
            s2.map(GUEST_IPA, paBase, GUEST_SIZE, Prot.of("rw"));
            this.ipaMemory = TableMemory.translated(memory, this::pa);
            this.s1 = PageTableBuilder.stage1(ipaMemory, new PageAllocator(GUEST_TABLES_IPA, GUEST_TABLES_SIZE),
                Granule.G4K, 48, 48);
            Map<String, Long> cd = new HashMap<>();
            cd.put("V", 1L);
            cd.put("AA64", 1L);
            cd.put("T0SZ", (long) s1.tsz());
            cd.put("TG0", 0L);
            cd.put("EPD1", 1L);
            cd.put("IPS", 5L);
            cd.put("A", 1L);
            cd.put("R", 1L);
            cd.put("ASET", 0L);
            cd.put("ASID", (long) asid);
            cd.put("TTB0", s1.ttb());
            long[] words = SmmuLayouts.CD.encode(cd);
            for (int i = 0; i < words.length; i++) {
                ipaMemory.writeLong(GUEST_CD_IPA + 8L * i, words[i]);
            }
        }

        /** The PA behind one of this guest's IPAs. */
        long pa(long ipa) {
            if (ipa < GUEST_IPA || ipa >= GUEST_IPA + GUEST_SIZE) {
                throw new IllegalArgumentException(String.format("IPA 0x%x is outside %s's RAM", ipa, name));
            }
            return paBase + (ipa - GUEST_IPA);
        }

        /** The guest maps one page at {@code va} to {@code ipa} in its stage-1, non-global (tagged by its ASID). */
        void mapPage(long va, long ipa) {
            s1.map(va, ipa, PAGE, Prot.of("rwun"));
        }

        /** The guest removes the page at {@code va} from its stage-1 (no TLB maintenance: that is the caller's). */
        void unmapPage(long va) {
            s1.unmap(va, PAGE);
        }

        /** The guest CPU writes text into its RAM at {@code ipa}. */
        void store(long ipa, String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            memory.write(pa(ipa), bytes, 0, bytes.length);
        }

        /** Whether {@code pa} lies in this guest's RAM. */
        boolean owns(long pa) {
            return pa >= paBase && pa < paBase + GUEST_SIZE;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
