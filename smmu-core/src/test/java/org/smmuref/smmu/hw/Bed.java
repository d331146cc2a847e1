package org.smmuref.smmu.hw;

import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.TableMemory;

/** A small test bed: RAM for host tables and for guest tables, builders over it, and an engine. */
final class Bed {
    static final long HOST_TABLES = 0x8000_0000L;
    static final long GUEST_TABLES_PA = 0xA000_0000L;
    static final long GUEST_TABLES_IPA = 0x4000_0000L;
    static final long REGION = 0x0400_0000L;

    final PhysicalMemory memory = new PhysicalMemory().addRam(HOST_TABLES, REGION).addRam(GUEST_TABLES_PA, REGION);
    final PageAllocator hostAllocator = new PageAllocator(HOST_TABLES, REGION);
    final PageAllocator guestAllocator = new PageAllocator(GUEST_TABLES_IPA, REGION);
    final TableMemory host = TableMemory.physical(memory);
    final TableMemory guest = TableMemory.translated(memory, ipa -> ipa - GUEST_TABLES_IPA + GUEST_TABLES_PA);
    final Tlb tlb = new Tlb(256);
    final TranslationEngine engine = new TranslationEngine(memory, tlb, 48);
    final Walker walker = engine.walker();

    PageTableBuilder s1(Granule g, int bits, int oaBits) {
        return PageTableBuilder.stage1(host, hostAllocator, g, bits, oaBits);
    }

    PageTableBuilder s2(Granule g, int bits) {
        return PageTableBuilder.stage2(host, hostAllocator, g, bits, 48);
    }

    /** Guest stage-1 tables in IPA space; the caller maps the guest table window in stage 2. */
    PageTableBuilder guestS1(Granule g, int bits, int ips) {
        return PageTableBuilder.stage1(guest, guestAllocator, g, bits, ips);
    }

    long read(PageTableBuilder b, long address) {
        return b.memory().readLong(address);
    }

    void write(PageTableBuilder b, long address, long value) {
        b.memory().writeLong(address, value);
    }

    static TranslationFault fault(TranslationResult r) {
        if (!(r instanceof TranslationFault)) {
            throw new AssertionError("expected a fault, got " + r);
        }
        return (TranslationFault) r;
    }

    static Translation ok(TranslationResult r) {
        if (!(r instanceof Translation)) {
            throw new AssertionError("expected a translation, got " + r);
        }
        return (Translation) r;
    }
}
