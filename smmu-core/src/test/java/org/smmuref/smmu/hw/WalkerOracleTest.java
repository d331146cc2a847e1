package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.PageTableException;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.pgtable.TableMemory;

/**
 * Compares the walker and the translation engine with an independent map-based {@link Oracle} on random mappings,
 * for every granule and for stage 1, stage 2 and nested. Every query is translated twice through the engine: the miss
 * (a walk) and the hit (the TLB with its permission re-check) must both agree. The tables are built once by the
 * page-table builder and once by {@link MiniTables}, a second encoder that shares no geometry code with the walker
 * (a block illegal at its level is written as the next level's entries, by the encoder's own rule).
 */
class WalkerOracleTest {
    static final long TABLE_PA = 0x8000_0000L;
    static final long GUEST_TABLE_PA = 0xA000_0000L;
    static final long GUEST_TABLE_IPA = 0x4000_0000L;
    static final long TABLE_REGION = 0x1000_0000L;
    static final long S1_OUT_BASE = 0x1_0000_0000L;

    static final List<Prot> PROTS = List.of(Prot.of("r"), Prot.of("rw"), Prot.of("rx"), Prot.of("rwx"),
        Prot.of("ru"), Prot.of("rwu"), Prot.of("rxu"), Prot.of("rwxu"), Prot.of("w"), Prot.of("wx"), Prot.of("x"),
        Prot.of("rwn"));
    static final List<Access> ACCESSES = List.of(Access.READ, Access.WRITE, Access.PRIV_READ, Access.PRIV_WRITE,
        Access.EXEC, new Access(false, true, true));

    /** A mapping request: level picks the alignment unit, so blocks appear where legal. */
    record MapReq(int level, int slot, int count, int oaSlot, int prot) {
    }

    /** A query: an address relative to a mapped region (or anywhere) and an access. */
    record Query(int target, int where, long raw, int access) {
    }

    /** One random layout. */
    record Scenario(Granule g1, int bits1, Granule g2, int bits2, List<MapReq> s1Maps, List<MapReq> s2Maps,
                    List<Query> queries) {
    }

    static Gen<MapReq> mapReqs() {
        return integers().between(1, 3).zip(integers().between(0, 23), integers().between(1, 3),
            integers().between(0, 31), integers().between(0, PROTS.size() - 1), MapReq::new);
    }

    static Gen<Query> queries() {
        return integers().between(0, 15).zip(integers().between(0, 3), longs().all(),
            integers().between(0, ACCESSES.size() - 1), Query::new);
    }

    static Gen<Scenario> scenarios(Gen<Granule> g1, Gen<Granule> g2) {
        Gen<Integer> bitsIdx = integers().between(0, 3);
        Gen<List<MapReq>> maps = lists().of(mapReqs()).ofSizeBetween(1, 10);
        Gen<List<Query>> qs = lists().of(queries()).ofSizeBetween(10, 40);
        Gen<Scenario> partial = g1.zip(bitsIdx, g2, bitsIdx,
            (a, b, c, d) -> new Scenario(a, s1Bits(a, b), c, s2Bits(c, d), null, null, null));
        return partial.zip(maps, maps, qs, (s, m1, m2, q) ->
            new Scenario(s.g1(), s.bits1(), s.g2(), s.bits2(), m1, m2, q));
    }

    static int s1Bits(Granule g, int i) {
        switch (g) {
            case G4K:
                return new int[] {32, 39, 40, 48}[i];
            case G16K:
                return new int[] {36, 40, 47, 48}[i];
            default:
                return new int[] {34, 42, 48, 52}[i];
        }
    }

    static int s2Bits(Granule g, int i) {
        return new int[] {40, 42, 44, 48}[i];
    }

    static Gen<Granule> granules() {
        return Generate.enumValues(Granule.class);
    }

    @Test
    void stage1_matches_the_oracle_for_every_granule() {
        qt().withExamples(60).withShrinkCycles(200).forAll(scenarios(granules(), Generate.constant(Granule.G4K)))
            .checkAssert(s -> new Run(s).stage1());
    }

    @Test
    void stage2_matches_the_oracle_for_every_granule() {
        qt().withExamples(60).withShrinkCycles(200).forAll(scenarios(Generate.constant(Granule.G4K), granules()))
            .checkAssert(s -> new Run(s).stage2());
    }

    @Test
    void nested_matches_the_composed_oracles_for_every_pair_of_granules() {
        qt().withExamples(60).withShrinkCycles(200).forAll(scenarios(granules(), granules())).checkAssert(s -> new Run(s).nested());
    }

    @Test
    void stage1_on_tables_from_the_second_encoder_matches_the_oracle() {
        qt().withExamples(60).withShrinkCycles(200).forAll(scenarios(granules(), Generate.constant(Granule.G4K)))
            .checkAssert(s -> new Run(s, true).stage1());
    }

    @Test
    void stage2_on_tables_from_the_second_encoder_matches_the_oracle() {
        qt().withExamples(60).withShrinkCycles(200).forAll(scenarios(Generate.constant(Granule.G4K), granules()))
            .checkAssert(s -> new Run(s, true).stage2());
    }

    @Test
    void nested_on_tables_from_the_second_encoder_matches_the_composed_oracles() {
        qt().withExamples(60).withShrinkCycles(200).forAll(scenarios(granules(), granules()))
            .checkAssert(s -> new Run(s, true).nested());
    }

    /** One scenario on fresh memory. */
    static final class Run {
        final Scenario s;
        final PhysicalMemory memory = new PhysicalMemory().addRam(TABLE_PA, TABLE_REGION)
            .addRam(GUEST_TABLE_PA, TABLE_REGION);
        final Oracle o1 = new Oracle();
        final Oracle o2 = new Oracle();
        final TranslationEngine engine = new TranslationEngine(memory, new Tlb(64), 52);
        final boolean mini;

        Run(Scenario s) {
            this(s, false);
        }

        Run(Scenario s, boolean mini) {
            this.s = s;
            this.mini = mini;
        }

        void stage1() {
            int oaBits = s.g1() == Granule.G64K && s.bits1() == 52 ? 52 : 48;
            if (mini) {
                MiniTables t = new MiniTables(memory, a -> a, TABLE_PA, TABLE_REGION, s.g1().shift(), s.bits1(), -1);
                applyMini(t, s.g1(), o1, s.s1Maps(), true, 0, 0, oaBits);
                check1(Stage1Context.of(TtbHalf.of(t.root(), 64 - s.bits1(), s.g1()), oaBits, 5, 1), s.bits1());
                return;
            }
            PageTableBuilder b = PageTableBuilder.stage1(TableMemory.physical(memory),
                new PageAllocator(TABLE_PA, TABLE_REGION), s.g1(), s.bits1(), oaBits);
            apply(b, o1, s.s1Maps(), s.g1(), s.bits1(), 0, 0, oaBits);
            check1(Stage1Context.of(b.ttbHalf(), oaBits, 5, 1), s.bits1());
        }

        void check1(Stage1Context c, int bits) {
            for (Query q : s.queries()) {
                long va = address(q, o1, bits);
                Access a = ACCESSES.get(q.access());
                Oracle.Region r = inRange(va, bits) ? o1.find(va) : null;
                TranslationResult walked = engine.walker().stage1(c, va, a);
                expectStage1(walked, r, va, a);
                for (int i = 0; i < 2; i++) {
                    expectStage1(engine.translate(c, null, va, a), r, va, a);
                }
            }
        }

        /** Stage-2 tables by the second encoder: no 16K level-0 start without DS, so concatenate at level 1. */
        MiniTables miniStage2() {
            int start = -1;
            if (s.g2() == Granule.G16K && s.bits2() > 47) {
                start = 1;
            }
            return new MiniTables(memory, a -> a, TABLE_PA, TABLE_REGION, s.g2().shift(), s.bits2(), start);
        }

        void stage2() {
            Stage2Context c;
            if (mini) {
                MiniTables t = miniStage2();
                applyMini(t, s.g2(), o2, s.s1Maps(), false, 0, 0, 48);
                c = Stage2Context.of(7, t.root(), 64 - s.bits2(), t.startLevel(), s.g2(), 48);
            } else {
                PageTableBuilder b = PageTableBuilder.stage2(TableMemory.physical(memory),
                    new PageAllocator(TABLE_PA, TABLE_REGION), s.g2(), s.bits2(), 48);
                apply(b, o2, s.s1Maps(), s.g2(), s.bits2(), 0, 0, 48);
                c = b.stage2Context(7);
            }
            for (Query q : s.queries()) {
                long ipa = address(q, o2, s.bits2()) & Bits.mask(50);
                Access a = ACCESSES.get(q.access());
                Oracle.Region r = inRange(ipa, s.bits2()) ? o2.find(ipa) : null;
                expectStage2(engine.walker().stage2(c, ipa, a, FaultClass.IN, ipa), r, ipa, ipa, a);
                for (int i = 0; i < 2; i++) {
                    expectStage2(engine.translate(null, c, ipa, a), r, ipa, ipa, a);
                }
            }
        }

        void nested() {
            if (mini) {
                MiniTables t2 = miniStage2();
                // The guest's stage-1 tables live in IPA space, mapped by stage-2 pages of the second encoder.
                long page2 = 1L << s.g2().shift();
                for (long off = 0; off < GUEST_MINI_TABLES; off += page2) {
                    t2.leaf(GUEST_TABLE_IPA + off, GUEST_TABLE_PA + off, 3, s2Attrs(Prot.of("rw")));
                }
                o2.map(GUEST_TABLE_IPA, GUEST_MINI_TABLES, GUEST_TABLE_PA, Prot.of("rw"));
                int ips = s.bits2();
                int bits1 = Math.min(s.bits1(), 48);
                MiniTables t1 = new MiniTables(memory, ipa -> ipa - GUEST_TABLE_IPA + GUEST_TABLE_PA, GUEST_TABLE_IPA,
                    GUEST_MINI_TABLES, s.g1().shift(), bits1, -1);
                applyMini(t1, s.g1(), o1, s.s1Maps(), true, 0, S1_OUT_BASE, ips);
                applyMini(t2, s.g2(), o2, s.s2Maps(), false, S1_OUT_BASE, 0, 48);
                checkNested(Stage1Context.of(TtbHalf.of(t1.root(), 64 - bits1, s.g1()), ips, 5, 0),
                    Stage2Context.of(9, t2.root(), 64 - s.bits2(), t2.startLevel(), s.g2(), 48), bits1);
                return;
            }
            PageTableBuilder b2 = PageTableBuilder.stage2(TableMemory.physical(memory),
                new PageAllocator(TABLE_PA, TABLE_REGION), s.g2(), s.bits2(), 48);
            // The guest's stage-1 tables live in IPA space, reached through stage 2.
            b2.map(GUEST_TABLE_IPA, GUEST_TABLE_PA, TABLE_REGION, Prot.of("rw"));
            o2.map(GUEST_TABLE_IPA, TABLE_REGION, GUEST_TABLE_PA, Prot.of("rw"));
            int ips = s.bits2();
            PageTableBuilder b1 = PageTableBuilder.stage1(
                TableMemory.translated(memory, ipa -> ipa - GUEST_TABLE_IPA + GUEST_TABLE_PA),
                new PageAllocator(GUEST_TABLE_IPA, TABLE_REGION), s.g1(), Math.min(s.bits1(), 48), ips);
            apply(b1, o1, s.s1Maps(), s.g1(), b1.inputBits(), 0, S1_OUT_BASE, ips);
            apply(b2, o2, s.s2Maps(), s.g2(), s.bits2(), S1_OUT_BASE, 0, 48);
            checkNested(Stage1Context.of(b1.ttbHalf(), ips, 5, 0), b2.stage2Context(9), b1.inputBits());
        }

        void checkNested(Stage1Context c1, Stage2Context c2, int bits1) {
            for (Query q : s.queries()) {
                long va = address(q, o1, bits1);
                Access a = ACCESSES.get(q.access());
                Oracle.Region r1 = inRange(va, bits1) ? o1.find(va) : null;
                expectNested(engine.walker().nested(c1, c2, va, a), r1, va, a);
                for (int i = 0; i < 2; i++) {
                    expectNested(engine.translate(c1, c2, va, a), r1, va, a);
                }
            }
        }

        void expectNested(TranslationResult r, Oracle.Region r1, long va, Access a) {
            if (r1 == null || !Oracle.stage1Allows(r1.prot(), a)) {
                expectStage1(r, r1, va, a);
                return;
            }
            long ipa = r1.oa() + (va - r1.start());
            expectStage2(r, o2.find(ipa), va, ipa, a);
        }

        void expectStage1(TranslationResult r, Oracle.Region region, long va, Access a) {
            if (region == null) {
                assertThat(r).as("VA 0x%x unmapped", va).isInstanceOf(TranslationFault.class);
                TranslationFault f = (TranslationFault) r;
                assertThat(f.type()).isEqualTo(FaultType.F_TRANSLATION);
                assertThat(f.stage2()).isFalse();
                assertThat(f.faultClass()).isEqualTo(FaultClass.IN);
                assertThat(f.inputAddress()).isEqualTo(va);
            } else if (!Oracle.stage1Allows(region.prot(), a)) {
                assertThat(r).as("VA 0x%x %s %s", va, region.prot(), a).isInstanceOf(TranslationFault.class);
                TranslationFault f = (TranslationFault) r;
                assertThat(f.type()).isEqualTo(FaultType.F_PERMISSION);
                assertThat(f.stage2()).isFalse();
            } else {
                assertThat(r).as("VA 0x%x %s %s", va, region.prot(), a).isInstanceOf(Translation.class);
                Translation t = (Translation) r;
                assertThat(t.outputAddress(va)).as("PA of VA 0x%x", va).isEqualTo(region.oa() + (va - region.start()));
                assertThat(t.global()).isEqualTo(region.prot().global());
            }
        }

        void expectStage2(TranslationResult r, Oracle.Region region, long input, long ipa, Access a) {
            if (region == null || !Oracle.stage2Allows(region.prot(), a)) {
                assertThat(r).as("IPA 0x%x", ipa).isInstanceOf(TranslationFault.class);
                TranslationFault f = (TranslationFault) r;
                assertThat(f.type()).isEqualTo(region == null ? FaultType.F_TRANSLATION : FaultType.F_PERMISSION);
                assertThat(f.stage2()).isTrue();
                assertThat(f.faultClass()).isEqualTo(FaultClass.IN);
                assertThat(f.ipa()).isEqualTo(ipa);
                assertThat(f.inputAddress()).isEqualTo(input);
            } else {
                assertThat(r).as("IPA 0x%x %s %s", ipa, region.prot(), a).isInstanceOf(Translation.class);
                Translation t = (Translation) r;
                assertThat(t.outputAddress(input)).as("PA for IPA 0x%x", ipa)
                    .isEqualTo(region.oa() + (ipa - region.start()));
            }
        }
    }

    static boolean inRange(long address, int bits) {
        return address >>> bits == 0;
    }

    /** The guest stage-1 table pool of the second encoder's nested runs (mapped page by page at stage 2). */
    static final long GUEST_MINI_TABLES = 0x0100_0000L;

    /**
     * The second encoder's mapping of the same requests: each request is its level's leaves, or, where the Arm ARM
     * allows no block at that level for the granule (16K level 1, any level 0) or the output is not aligned to it, the
     * next level's; requests that overlap an earlier one are skipped, as the builder refuses them.
     */
    static void applyMini(MiniTables t, Granule g, Oracle o, List<MapReq> maps, boolean stage1, long iaBase,
                          long oaBase, int oaBits) {
        int bits = t.inputBits();
        for (MapReq m : maps) {
            int level = m.level();
            while (level < 3 && (1L << t.shiftOf(level)) * 8 > (1L << bits)) {
                level++;
            }
            long unit = 1L << t.shiftOf(level);
            long ia = (iaBase + m.slot() * unit) & Bits.mask(bits) & -unit;
            long size = Math.min(m.count() * unit, (1L << bits) - ia);
            long oa = (oaBase + m.oaSlot() * unit) & Bits.mask(oaBits);
            if (Long.compareUnsigned(oa + size - 1, Bits.mask(oaBits)) > 0 || o.overlaps(ia, size)) {
                continue;
            }
            Prot p = PROTS.get(m.prot());
            if (stage1 && !p.read()) {
                p = Prot.of("r");
            }
            // A leaf maps a naturally aligned block: descend until it is legal and the output is aligned too.
            int leafLevel = level;
            while (!blockLegal(g, leafLevel) || (oa & ((1L << t.shiftOf(leafLevel)) - 1)) != 0) {
                leafLevel++;
            }
            long step = 1L << t.shiftOf(leafLevel);
            long attrs = stage1 ? s1Attrs(p) : s2Attrs(p);
            for (long off = 0; off < size; off += step) {
                t.leaf(ia + off, oa + off, leafLevel, attrs);
            }
            o.map(ia, size, oa, p);
        }
    }

    /** Arm ARM D8.3 (DS=0, an implementation with 52-bit OA): where a block descriptor may sit. */
    static boolean blockLegal(Granule g, int level) {
        switch (g) {
            case G4K:
                return level >= 1;
            case G16K:
                return level >= 2;
            default:
                return level >= 1; // 64K level 1 (4 TiB) with FEAT_LPA, as this engine's walker has
        }
    }

    /** Stage-1 leaf attributes for {@code p}, as {@link Prot} documents them: AP[2:1], PXN, UXN, nG, AF, AttrIndx. */
    static long s1Attrs(Prot p) {
        long d = 3L << 8; // inner shareable
        d |= p.accessFlag() ? 1L << 10 : 0;
        d |= (long) (p.attr() < 0 ? 0 : p.attr() & 7) << 2;
        d |= p.write() ? 0 : 1L << 7;
        d |= p.user() ? 1L << 6 : 0;
        d |= p.global() ? 0 : 1L << 11;
        d |= p.exec() ? 0 : 1L << 53;
        d |= p.exec() && p.user() ? 0 : 1L << 54;
        return d;
    }

    /** Stage-2 leaf attributes for {@code p}: S2AP, XN[1:0] = 10 unless executable, MemAttr, AF. */
    static long s2Attrs(Prot p) {
        long d = 3L << 8;
        d |= p.accessFlag() ? 1L << 10 : 0;
        d |= (long) (p.attr() < 0 ? 0b1111 : p.attr()) << 2;
        d |= p.read() ? 1L << 6 : 0;
        d |= p.write() ? 1L << 7 : 0;
        d |= p.exec() ? 0 : 1L << 54;
        return d;
    }

    /** Maps each request through the builder and the oracle; both must agree on which requests overlap. */
    static void apply(PageTableBuilder b, Oracle o, List<MapReq> maps, Granule g, int bits, long iaBase, long oaBase,
                      int oaBits) {
        for (MapReq m : maps) {
            int level = m.level();
            while (level < 3 && (1L << g.levelShift(level)) * 8 > (1L << bits)) {
                level++;
            }
            long unit = 1L << g.levelShift(level);
            long ia = (iaBase + m.slot() * unit) & Bits.mask(bits) & -unit;
            long size = Math.min(m.count() * unit, (1L << bits) - ia);
            long oa = (oaBase + m.oaSlot() * unit) & Bits.mask(oaBits);
            if (Long.compareUnsigned(oa + size - 1, Bits.mask(oaBits)) > 0) {
                continue;
            }
            Prot p = PROTS.get(m.prot());
            if (b.stage() == PageTableBuilder.Stage.STAGE1 && !p.read()) {
                p = Prot.of("r");
            }
            boolean overlap = o.overlaps(ia, size);
            try {
                b.map(ia, oa, size, p);
                assertThat(overlap).as("builder mapped [0x%x, +0x%x) over an existing mapping", ia, size).isFalse();
                o.map(ia, size, oa, p);
            } catch (PageTableException e) {
                assertThat(e.reason()).isEqualTo(PageTableException.Reason.OVERLAP);
                assertThat(overlap).as("builder refused [0x%x, +0x%x): %s", ia, size, e.getMessage()).isTrue();
            }
        }
    }

    /** An address inside, just before or just after a mapped region, or anywhere in (and a bit beyond) the space. */
    static long address(Query q, Oracle o, int bits) {
        long page = 1L << 12;
        Oracle.Region r = o.size() == 0 ? null : o.region(q.target() % o.size());
        long raw = q.raw();
        switch (r == null ? 3 : q.where()) {
            case 0:
                return r.start() + Long.remainderUnsigned(raw, r.size());
            case 1:
                return r.start() - page + (raw & (page - 1));
            case 2:
                return r.start() + r.size() + (raw & (page - 1));
            default:
                return raw & Bits.mask(bits + 1);
        }
    }
}
