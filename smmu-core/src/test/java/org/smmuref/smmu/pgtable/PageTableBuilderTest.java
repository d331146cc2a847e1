package org.smmuref.smmu.pgtable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.Stage1Context;
import org.smmuref.smmu.hw.Translation;
import org.smmuref.smmu.hw.TranslationResult;
import org.smmuref.smmu.hw.Walker;

/** Builder errors, block selection, block splitting on partial unmap, and table reclamation. */
class PageTableBuilderTest {
    static final long TABLES = 0x8000_0000L;
    final PhysicalMemory memory = new PhysicalMemory().addRam(TABLES, 0x100_0000L);
    final PageAllocator allocator = new PageAllocator(TABLES, 0x100_0000L);
    final PageTableBuilder b = PageTableBuilder.stage1(TableMemory.physical(memory), allocator, Granule.G4K, 48, 48);
    final Walker walker = new Walker(memory);

    Translation walk(long va) {
        TranslationResult r = walker.stage1(Stage1Context.of(b.ttbHalf(), 48, 0, 0), va, Access.PRIV_READ);
        return r instanceof Translation ? (Translation) r : null;
    }

    static PageTableException.Reason reason(Runnable r) {
        try {
            r.run();
        } catch (PageTableException e) {
            return e.reason();
        }
        throw new AssertionError("no PageTableException");
    }

    @Test
    void chooses_the_largest_legal_block_for_each_aligned_piece() {
        // 4 KiB + 2 MiB block + 1 GiB block + 2 MiB block + 4 KiB.
        long start = 0x4000_0000L - 0x20_1000L;
        long size = 0x20_1000L * 2 + 0x4000_0000L;
        b.map(start, start + 0x1_0000_0000L, size, Prot.of("rw"));
        assertThat(walk(start).sizeShift()).isEqualTo(12);
        assertThat(walk(start + 0x1000).sizeShift()).isEqualTo(21);
        assertThat(walk(0x4000_0000L).sizeShift()).isEqualTo(30);
        assertThat(walk(0x8000_0000L).sizeShift()).isEqualTo(21);
        assertThat(walk(0x8020_0000L).sizeShift()).isEqualTo(12);
        assertThat(walk(0x8020_1000L)).isNull();
        assertThat(walk(0x5555_0000L).outputAddress(0x5555_0000L)).isEqualTo(0x1_5555_0000L);
    }

    @Test
    void partial_unmap_splits_blocks_and_keeps_the_rest_mapped() {
        b.map(0x4000_0000L, 0x2_0000_0000L, 0x4000_0000L, Prot.of("rw"));
        long removed = b.unmap(0x4123_4000L, 0x3000);
        assertThat(removed).isEqualTo(0x3000);
        assertThat(walk(0x4123_4000L)).isNull();
        assertThat(walk(0x4123_6000L)).isNull();
        assertThat(walk(0x4123_3000L).outputAddress(0x4123_3FF8L)).isEqualTo(0x2_0123_3FF8L);
        assertThat(walk(0x4123_7000L).outputAddress(0x4123_7000L)).isEqualTo(0x2_0123_7000L);
        assertThat(walk(0x4000_0000L).sizeShift()).isEqualTo(21); // the 1 GiB block became 2 MiB blocks
        assertThat(walk(0x4120_0000L).sizeShift()).isEqualTo(12);
        assertThat(b.unmap(0x4123_4000L, 0x3000)).isZero(); // holes are skipped
    }

    @Test
    void unmapping_everything_frees_every_table_but_the_root() {
        long rootOnly = allocator.used();
        b.map(0x1000, 0x1000, 0x5000, Prot.of("r"));
        b.map(0x7F_0000_0000L, 0x20_0000, 0x40_0000, Prot.of("r"));
        assertThat(allocator.used()).isGreaterThan(rootOnly);
        assertThat(b.unmap(0, 1L << 47)).isEqualTo(0x5000 + 0x40_0000);
        assertThat(allocator.used()).isEqualTo(rootOnly);
        assertThat(memory.readLong(b.ttb())).isZero();
    }

    @Test
    void refuses_bad_requests_precisely_and_leaves_the_tables_unchanged() {
        b.map(0x20_0000, 0x20_0000, 0x20_0000, Prot.of("rw"));
        assertThat(reason(() -> b.map(0x1F_F000, 0, 0x2000, Prot.of("r")))).isEqualTo(PageTableException.Reason.OVERLAP);
        assertThat(walk(0x1F_F000)).isNull(); // the part mapped before the overlap was rolled back
        assertThat(reason(() -> b.map(0x123, 0, 0x1000, Prot.of("r")))).isEqualTo(PageTableException.Reason.MISALIGNED);
        assertThat(reason(() -> b.map(0, 0x800, 0x1000, Prot.of("r")))).isEqualTo(PageTableException.Reason.MISALIGNED);
        assertThat(reason(() -> b.map(1L << 48, 0, 0x1000, Prot.of("r"))))
            .isEqualTo(PageTableException.Reason.OUT_OF_RANGE);
        assertThat(reason(() -> b.map((1L << 48) - 0x1000, 0, 0x2000, Prot.of("r"))))
            .isEqualTo(PageTableException.Reason.OUT_OF_RANGE);
        assertThat(reason(() -> b.map(0, (1L << 48) - 0x1000, 0x2000, Prot.of("r"))))
            .isEqualTo(PageTableException.Reason.OUT_OF_RANGE);
        assertThat(reason(() -> b.unmap(0x1000, 0x800))).isEqualTo(PageTableException.Reason.MISALIGNED);
        assertThatThrownBy(() -> b.map(0, 0, 0x1000, Prot.of("w"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(walk(0x20_0000).sizeShift()).isEqualTo(21);
    }

    @Test
    void running_out_of_table_memory_is_reported_and_rolled_back() {
        PageAllocator tiny = new PageAllocator(TABLES + 0x80_0000L, 0x3000); // root + 2 tables
        PageTableBuilder t = PageTableBuilder.stage1(TableMemory.physical(memory), tiny, Granule.G4K, 48, 48);
        long before = tiny.used();
        assertThat(reason(() -> t.map(0x1000, 0x1000, 0x1000, Prot.of("r"))))
            .isEqualTo(PageTableException.Reason.OUT_OF_TABLE_MEMORY);
        assertThat(tiny.used()).isEqualTo(before);
        assertThat(memory.readLong(t.ttb())).isZero();
    }

    @Test
    void computes_what_a_stage_2_context_needs() {
        PageTableBuilder s2 = PageTableBuilder.stage2(TableMemory.physical(memory), allocator, Granule.G4K, 40, 44);
        assertThat(s2.startLevel()).isEqualTo(1);
        assertThat(s2.concatenatedTables()).isEqualTo(2);
        assertThat(s2.ttb() % 0x2000).isZero();
        assertThat(s2.sl0()).isEqualTo(1);
        assertThat(s2.stage2Context(5).t0sz()).isEqualTo(24);
        assertThat(s2.stage2Context(5).ps()).isEqualTo(44);
        assertThatThrownBy(s2::ttbHalf).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PageTableBuilder.stage2(TableMemory.physical(memory), allocator, Granule.G4K, 44, 48,
            1)).isInstanceOf(IllegalArgumentException.class);
    }
}
