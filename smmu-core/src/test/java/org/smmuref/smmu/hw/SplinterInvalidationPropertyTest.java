package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Nested entries whose two stages have different block sizes, invalidated by single addresses, by ranges that cover
 * part of a block and by broadcasts, never leave a stale translation (Arm ARM D8.17 "splintering": every TLB entry
 * holding information from a stage-1 entry goes when that entry is invalidated, whatever address it translates;
 * SMMU section 4.4: the SMMU's TLBI commands and broadcast TLBIs behave like the PE's).
 *
 * <p>Two shapes: a stage-1 block over smaller stage-2 pages (the combined entries are stage-2 page sized, splinters of
 * the stage-1 block), and the reverse, stage-1 pages over a stage-2 block (the combined entries are stage-1 pages;
 * a stage-2 change is invalidated by TLBI_S2_IPA, which must remove the stage-2 block's IPA entry at any of its
 * addresses, followed by NH_ALL as Linux pairs them). The tables come from {@link MiniTables}, not the builder;
 * after the invalidation every sampled address is translated through the engine (TLB first) and through an uncached
 * walk of the current tables, and the two must agree. The negative control aims the invalidation outside the changed
 * entry and must see a stale translation in most examples.
 */
class SplinterInvalidationPropertyTest {
    static final long S1_POOL = 0x4000_0000L;  // guest tables, identity-mapped at stage 2
    static final long S1_POOL_SIZE = 0x0200_0000L;
    static final long S2_POOL = 0x8000_0000L;  // host tables
    static final long S2_POOL_SIZE = 0x0100_0000L;
    static final long IPA_A = 0x10_0000_0000L; // 64 GiB: aligned to every block size used here
    static final long IPA_B = 0x20_0000_0000L;
    static final long PA_A = 0x100_0000_0000L;
    static final long PA_B = 0x200_0000_0000L;
    static final int BITS = 39;
    static final int VMID = 5;
    static final int ASID = 3;
    static final long S1_LEAF = MiniTables.AF | 1L << 6;                       // EL0 read/write, AttrIndx 0
    static final long S2_LEAF = MiniTables.AF | 3L << 6 | 0xFL << 2;            // S2AP read/write, Normal WB

    /**
     * The shape of one example.
     *
     * @param g1 stage-1 granule (ordinal), {@code g2} stage-2 granule
     * @param reverse false: stage-1 block over stage-2 pages; true: stage-1 pages over a stage-2 block
     * @param blockIndex which big block of the VA space (the input base is blockIndex * its size)
     * @param samples offsets (in units of the small stage's page, wrapped) translated before and after
     */
    record Shape(int g1, int g2, boolean reverse, int blockIndex, List<Integer> samples) {
    }

    /**
     * What changes and how it is invalidated.
     *
     * @param change bit 0: 0 removes the changed entry, 1 points it elsewhere; bit 1 (reverse only): change the
     *     stage-2 block rather than a stage-1 page
     * @param inv the form of invalidation (see {@link Replay#invalidate})
     * @param where the invalidated address inside the changed entry, in units of 1/4096 of its size
     * @param num range NUM (7: a single address), {@code scale} range SCALE
     */
    record Inv(int change, int inv, int where, int num, int scale) {
    }

    record Case(Shape shape, Inv inv, boolean global) {
        int g1() {
            return shape.g1();
        }

        int g2() {
            return shape.g2();
        }

        boolean reverse() {
            return shape.reverse();
        }

        int blockIndex() {
            return shape.blockIndex();
        }

        List<Integer> samples() {
            return shape.samples();
        }
    }

    static Gen<Case> cases() {
        Gen<Integer> granule = integers().between(0, 2);
        Gen<Shape> shapes = granule.zip(granule, booleans().all(), integers().between(1, 3),
            lists().of(integers().between(0, 1 << 16)).ofSizeBetween(1, 6), Shape::new);
        Gen<Inv> invs = integers().between(0, 3).zip(integers().between(0, 6), integers().between(0, 4095),
            integers().between(0, 7), integers().between(0, 2), Inv::new);
        return shapes.zip(invs, booleans().all(), Case::new);
    }

    @Test
    void no_stale_translation_after_invalidating_any_address_of_a_changed_entry() {
        qt().withExamples(300).withShrinkCycles(100).forAll(cases()).checkAssert(c -> new Replay(c, false).run());
    }

    @Test
    void negative_control_an_invalidation_outside_the_changed_entry_leaves_stale_translations() {
        AtomicInteger stale = new AtomicInteger();
        AtomicInteger total = new AtomicInteger();
        qt().withFixedSeed(20261208L).withExamples(200).forAll(cases()).check(c -> {
            total.incrementAndGet();
            try {
                new Replay(c, true).run();
            } catch (AssertionError e) {
                assertThat(e.getMessage()).contains("stale");
                stale.incrementAndGet();
            }
            return true;
        });
        assertThat(stale.get()).as("stale in %d of %d examples", stale.get(), total.get())
            .isGreaterThan(total.get() / 2);
    }

    @Test
    void a_linux_style_2mib_unmap_by_one_tlbi_nh_va_removes_every_splinter() {
        // Stage-1 2 MiB block over stage-2 4K pages; TLBI_NH_VA at the block's base, then VA+0x5000 must not hit.
        Case c = new Case(new Shape(0, 0, false, 1, List.of(0, 5, 511)), new Inv(0, 0, 0, 7, 0), false);
        new Replay(c, false).run();
        assertThatThrownBy(() -> new Replay(c, true).run()).hasMessageContaining("stale");
    }

    /** Runs one case against the engine and the uncached walker. */
    static final class Replay {
        final Case c;
        final boolean miss;
        final PhysicalMemory memory = new PhysicalMemory().addRam(S1_POOL, S1_POOL_SIZE).addRam(S2_POOL, S2_POOL_SIZE);
        final Tlb tlb = new Tlb(512);
        final TranslationEngine engine = new TranslationEngine(memory, tlb, 48);
        final Granule g1;
        final Granule g2;
        final MiniTables s1;
        final MiniTables s2;
        final Stage1Context c1;
        final Stage2Context c2;

        Replay(Case c, boolean miss) {
            this.c = c;
            this.miss = miss;
            this.g1 = Granule.values()[c.g1()];
            this.g2 = Granule.values()[c.g2()];
            this.s1 = new MiniTables(memory, S1_POOL, S1_POOL_SIZE, g1.shift(), BITS);
            this.s2 = new MiniTables(memory, S2_POOL, S2_POOL_SIZE, g2.shift(), BITS);
            // The guest table pool is identity-mapped by stage-2 level-2 blocks.
            for (long a = S1_POOL & -s2.size(2); a < S1_POOL + S1_POOL_SIZE; a += s2.size(2)) {
                s2.leaf(a, a, 2, S2_LEAF);
            }
            this.c1 = new Stage1Context(TtbHalf.of(s1.root(), 64 - BITS, g1), TtbHalf.disabled(), 48, false, ASID,
                false, false, false, false, StreamWorld.NS_EL1, VMID);
            this.c2 = Stage2Context.of(VMID, s2.root(), 64 - BITS, s2.startLevel(), g2, 48);
        }

        /** The large entry: the stage-1 level-2 block, or (reverse) the stage-2 level-2 block. */
        long bigSize() {
            return c.reverse() ? s2.size(2) : s1.size(2);
        }

        /** The small pages under it: stage-2 pages, or (reverse) stage-1 pages. */
        long smallSize() {
            return c.reverse() ? s1.size(3) : s2.size(3);
        }

        long vaBase() {
            return c.blockIndex() * bigSize();
        }

        long offset(int sample) {
            long pages = bigSize() / smallSize();
            return (sample % pages) * smallSize() + (sample * 0x88L & (smallSize() - 1) & ~7L);
        }

        void run() {
            long ng = c.global() ? 0 : MiniTables.NG;
            if (c.reverse()) {
                s2.leaf(IPA_A, PA_A, 2, S2_LEAF);
                s2.leaf(IPA_B, PA_B, 2, S2_LEAF);
                for (int sample : c.samples()) {
                    long off = offset(sample) & -smallSize();
                    s1.leaf(vaBase() + off, IPA_A + off, 3, S1_LEAF | ng);
                }
            } else {
                s1.leaf(vaBase(), IPA_A, 2, S1_LEAF | ng);
                for (int sample : c.samples()) {
                    long off = offset(sample) & -smallSize();
                    s2.leaf(IPA_A + off, PA_A + off, 3, S2_LEAF);
                    s2.leaf(IPA_B + off, PA_B + off, 3, S2_LEAF);
                }
            }
            for (int sample : c.samples()) {
                assertThat(engine.translate(c1, c2, vaBase() + offset(sample), Access.READ).isTranslation()).isTrue();
                assertThat(engine.translate(null, c2, IPA_A + offset(sample), Access.READ).isTranslation()).isTrue();
            }
            boolean stage2Change = c.reverse() && (c.inv().change() & 2) != 0;
            boolean remove = (c.inv().change() & 1) == 0;
            // The changed entry: its input base and size.
            long changed;
            long changedSize;
            if (!c.reverse()) {
                changed = vaBase();
                changedSize = bigSize();
                if (remove) {
                    s1.clear(vaBase(), 2);
                } else {
                    s1.leaf(vaBase(), IPA_B, 2, S1_LEAF | ng);
                }
            } else if (!stage2Change) {
                long off = offset(c.samples().get(0)) & -smallSize();
                changed = vaBase() + off;
                changedSize = smallSize();
                if (remove) {
                    s1.clear(changed, 3);
                } else {
                    s1.leaf(changed, IPA_B + off, 3, S1_LEAF | ng);
                }
            } else {
                changed = IPA_A;
                changedSize = bigSize();
                if (remove) {
                    s2.clear(IPA_A, 2);
                } else {
                    s2.leaf(IPA_A, PA_B, 2, S2_LEAF);
                }
            }
            // The address aimed at: inside the changed entry, or (negative control) just beyond the big entry.
            long inside = changed + (changedSize >>> 12) * c.inv().where();
            long target = miss ? (stage2Change ? IPA_A : vaBase()) + bigSize() + (inside - changed) : inside;
            if (stage2Change) {
                tlb.invalidate(new TlbInvalidation.S2Ipa(VMID, target, range(target, g2), c.inv().inv() % 2 == 1));
                for (int sample : c.samples()) {
                    check("IPA", null, IPA_A + offset(sample));
                }
                // Combined entries need not be hit by TLBI_S2_IPA; the driver pairs it with NH_ALL.
                tlb.invalidate(new TlbInvalidation.NhAll(VMID));
            } else {
                tlb.invalidate(invalidate(target));
            }
            for (int sample : c.samples()) {
                check("VA", c1, vaBase() + offset(sample));
            }
        }

        /** A range for the TG=1 forms, or single; starting at {@code address}'s granule (part of the entry). */
        TlbInvalidation.Range range(long address, Granule g) {
            return c.inv().num() == 7 ? TlbInvalidation.Range.SINGLE
                : new TlbInvalidation.Range(g.shift(), c.inv().scale(), c.inv().num(), 0);
        }

        TlbInvalidation invalidate(long va) {
            return switch (c.inv().inv()) {
                case 0 -> new TlbInvalidation.NhVa(VMID, ASID, va, TlbInvalidation.Range.SINGLE, false, false);
                case 1 -> new TlbInvalidation.NhVa(VMID, ASID, va, TlbInvalidation.Range.SINGLE, true, false);
                case 2 -> new TlbInvalidation.NhVaa(VMID, va, TlbInvalidation.Range.SINGLE, c.inv().where() % 2 == 0);
                case 3 -> new TlbInvalidation.NhVa(VMID, ASID, va, range(va, g1), false, false);
                case 4 -> new TlbInvalidation.NhVaa(VMID, va, range(va, g1), true);
                // Broadcast VAE1IS / VALE1IS (the SMMU applies them with broadcast semantics).
                case 5 -> new TlbInvalidation.NhVa(VMID, ASID, va, TlbInvalidation.Range.SINGLE, false, true);
                default -> new TlbInvalidation.NhVa(VMID, ASID, va, range(va, g1), true, true);
            };
        }

        void check(String what, Stage1Context s1c, long address) {
            TranslationResult cached = s1c == null ? engine.translate(null, c2, address, Access.READ)
                : engine.translate(s1c, c2, address, Access.READ);
            TranslationResult walked = s1c == null ? engine.walker().stage2(c2, address, Access.READ, FaultClass.IN,
                address) : engine.walker().nested(s1c, c2, address, Access.READ);
            if (walked instanceof Translation w) {
                assertThat(cached.isTranslation()).as("%s 0x%x: %s", what, address, cached).isTrue();
                long got = ((Translation) cached).outputAddress(address);
                if (got != w.outputAddress(address)) {
                    throw new AssertionError(String.format("stale %s translation of 0x%x in %s: 0x%x, tables 0x%x",
                        what, address, c, got, w.outputAddress(address)));
                }
            } else if (cached instanceof Translation t) {
                throw new AssertionError(String.format("stale %s translation of 0x%x in %s: 0x%x, tables %s", what,
                    address, c, t.outputAddress(address), walked));
            }
        }
    }
}
