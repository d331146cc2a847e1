package org.smmuref.smmu.pgtable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.Stage1Context;
import org.smmuref.smmu.hw.Translation;
import org.smmuref.smmu.hw.Walker;

/**
 * io-pgtable-arm's dirty tracking (IO_PGTABLE_QUIRK_ARM_HD, arm_lpae_read_and_clear_dirty) against the walker's
 * hardware dirty-state updates (SMMU 3.13, Arm ARM D8.4.4): writable leaves carry DBM, a harvest reports the dirty
 * ones and makes them clean, and the next DMA write through CD.HD makes them dirty again.
 */
class PageTableDirtyTest {
    static final long TABLES = 0x8000_0000L;
    static final long DBM = 1L << 51;
    static final long AP2 = 1L << 7;
    final PhysicalMemory memory = new PhysicalMemory().addRam(TABLES, 0x100_0000L);
    final PageTableBuilder b = PageTableBuilder.stage1(TableMemory.physical(memory),
        new PageAllocator(TABLES, 0x100_0000L), Granule.G4K, 48, 48).hardwareDirty(true);
    final Walker walker = new Walker(memory);

    List<long[]> harvest(long ia, long size, boolean noClear) {
        List<long[]> out = new ArrayList<>();
        b.readAndClearDirty(ia, size, noClear, (a, s) -> out.add(new long[] {a, s}));
        return out;
    }

    boolean write(long va) {
        Stage1Context c = Stage1Context.of(b.ttbHalf(), 48, 0, 0).withHttu(true, true);
        return walker.stage1(c, va, Access.PRIV_WRITE) instanceof Translation;
    }

    @Test
    void writable_leaves_get_dbm_and_start_dirty_read_only_ones_do_not_io_pgtable_arm_hd_quirk() {
        b.map(0x1000, 0x10_0000, 0x1000, Prot.of("rw"));
        b.map(0x2000, 0x10_1000, 0x1000, Prot.of("r"));
        assertThat(memory.readLong(b.leafDescriptorAddress(0x1000)) & (DBM | AP2)).isEqualTo(DBM);
        assertThat(memory.readLong(b.leafDescriptorAddress(0x2000)) & (DBM | AP2)).isEqualTo(AP2);
    }

    @Test
    void a_harvest_reports_and_cleans_and_the_next_hd_write_dirties_again_smmu_3_13() {
        b.map(0x1000, 0x10_0000, 0x3000, Prot.of("rw"));
        assertThat(harvest(0, 0x10000, false)).extracting(r -> r[0]).containsExactly(0x1000L, 0x2000L, 0x3000L);
        assertThat(harvest(0, 0x10000, false)).as("clean now").isEmpty();
        assertThat(memory.readLong(b.leafDescriptorAddress(0x2000)) & AP2).isEqualTo(AP2);
        assertThat(write(0x2008)).isTrue();
        assertThat(harvest(0, 0x10000, true)).extracting(r -> r[0]).as("NO_CLEAR").containsExactly(0x2000L);
        assertThat(harvest(0, 0x10000, false)).extracting(r -> r[0]).as("still dirty after NO_CLEAR")
            .containsExactly(0x2000L);
        assertThat(harvest(0, 0x10000, false)).isEmpty();
    }

    @Test
    void a_dirty_block_is_reported_clipped_to_the_range_asked_for() {
        b.map(0x20_0000, 0x40_0000, 0x20_0000, Prot.of("rw")); // one 2 MiB block
        List<long[]> r = harvest(0x21_0000, 0x1000, false);
        assertThat(r).hasSize(1);
        assertThat(r.get(0)).containsExactly(0x21_0000L, 0x1000L);
        assertThat(harvest(0x20_0000, 0x20_0000, false)).as("the whole block was cleaned").isEmpty();
    }

    @Test
    void dirty_tracking_is_stage_1_only() {
        PageTableBuilder s2 = PageTableBuilder.stage2(TableMemory.physical(memory),
            new PageAllocator(TABLES + 0x80_0000L, 0x10_0000L), Granule.G4K, 40, 44);
        assertThatThrownBy(() -> s2.hardwareDirty(true)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s2.readAndClearDirty(0, 0x1000, false, (a, s) -> { }))
            .isInstanceOf(IllegalStateException.class);
    }
}
