package org.smmuref.bench;

import java.util.HashMap;
import java.util.Map;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.InterruptSink;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.SmmuLayouts;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.pgtable.TableMemory;
import org.smmuref.smmu.tools.MmioConsole;

/**
 * An SMMU set up the way a driver would (MMIO only: stream table, queues, CR0) with one stream, for the benchmarks:
 * stage 1 only, or nested with the guest's stage-1 tables in IPA space (4K granule, 4 + 4 levels, stage 2 in 4K pages).
 */
final class DeviceFixture {
    static final long RAM = 0x4000_0000L;
    static final long STRTAB = RAM + 0x0010_0000L;
    static final long CMDQ = RAM + 0x0020_0000L;
    static final long EVTQ = RAM + 0x0030_0000L;
    static final long CDS = RAM + 0x0040_0000L;
    static final long TABLES = RAM + 0x0100_0000L;
    static final long GUEST_IPA = 0x8000_0000L;
    static final long GUEST_PA = RAM + 0x0800_0000L;
    static final long GUEST_SIZE = 0x0080_0000L;
    static final long TARGET = RAM + 0x1000_0000L;
    static final int SID = 1;
    static final int VMID = 5;
    static final int ASID = 3;

    final PhysicalMemory memory = new PhysicalMemory().addRam(RAM, 0x4000_0000L);
    final Smmu smmu;
    final PageTableBuilder s1;
    final MmioConsole console;

    /** Builds the fixture; {@code nested} selects Config=0b111 (else stage 1 only). */
    DeviceFixture(boolean nested, int tlbCapacity) {
        InterruptSink sink = new InterruptSink() {
            @Override
            public void wired(Line line) {
            }

            @Override
            public void sendEvent() {
            }
        };
        smmu = new Smmu(SmmuFeatures.reference().build(), memory, sink, new Smmu.Options(tlbCapacity, 64));
        console = new MmioConsole(smmu, memory, new MmioConsole.Layout(STRTAB, 8, CMDQ, 8, EVTQ, 8), 0);
        PageAllocator hostPages = new PageAllocator(TABLES, 0x0400_0000L);
        Map<String, Long> ste;
        if (nested) {
            PageTableBuilder s2 = PageTableBuilder.stage2(TableMemory.physical(memory), hostPages, Granule.G4K, 48, 48);
            // 4K pages, not the 2 MiB blocks map() would choose: every stage-1 table then needs its own 4-level
            // stage-2 walk, so a nested miss reads 4 x (4 + 1) + 4 = 24 descriptors (the issue's worst case).
            mapPages(s2, GUEST_IPA, GUEST_PA, GUEST_SIZE);
            mapPages(s2, GUEST_IPA + GUEST_SIZE, TARGET, 0x0400_0000L);
            TableMemory guest = TableMemory.translated(memory, ipa -> ipa - GUEST_IPA + GUEST_PA);
            s1 = PageTableBuilder.stage1(guest, new PageAllocator(GUEST_IPA + 0x0010_0000L, 0x0060_0000L),
                Granule.G4K, 48, 48);
            long[] cd = SmmuLayouts.CD.encode(cd(s1));
            for (int i = 0; i < cd.length; i++) {
                guest.writeLong(GUEST_IPA + 8L * i, cd[i]);
            }
            ste = new HashMap<>(Map.of("V", 1L, "Config", 0b111L, "S1ContextPtr", GUEST_IPA, "S2VMID", (long) VMID,
                "S2T0SZ", (long) s2.tsz(), "S2SL0", (long) s2.sl0(), "S2PS", 5L, "S2AA64", 1L, "S2R", 1L));
            ste.put("S2TTB", s2.ttb());
        } else {
            s1 = PageTableBuilder.stage1(TableMemory.physical(memory), hostPages, Granule.G4K, 48, 48);
            memory.writeLongs(CDS, SmmuLayouts.CD.encode(cd(s1)));
            ste = Map.of("V", 1L, "Config", 0b101L, "S1ContextPtr", CDS, "S2VMID", (long) VMID);
        }
        console.writeSte(SID, ste);
        console.submitSync(Commands.cfgiAll(), Commands.tlbiNsnhAll());
    }

    private static void mapPages(PageTableBuilder s2, long ipa, long pa, long size) {
        for (long off = 0; off < size; off += 0x1000) {
            s2.map(ipa + off, pa + off, 0x1000, Prot.of("rw"));
        }
    }

    /** The address stage 1 maps page {@code i} to: a PA, or the IPA that stage 2 maps to TARGET + i pages. */
    static long output(boolean nested, long i) {
        return (nested ? GUEST_IPA + GUEST_SIZE : TARGET) + i * 0x1000;
    }

    private static Map<String, Long> cd(PageTableBuilder s1) {
        return Map.of("V", 1L, "AA64", 1L, "T0SZ", (long) s1.tsz(), "EPD1", 1L, "IPS", 5L, "A", 1L, "R", 1L,
            "ASID", (long) ASID, "TTB0", s1.ttb());
    }
}
