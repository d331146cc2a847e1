package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hardware translation table updates (HTTU): AF and dirty state set by the walker in stage-1 and stage-2 leaves
 * (SMMU 3.13; Arm ARM D8.4.3 hardware AF, D8.4.4 hardware dirty state with DBM), the TLB's treatment of clean
 * entries, nested updates as stage-2 writes, and the compare-and-swap against concurrent software updates.
 */
class HttuTest {
    static final long RAM = 0x8000_0000L;
    static final long OUT = 0x9000_0000L;
    static final long VA = 0x40_0000L;
    static final long AP1 = 1L << 6;   // stage 1: EL0 access; stage 2: S2AP[0], read
    static final long AP2 = 1L << 7;   // stage 1: read-only; stage 2: S2AP[1], write
    static final long DBM = 1L << 51;
    static final long AF = MiniTables.AF;

    final PhysicalMemory memory = new PhysicalMemory().addRam(RAM, 0x2000_0000L);
    final MiniTables s1Tables = new MiniTables(memory, RAM, 0x100_0000L, 12, 39);
    final Walker walker = new Walker(memory);

    Stage1Context s1(boolean ha, boolean hd) {
        return Stage1Context.of(new TtbHalf(s1Tables.root(), 64 - 39, Granule.G4K, false, false, false), 48, 1, 0)
            .withHttu(ha, hd);
    }

    long leaf(long attrs) {
        s1Tables.leaf(VA, OUT, 3, attrs);
        return RAM; // unused
    }

    long desc() {
        return memory.readLong(s1Tables.slot(VA, 3));
    }

    @Test
    void ha_sets_the_access_flag_instead_of_an_access_flag_fault_smmu_3_13_arm_d8_4_3() {
        leaf(AP1);
        assertThat(walker.stage1(s1(false, false), VA, Access.READ)).isInstanceOfSatisfying(TranslationFault.class,
            f -> assertThat(f.type()).isEqualTo(FaultType.F_ACCESS));
        assertThat(desc() & AF).as("no HA: the descriptor is left alone").isZero();
        assertThat(walker.stage1(s1(true, false), VA, Access.READ)).isInstanceOf(Translation.class);
        assertThat(desc() & AF).as("HA: AF set by the walk").isEqualTo(AF);
    }

    @Test
    void hd_clears_ap2_of_a_writable_clean_dbm_leaf_on_the_first_write_arm_d8_4_4() {
        leaf(AF | AP1 | AP2 | DBM);
        TranslationResult read = walker.stage1(s1(true, true), VA, Access.READ);
        assertThat(read).isInstanceOfSatisfying(Translation.class, t -> {
            assertThat(t.s1Perms() & (Permissions.PW | Permissions.UW)).as("clean: read-only").isZero();
            assertThat(t.s1Perms() & Permissions.DIRTYABLE).isNotZero();
        });
        assertThat(desc() & AP2).as("a read leaves it clean").isEqualTo(AP2);
        assertThat(walker.stage1(s1(true, true), VA, Access.WRITE)).isInstanceOfSatisfying(Translation.class,
            t -> assertThat(t.s1Perms() & Permissions.UW).isNotZero());
        assertThat(desc() & AP2).as("dirty after the write").isZero();
        assertThat(desc() & DBM).isEqualTo(DBM);
    }

    @Test
    void without_dbm_or_with_hd_but_not_ha_a_write_to_a_read_only_leaf_is_a_permission_fault_arm_d8_4_4() {
        leaf(AF | AP1 | AP2);
        assertThat(walker.stage1(s1(true, true), VA, Access.WRITE)).isInstanceOfSatisfying(TranslationFault.class,
            f -> assertThat(f.type()).isEqualTo(FaultType.F_PERMISSION));
        leaf(AF | AP1 | AP2 | DBM);
        assertThat(s1(false, true).hd()).as("HD without HA is treated as 0").isFalse();
        assertThat(walker.stage1(s1(false, true), VA, Access.WRITE)).isInstanceOf(TranslationFault.class);
        assertThat(desc() & AP2).isEqualTo(AP2);
    }

    @Test
    void hd_does_not_dirty_a_leaf_that_aptable_or_the_privilege_check_still_forbids_arm_d8_4_4() {
        leaf(AF | AP2 | DBM); // privileged only
        assertThat(walker.stage1(s1(true, true), VA, Access.WRITE)).as("EL0 write to an EL1-only page")
            .isInstanceOf(TranslationFault.class);
        assertThat(desc() & AP2).isEqualTo(AP2);
        leaf(AF | AP1 | AP2 | DBM);
        s1Tables.tableBits(VA, 2, 1L << 62); // APTable[1]: no write below
        assertThat(walker.stage1(s1(true, true), VA, Access.WRITE)).isInstanceOf(TranslationFault.class);
        assertThat(walker.stage1(s1(true, true), VA, Access.READ)).isInstanceOfSatisfying(Translation.class,
            t -> assertThat(t.s1Perms() & Permissions.DIRTYABLE).as("never writable: not dirtyable").isZero());
        assertThat(desc() & AP2).isEqualTo(AP2);
    }

    @Test
    void the_tlb_never_caches_a_clean_entry_as_writable_and_a_write_hit_on_it_walks_again_smmu_3_13() {
        leaf(AF | AP1 | AP2 | DBM);
        TranslationEngine engine = new TranslationEngine(memory, new Tlb(), 48);
        Stage1Context c = s1(true, true);
        assertThat(engine.translate(c, null, VA, Access.READ)).isInstanceOf(Translation.class);
        assertThat(engine.tlb().lookupStage1(c, 0, null, VA)).isNotNull()
            .satisfies(t -> assertThat(t.s1Perms() & Permissions.UW).isZero());
        assertThat(engine.translate(c, null, VA, Access.WRITE)).as("the write walks and dirties")
            .isInstanceOf(Translation.class);
        assertThat(desc() & AP2).isZero();
        assertThat(engine.tlb().lookupStage1(c, 0, null, VA).s1Perms() & Permissions.UW).isNotZero();
        // Software cleans it again (read_and_clear_dirty) and invalidates: the next write dirties it again.
        memory.writeLong(s1Tables.slot(VA, 3), desc() | AP2);
        engine.tlb().invalidate(new TlbInvalidation.NhAll(0));
        assertThat(engine.translate(c, null, VA, Access.READ)).isInstanceOf(Translation.class);
        assertThat(engine.translate(c, null, VA, Access.WRITE)).isInstanceOf(Translation.class);
        assertThat(desc() & AP2).isZero();
    }

    MiniTables s2Tables = new MiniTables(memory, a -> a, RAM + 0x100_0000L, 0x100_0000L, 12, 40, 1);

    Stage2Context s2(boolean ha, boolean hd) {
        return Stage2Context.of(5, s2Tables.root(), 64 - 40, 1, Granule.G4K, 48).withHttu(ha, hd);
    }

    @Test
    void s2ha_and_s2hd_set_af_and_s2ap1_of_a_dbm_stage_2_leaf_smmu_3_13_arm_d8_4_4() {
        s2Tables.leaf(VA, OUT, 3, AP1 | DBM);
        assertThat(walker.stage2(s2(false, false), VA, Access.READ, FaultClass.IN, VA))
            .isInstanceOfSatisfying(TranslationFault.class, f -> assertThat(f.type()).isEqualTo(FaultType.F_ACCESS));
        assertThat(walker.stage2(s2(true, true), VA, Access.READ, FaultClass.IN, VA))
            .isInstanceOfSatisfying(Translation.class, t -> assertThat(t.s2Perms() & Permissions.S2W).isZero());
        long d = memory.readLong(s2Tables.slot(VA, 3));
        assertThat(d & (AF | AP2)).as("AF set, still clean").isEqualTo(AF);
        assertThat(walker.stage2(s2(true, false), VA, Access.WRITE, FaultClass.IN, VA)).as("no S2HD")
            .isInstanceOf(TranslationFault.class);
        assertThat(walker.stage2(s2(true, true), VA, Access.WRITE, FaultClass.IN, VA))
            .isInstanceOf(Translation.class);
        assertThat(memory.readLong(s2Tables.slot(VA, 3)) & AP2).as("S2AP[1] set: dirty").isEqualTo(AP2);
    }

    /** A nested layout: stage-1 tables at IPAs mapped by stage 2 page by page, stage-1 output at an IPA too. */
    final class Nested {
        static final long S1_POOL_IPA = 0x1000_0000L;
        static final long S1_POOL_PA = RAM + 0x800_0000L;
        static final long OUT_IPA = 0x2000_0000L;
        final MiniTables g = new MiniTables(memory, a -> a - S1_POOL_IPA + S1_POOL_PA, S1_POOL_IPA, 0x10_0000L, 12,
            39, -1);
        final MiniTables h = new MiniTables(memory, a -> a, RAM + 0x400_0000L, 0x100_0000L, 12, 40, 1);

        Nested(long tablePageS2Attrs, long outS2Attrs, long s1LeafAttrs) {
            g.leaf(VA, OUT_IPA, 3, s1LeafAttrs);
            for (long p = S1_POOL_IPA; p < S1_POOL_IPA + 0x10000; p += 0x1000) {
                h.leaf(p, p - S1_POOL_IPA + S1_POOL_PA, 3, tablePageS2Attrs);
            }
            h.leaf(OUT_IPA, OUT, 3, outS2Attrs);
        }

        Stage1Context s1() {
            return Stage1Context.of(new TtbHalf(g.root(), 64 - 39, Granule.G4K, false, false, false), 48, 1, 5)
                .withHttu(true, true);
        }

        Stage2Context s2() {
            return Stage2Context.of(5, h.root(), 64 - 40, 1, Granule.G4K, 48).withHttu(true, true);
        }

        long s2DescOf(long ipa) {
            return memory.readLong(h.slot(ipa, 3));
        }
    }

    @Test
    void nested_a_stage_1_af_update_is_a_stage_2_write_that_s2hd_records_as_dirty_smmu_3_13() {
        Nested n = new Nested(AF | AP1 | DBM, AF | AP1 | AP2, AP1);
        long leafIpa = n.g.slot(VA, 3);
        assertThat(n.s2DescOf(leafIpa) & AP2).as("table page clean before").isZero();
        assertThat(walker.nested(n.s1(), n.s2(), VA, Access.READ)).isInstanceOf(Translation.class);
        assertThat(memory.readLong(leafIpa - Nested.S1_POOL_IPA + Nested.S1_POOL_PA) & AF).isEqualTo(AF);
        assertThat(n.s2DescOf(leafIpa) & AP2).as("the stage-1 leaf's table page is dirty at stage 2").isEqualTo(AP2);
        assertThat(n.s2DescOf(Nested.OUT_IPA) & AP2).as("output page written already").isEqualTo(AP2);
    }

    @Test
    void nested_an_update_to_a_stage_1_table_on_a_read_only_stage_2_page_is_a_tt_write_fault_smmu_3_13() {
        Nested n = new Nested(AF | AP1, AF | AP1 | AP2, AP1);
        assertThat(walker.nested(n.s1(), n.s2(), VA, Access.READ)).isInstanceOfSatisfying(TranslationFault.class,
            f -> {
                assertThat(f.type()).isEqualTo(FaultType.F_PERMISSION);
                assertThat(f.stage2()).isTrue();
                assertThat(f.faultClass()).isEqualTo(FaultClass.TT);
                assertThat(f.ttRnW()).as("the update is a write").isFalse();
            });
        assertThat(memory.readLong(n.g.slot(VA, 3) - Nested.S1_POOL_IPA + Nested.S1_POOL_PA) & AF).isZero();
    }

    @Test
    void nested_a_write_to_a_clean_output_page_marks_it_dirty_at_stage_2_also_from_a_cached_entry_smmu_3_13() {
        Nested n = new Nested(AF | AP1 | AP2, AF | AP1 | DBM, AF | AP1);
        TranslationEngine engine = new TranslationEngine(memory, new Tlb(), 48);
        assertThat(engine.translate(n.s1(), n.s2(), VA, Access.READ)).isInstanceOf(Translation.class);
        assertThat(n.s2DescOf(Nested.OUT_IPA) & AP2).isZero();
        assertThat(engine.translate(n.s1(), n.s2(), VA, Access.WRITE)).isInstanceOf(Translation.class);
        assertThat(n.s2DescOf(Nested.OUT_IPA) & AP2).as("dirty at stage 2").isEqualTo(AP2);
        assertThat(engine.translate(n.s1(), n.s2(), VA, Access.WRITE)).as("now a plain hit")
            .isSameAs(engine.tlb().lookupStage1(n.s1(), 5, Granule.G4K, VA));
    }

    /**
     * The update is a compare-and-swap of the descriptor read by the walk (Arm ARM D8.4.4: atomic with respect to
     * other updates): software that unmaps the page concurrently is never undone by a dirty-state write that used
     * the old value. Every round ends with the descriptor software wrote; a plain read-modify-write could restore it.
     */
    @Test
    void a_concurrent_software_unmap_is_never_overwritten_by_the_dirty_update_arm_d8_4_4() throws Exception {
        Stage1Context c = s1(true, true);
        long slot = s1Tables.slot(VA, 3);
        for (int round = 0; round < 2000; round++) {
            leaf(AP1 | AP2 | DBM);
            CountDownLatch go = new CountDownLatch(1);
            Thread sw = new Thread(() -> {
                try {
                    go.await(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                memory.writeLong(slot, 0);
            });
            sw.start();
            go.countDown();
            TranslationResult r = walker.stage1(c, VA, Access.WRITE);
            sw.join(5000);
            assertThat(memory.readLong(slot)).as("round %d: %s", round, r).isZero();
        }
    }
}
