package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.pgtable.TableMemory;

/**
 * The three translation cases of QEMU's iommu-smmuv3 qtest (S1 only, S2 only, nested; 4K granule, 4-level walks,
 * IOVA 0x8080604567, tables in RAM above 0x40000000), rebuilt with the page-table builder: a device writes a
 * pattern through the translation and the test reads it back at the expected physical address.
 */
class QemuQtestScenariosTest {
    static final long RAM = 0x4000_0000L;
    static final long IOVA = 0x8080604567L;
    static final long TABLES = RAM + 0x0100_0000L;
    static final long GUEST_TABLES_IPA = RAM + 0x0200_0000L;
    static final long GUEST_TABLES_PA = RAM + 0x0300_0000L;
    static final long TARGET_IPA = RAM + 0x0400_0000L;
    static final long TARGET_PA = RAM + 0x0500_0000L;

    final PhysicalMemory memory = new PhysicalMemory().addRam(RAM, 0x1000_0000L);
    final TranslationEngine engine = new TranslationEngine(memory, new Tlb(256), 48);

    /** The iommu-testdev DMA: write a pattern at the IOVA through translation, return the PA it reached. */
    long dmaWrite(Stage1Context s1, Stage2Context s2, long iova, long pattern) {
        TranslationResult r = engine.translate(s1, s2, iova, Access.WRITE);
        assertThat(r).isInstanceOf(Translation.class);
        long pa = ((Translation) r).outputAddress(iova);
        memory.writeLong(pa & ~7L, pattern);
        return pa;
    }

    @Test
    void ns_s1_only() {
        PageTableBuilder s1 = PageTableBuilder.stage1(TableMemory.physical(memory), new PageAllocator(TABLES, 0x10_0000),
            Granule.G4K, 48, 48);
        assertThat(s1.startLevel()).isZero(); // 4 levels
        s1.map(IOVA & ~0xFFFL, TARGET_PA, 0x1000, Prot.of("rwu"));
        Stage1Context c = Stage1Context.of(s1.ttbHalf(), 48, 1, 0);
        long pa = dmaWrite(c, null, IOVA, 0x1234_5678_9ABC_DEF0L);
        assertThat(pa).isEqualTo(TARGET_PA + 0x567);
        assertThat(memory.readLong(TARGET_PA + 0x560)).isEqualTo(0x1234_5678_9ABC_DEF0L);
        assertThat(((Translation) engine.walker().stage1(c, IOVA, Access.WRITE)).level()).isEqualTo(3);
    }

    @Test
    void ns_s2_only() {
        PageTableBuilder s2 = PageTableBuilder.stage2(TableMemory.physical(memory), new PageAllocator(TABLES, 0x10_0000),
            Granule.G4K, 48, 48);
        assertThat(s2.startLevel()).isZero();
        assertThat(s2.sl0()).isEqualTo(2);
        s2.map(IOVA & ~0xFFFL, TARGET_PA, 0x1000, Prot.of("rw"));
        long pa = dmaWrite(null, s2.stage2Context(1), IOVA, 0x0F0F_0F0F_0F0F_0F0FL);
        assertThat(pa).isEqualTo(TARGET_PA + 0x567);
        assertThat(memory.readLong(TARGET_PA + 0x560)).isEqualTo(0x0F0F_0F0F_0F0F_0F0FL);
    }

    @Test
    void ns_nested() {
        PageTableBuilder s2 = PageTableBuilder.stage2(TableMemory.physical(memory), new PageAllocator(TABLES, 0x10_0000),
            Granule.G4K, 48, 48);
        // Stage 2 maps the guest's stage-1 tables and the target IPA page, page by page, as the qtest does.
        for (long off = 0; off < 0x4000; off += 0x1000) {
            s2.map(GUEST_TABLES_IPA + off, GUEST_TABLES_PA + off, 0x1000, Prot.of("rw"));
        }
        s2.map(TARGET_IPA, TARGET_PA, 0x1000, Prot.of("rw"));
        PageTableBuilder s1 = PageTableBuilder.stage1(
            TableMemory.translated(memory, ipa -> ipa - GUEST_TABLES_IPA + GUEST_TABLES_PA),
            new PageAllocator(GUEST_TABLES_IPA, 0x4000), Granule.G4K, 48, 48);
        s1.map(IOVA & ~0xFFFL, TARGET_IPA, 0x1000, Prot.of("rwu"));
        Stage1Context c1 = Stage1Context.of(s1.ttbHalf(), 48, 1, 0);
        Stage2Context c2 = s2.stage2Context(1);
        long pa = dmaWrite(c1, c2, IOVA, 0x5555_AAAA_5555_AAAAL);
        assertThat(pa).isEqualTo(TARGET_PA + 0x567);
        assertThat(memory.readLong(TARGET_PA + 0x560)).isEqualTo(0x5555_AAAA_5555_AAAAL);
        // Four stage-1 table pages and the output page were translated at stage 2 (kept in the walk cache); the TLB
        // holds the combined entry.
        assertThat(engine.tlb().size()).isEqualTo(1);
        for (long off = 0; off < 0x4000; off += 0x1000) {
            assertThat(engine.walkCached(1, Granule.G4K, GUEST_TABLES_IPA + off).outputAddress(GUEST_TABLES_IPA + off))
                .isEqualTo(GUEST_TABLES_PA + off);
        }
        assertThat(engine.walkCached(1, Granule.G4K, TARGET_IPA).outputAddress(TARGET_IPA)).isEqualTo(TARGET_PA);
    }
}
