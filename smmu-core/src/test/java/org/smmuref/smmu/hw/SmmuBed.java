package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.pgtable.TableMemory;
import org.smmuref.smmu.tools.MmioConsole;

/**
 * A whole-device test bed: RAM, an {@link Smmu} programmed through MMIO only (linear stream table, command and event
 * queues, CR0/CR0ACK handshake), helpers that write STEs and CDs to memory, issue commands through the command queue
 * and read event records back from event-queue memory. A guest window of RAM is reachable through stage 2 at
 * {@link #GUEST_IPA} for nested tests.
 */
final class SmmuBed {
    static final long RAM = 0x4000_0000L;
    static final long RAM_SIZE = 0x1000_0000L;
    static final MmioConsole.Layout LAYOUT = MmioConsole.Layout.standard(RAM);
    static final int STRTAB_LOG2 = LAYOUT.strtabLog2();
    static final long CDS = RAM + 0x0040_0000L;
    static final long HOST_TABLES = RAM + 0x0100_0000L;
    static final long TARGET = RAM + 0x0400_0000L;
    /** The guest RAM window: IPA GUEST_IPA + x is PA GUEST_PA + x, for x below GUEST_SIZE, when stage 2 maps it. */
    static final long GUEST_IPA = 0x8000_0000L;
    static final long GUEST_PA = RAM + 0x0800_0000L;
    static final long GUEST_SIZE = 0x0080_0000L;
    static final long GUEST_TABLES_IPA = GUEST_IPA + 0x0010_0000L;
    static final long GUEST_CDS_IPA = GUEST_IPA;

    final PhysicalMemory memory = new PhysicalMemory().addRam(RAM, RAM_SIZE);
    final QueueFixtures.RecordingSink sink = new QueueFixtures.RecordingSink();
    final SmmuFeatures features;
    final Smmu smmu;
    final PageAllocator hostAllocator = new PageAllocator(HOST_TABLES, 0x0100_0000L);
    final PageAllocator guestAllocator = new PageAllocator(GUEST_TABLES_IPA, 0x0040_0000L);
    final TableMemory host = TableMemory.physical(memory);
    final TableMemory guest = TableMemory.translated(memory, ipa -> ipa - GUEST_IPA + GUEST_PA);
    final MmioConsole console;

    SmmuBed() {
        this(SmmuFeatures.reference().build());
    }

    SmmuBed(SmmuFeatures features) {
        this(features, Smmu.Options.DEFAULT, SmmuRegisters.CR2_RECINVSID);
    }

    SmmuBed(SmmuFeatures features, Smmu.Options options, int cr2) {
        this.features = features;
        this.smmu = new Smmu(features, memory, sink, options);
        this.console = new MmioConsole(smmu, memory, LAYOUT, cr2);
    }

    void writeCr0(int value) {
        console.writeCr0(value);
    }

    // ---------------------------------------------------------------------------------------------- structures

    void writeSte(int sid, Map<String, Long> fields) {
        console.writeSte(sid, fields);
    }

    static Map<String, Long> s1Ste(long cdPtr, int vmid) {
        return new HashMap<>(Map.of("V", 1L, "Config", 0b101L, "S1ContextPtr", cdPtr, "S2VMID", (long) vmid));
    }

    static Map<String, Long> s2Ste(PageTableBuilder s2, int vmid) {
        return new HashMap<>(Map.of("V", 1L, "Config", 0b110L, "S2VMID", (long) vmid, "S2T0SZ", (long) s2.tsz(),
            "S2SL0", (long) s2.sl0(), "S2TG", 0L, "S2PS", 5L, "S2AA64", 1L, "S2R", 1L, "S2TTB", s2.ttb()));
    }

    static Map<String, Long> nestedSte(PageTableBuilder s2, int vmid, long cdIpa) {
        Map<String, Long> m = s2Ste(s2, vmid);
        m.put("Config", 0b111L);
        m.put("S1ContextPtr", cdIpa);
        return m;
    }

    static Map<String, Long> cd(PageTableBuilder s1, int asid) {
        return new HashMap<>(Map.of("V", 1L, "AA64", 1L, "T0SZ", (long) s1.tsz(), "TG0", 0L, "EPD1", 1L, "IPS", 5L,
            "A", 1L, "R", 1L, "ASID", (long) asid, "TTB0", s1.ttb()));
    }

    void writeCd(long pa, Map<String, Long> fields) {
        memory.writeLongs(pa, SmmuLayouts.CD.encode(fields));
    }

    void writeGuestCd(long ipa, Map<String, Long> fields) {
        long[] words = SmmuLayouts.CD.encode(fields);
        for (int i = 0; i < words.length; i++) {
            guest.writeLong(ipa + 8L * i, words[i]);
        }
    }

    PageTableBuilder s1() {
        return PageTableBuilder.stage1(host, hostAllocator, Granule.G4K, 48, 48);
    }

    PageTableBuilder s2() {
        return PageTableBuilder.stage2(host, hostAllocator, Granule.G4K, 48, 48);
    }

    /** Guest stage-1 tables in IPA space. */
    PageTableBuilder guestS1() {
        return PageTableBuilder.stage1(guest, guestAllocator, Granule.G4K, 48, 48);
    }

    /** Maps the whole guest RAM window in {@code s2} (read/write). */
    static void mapGuestWindow(PageTableBuilder s2) {
        s2.map(GUEST_IPA, GUEST_PA, GUEST_SIZE, Prot.of("rw"));
    }

    // ---------------------------------------------------------------------------------------------- commands

    /** Writes the commands into the queue, then CMD_SYNC, publishes PROD by MMIO and checks it was all consumed. */
    void submitSync(Command... commands) {
        console.submitSync(commands);
    }

    /** Writes the commands into the queue and publishes PROD by MMIO; checks it was all consumed without error. */
    void submit(Command... commands) {
        console.submit(commands);
    }

    // ---------------------------------------------------------------------------------------------- events

    /** Reads every new record from event-queue memory and consumes it by writing EVENTQ_CONS. */
    List<EventRecord> events() {
        return console.events();
    }

    /** The single new event record. */
    EventRecord event() {
        List<EventRecord> e = events();
        assertThat(e).hasSize(1);
        return e.get(0);
    }
}
