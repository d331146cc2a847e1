package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
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
 * Random interleavings of map / unmap (through the builder), the matching TLB invalidation, and lookups through the
 * engine never return a translation the tables no longer allow: every lookup equals the oracle of the current tables.
 * A negative control runs the same property without the invalidations and shows that it then fails.
 */
class InvalidationPropertyTest {
    enum Mode { S1, S2, NESTED }

    /** kind: 0 map, 1 unmap, 2..4 lookup; stage picks the builder in NESTED mode; scope picks the TLBI. */
    record Op(int kind, int stage, int slot, int count, int extra) {
    }

    record Case(Mode mode, Granule granule, int capacity, List<Op> ops) {
    }

    static Gen<Op> ops() {
        return integers().between(0, 4).zip(integers().between(0, 1), integers().between(0, 511),
            integers().between(1, 4), integers().between(0, 1 << 20), Op::new);
    }

    static Gen<Case> cases() {
        return Generate.enumValues(Mode.class).zip(Generate.enumValues(Granule.class), Generate.pick(List.of(2, 8, 512)),
            lists().of(ops()).ofSizeBetween(5, 60), Case::new);
    }

    @Test
    void lookups_after_unmap_and_invalidation_always_match_the_tables() {
        qt().withExamples(120).withShrinkCycles(200).forAll(cases()).checkAssert(c -> new Replay(c, false).run());
    }

    @Test
    void negative_control_skipping_the_invalidation_produces_a_stale_hit() {
        // Map one page readable at EL0 ("ru") (nested: at both stages), read it (filling the TLB), unmap it at
        // stage 1, read it again.
        List<Op> ops = List.of(new Op(0, 1, 3, 1, 64), new Op(0, 0, 3, 1, 64), new Op(2, 0, 3, 1, 4), new Op(1, 0, 3, 1, 0),
            new Op(2, 0, 3, 1, 4));
        for (Mode m : Mode.values()) {
            new Replay(new Case(m, Granule.G4K, 8, ops), false).run();
            assertThatThrownBy(() -> new Replay(new Case(m, Granule.G4K, 8, ops), true).run())
                .as("mode %s", m).isInstanceOf(AssertionError.class).hasMessageContaining("stale");
        }
        assertThatThrownBy(() -> qt().withExamples(100).withShrinkCycles(10).forAll(cases())
            .checkAssert(c -> new Replay(c, true).run())).isInstanceOf(AssertionError.class);
    }

    /** Replays one case against real tables + engine and against the oracles. */
    static final class Replay {
        static final long TABLES = 0x8000_0000L;
        static final long GUEST_PA = 0xA000_0000L;
        static final long GUEST_IPA = 0x4000_0000L;
        static final long REGION = 0x0800_0000L;
        static final long S1_OUT = 0x1_0000_0000L;
        static final int VMID = 6;
        static final int ASID = 9;

        final Case c;
        final boolean skipInvalidation;
        final PhysicalMemory memory = new PhysicalMemory().addRam(TABLES, REGION).addRam(GUEST_PA, REGION);
        final TranslationEngine engine;
        final Oracle o1 = new Oracle();
        final Oracle o2 = new Oracle();
        PageTableBuilder b1;
        PageTableBuilder b2;
        Stage1Context c1;
        Stage2Context c2;
        final long page;
        final long block;

        Replay(Case c, boolean skipInvalidation) {
            this.c = c;
            this.skipInvalidation = skipInvalidation;
            this.engine = new TranslationEngine(memory, new Tlb(c.capacity()), 48);
            this.page = c.granule().pageSize();
            this.block = 1L << c.granule().levelShift(2);
        }

        void run() {
            Granule g = c.granule();
            if (c.mode() != Mode.S1) {
                b2 = PageTableBuilder.stage2(TableMemory.physical(memory), new PageAllocator(TABLES, REGION), g, 42, 48);
                c2 = b2.stage2Context(VMID);
            }
            if (c.mode() == Mode.S1) {
                b1 = PageTableBuilder.stage1(TableMemory.physical(memory), new PageAllocator(TABLES, REGION), g, 40, 48);
            } else if (c.mode() == Mode.NESTED) {
                b2.map(GUEST_IPA, GUEST_PA, REGION, Prot.of("rw"));
                o2.map(GUEST_IPA, REGION, GUEST_PA, Prot.of("rw"));
                b1 = PageTableBuilder.stage1(TableMemory.translated(memory, ipa -> ipa - GUEST_IPA + GUEST_PA),
                    new PageAllocator(GUEST_IPA, REGION), g, 40, 42);
            }
            if (b1 != null) {
                c1 = Stage1Context.of(b1.ttbHalf(), c.mode() == Mode.NESTED ? 42 : 48, ASID, VMID);
            }
            for (Op op : c.ops()) {
                boolean stage2 = c.mode() == Mode.S2 || (c.mode() == Mode.NESTED && op.stage() == 1);
                if (op.kind() == 0) {
                    map(op, stage2);
                } else if (op.kind() == 1) {
                    unmap(op, stage2);
                } else {
                    lookup(op);
                }
            }
        }

        /** Input addresses live in 8 level-2 blocks; stage 2 maps the window that stage 1 outputs into. */
        long base(boolean stage2) {
            return stage2 && c.mode() == Mode.NESTED ? S1_OUT : 0;
        }

        long address(Op op, boolean stage2) {
            boolean whole = (op.extra() & 1) != 0;
            long offset = whole ? (op.slot() % 8) * block : (op.slot() * page * 3) % (8 * block);
            return base(stage2) + offset;
        }

        long size(Op op) {
            return (op.extra() & 1) != 0 ? block : op.count() * page;
        }

        void map(Op op, boolean stage2) {
            long ia = address(op, stage2);
            long size = size(op);
            long oa = (stage2 ? 0x2_0000_0000L : (c.mode() == Mode.NESTED ? S1_OUT : 0x2_0000_0000L))
                + ((op.extra() >>> 1) % 8) * block + (ia & (block - 1));
            int pi = (op.extra() >>> 4) % 9; // the eight readable kinds, and a non-global (ASID-tagged) one
            Prot p = WalkerOracleTest.PROTS.get(pi == 8 ? 11 : pi);
            Oracle o = stage2 ? o2 : o1;
            PageTableBuilder b = stage2 ? b2 : b1;
            try {
                b.map(ia, oa, size, p);
                assertThat(o.overlaps(ia, size)).isFalse();
                o.map(ia, size, oa, p);
            } catch (PageTableException e) {
                assertThat(e.reason()).isEqualTo(PageTableException.Reason.OVERLAP);
                assertThat(o.overlaps(ia, size)).isTrue();
            }
        }

        void unmap(Op op, boolean stage2) {
            long ia = address(op, stage2);
            long size = size(op);
            (stage2 ? b2 : b1).unmap(ia, size);
            (stage2 ? o2 : o1).unmap(ia, size);
            if (!skipInvalidation) {
                for (TlbInvalidation inv : invalidations(op, stage2, ia, size)) {
                    engine.tlb().invalidate(inv);
                }
            }
        }

        List<TlbInvalidation> invalidations(Op op, boolean stage2, long ia, long size) {
            List<TlbInvalidation> out = new ArrayList<>();
            int scope = op.count() + op.slot();
            if (stage2) {
                switch (scope % 3) {
                    case 0:
                        for (TlbInvalidation.Range r : ranges(ia, size)) {
                            out.add(new TlbInvalidation.S2Ipa(VMID, r.tgShift() == 0 ? ia : starts.remove(0), r,
                                true));
                        }
                        if (c.mode() == Mode.NESTED) {
                            out.add(new TlbInvalidation.NhAll(VMID)); // as KVM pairs IPAS2E1IS with VMALLE1IS
                        }
                        break;
                    case 1:
                        out.add(new TlbInvalidation.S12Vmall(VMID));
                        break;
                    default:
                        out.add(new TlbInvalidation.NsnhAll());
                }
                return out;
            }
            switch (scope % 5) {
                case 0:
                    for (TlbInvalidation.Range r : ranges(ia, size)) {
                        out.add(new TlbInvalidation.NhVa(VMID, ASID, starts.remove(0), r, true, false));
                    }
                    break;
                case 1:
                    for (TlbInvalidation.Range r : ranges(ia, size)) {
                        out.add(new TlbInvalidation.NhVaa(VMID, starts.remove(0), r, true));
                    }
                    break;
                case 2:
                    out.add(new TlbInvalidation.NhAsid(VMID, ASID, false));
                    // Global (nG=0) entries are not ASID-scoped: software adds a VAA per page, here a range.
                    for (TlbInvalidation.Range r : ranges(ia, size)) {
                        out.add(new TlbInvalidation.NhVaa(VMID, starts.remove(0), r, true));
                    }
                    break;
                case 3:
                    out.add(new TlbInvalidation.NhAll(VMID));
                    break;
                default:
                    out.add(new TlbInvalidation.NsnhAll());
            }
            return out;
        }

        final List<Long> starts = new ArrayList<>();

        /** Range commands (TG = granule, NUM up to 31, SCALE as needed) covering [ia, ia + size), like a driver. */
        List<TlbInvalidation.Range> ranges(long ia, long size) {
            List<TlbInvalidation.Range> out = new ArrayList<>();
            int shift = c.granule().shift();
            long pages = size >>> shift;
            long at = ia;
            starts.clear();
            while (pages > 0) {
                int scale = 63 - Long.numberOfLeadingZeros(pages) >= 5 ? 63 - Long.numberOfLeadingZeros(pages) - 4 : 0;
                long num = Math.min(31, (pages >>> scale) - 1);
                out.add(new TlbInvalidation.Range(shift, scale, (int) num, 0));
                long covered = (num + 1) << scale;
                starts.add(at);
                at += covered << shift;
                pages -= covered;
            }
            return out;
        }

        void lookup(Op op) {
            boolean stage2Only = c.mode() == Mode.S2;
            long ia = address(op, stage2Only) + ((long) op.extra() * 8) % block % page;
            Access a = WalkerOracleTest.ACCESSES.get(op.kind() == 2 ? 0 : op.extra() % WalkerOracleTest.ACCESSES.size());
            TranslationResult r = engine.translate(c1, c2, ia, a);
            TranslationResult fresh = c.mode() == Mode.S1 ? new Walker(memory).stage1(c1, ia, a)
                : c.mode() == Mode.S2 ? new Walker(memory).stage2(c2, ia, a, FaultClass.IN, ia)
                : new Walker(memory).nested(c1, c2, ia, a);
            Long expected = expectedOutput(ia, a);
            if (expected == null) {
                assertThat(r.isTranslation()).as("stale translation of 0x%x (%s) after the tables dropped it", ia, a)
                    .isFalse();
                assertThat(fresh.isTranslation()).isFalse();
                assertThat(Bed.fault(r).type()).isEqualTo(Bed.fault(fresh).type());
                assertThat(Bed.fault(r).stage2()).isEqualTo(Bed.fault(fresh).stage2());
            } else {
                assertThat(r.isTranslation()).as("translation of 0x%x (%s): %s", ia, a, r).isTrue();
                assertThat(((Translation) r).outputAddress(ia)).as("stale output for 0x%x", ia).isEqualTo(expected);
            }
        }

        /** The oracle's output address, or null when the current tables fault. */
        Long expectedOutput(long ia, Access a) {
            long ipa = ia;
            if (c.mode() != Mode.S2) {
                Oracle.Region r1 = o1.find(ia);
                if (r1 == null || !Oracle.stage1Allows(r1.prot(), a)) {
                    return null;
                }
                ipa = r1.oa() + (ia - r1.start());
                if (c.mode() == Mode.S1) {
                    return ipa;
                }
            }
            Oracle.Region r2 = o2.find(ipa);
            if (r2 == null || !Oracle.stage2Allows(r2.prot(), a)) {
                return null;
            }
            return r2.oa() + (ipa - r2.start());
        }
    }
}
