package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Compares the translation engine (walker and TLB) with an independent model of hardware AF and dirty-state updates
 * (SMMU 3.13; Arm ARM D8.4.3 / D8.4.4) on random stage-1 and stage-2 leaves and random sequences of DMA reads and
 * writes and software cleaning (AP[2] set again, or S2AP[1] cleared, then a TLBI, as read_and_clear_dirty does).
 * After every step the outcome and every descriptor in memory must equal the model's. The tables come from
 * {@link MiniTables}. The negative control is a model of a TLB that serves a write hit from a cached clean entry (the
 * bug the architecture rules out): it must disagree in most examples.
 */
class HttuOracleTest {
    static final long RAM = 0x8000_0000L;
    static final long OUT = 0x9000_0000L;
    static final int PAGES = 6;
    static final long AF = 1L << 10;
    static final long B6 = 1L << 6;  // stage 1: AP[1] (EL0); stage 2: S2AP[0] (read)
    static final long B7 = 1L << 7;  // stage 1: AP[2] (read-only); stage 2: S2AP[1] (write)
    static final long DBM = 1L << 51;
    static final Access[] ACCESSES = {Access.READ, Access.WRITE, Access.PRIV_READ, Access.PRIV_WRITE};

    /** One step: access {@code op} (0..3) or software cleaning (4) of page {@code page}. */
    record Step(int page, int op) {
    }

    /** Leaf attribute choices per page (bits 0..3: AF, bit 6, bit 7, DBM), the contexts' HA/HD, the steps. */
    record Scenario(boolean stage2, boolean ha, boolean hd, List<Integer> attrs, List<Step> steps) {
    }

    static Gen<Scenario> scenarios() {
        Gen<List<Integer>> attrs = lists().of(integers().between(0, 15)).ofSize(PAGES);
        Gen<List<Step>> steps = lists().of(integers().between(0, PAGES - 1)
            .zip(integers().between(0, 4), Step::new)).ofSizeBetween(10, 40);
        return booleans().all().zip(booleans().all(), booleans().all(), attrs, steps, Scenario::new);
    }

    static long attrBits(int choice) {
        return ((choice & 1) != 0 ? AF : 0) | ((choice & 2) != 0 ? B6 : 0) | ((choice & 4) != 0 ? B7 : 0)
            | ((choice & 8) != 0 ? DBM : 0);
    }

    static long va(int page) {
        return 0x20_0000L + page * 0x1000L;
    }

    /** The model's state of one leaf, kept as the three flags it may change plus the fixed ones. */
    static final class Page {
        boolean af;
        boolean b6;
        boolean b7;
        final boolean dbm;
        boolean cachedClean; // only the negative control looks at this

        Page(int choice) {
            af = (choice & 1) != 0;
            b6 = (choice & 2) != 0;
            b7 = (choice & 4) != 0;
            dbm = (choice & 8) != 0;
        }

        long bits() {
            return (af ? AF : 0) | (b6 ? B6 : 0) | (b7 ? B7 : 0) | (dbm ? DBM : 0);
        }
    }

    /**
     * The model. Outcome strings: "ok", "access" (Access flag fault), "perm" (Permission fault). Rules, per access:
     * AF = 0 without HA faults and changes nothing; with HA, AF becomes 1 (also when the access then takes a
     * permission fault). Stage 1: EL0 needs AP[1]; a write needs AP[2] = 0, or HD (with HA) and DBM, which then
     * clears AP[2]. Stage 2: a read needs S2AP[0]; a write needs S2AP[1], or S2HD (with S2HA) and DBM, which sets it.
     */
    static String model(Scenario s, Page p, Access a, boolean staleTlb) {
        if (!p.af && !s.ha()) {
            return "access";
        }
        boolean hdEffective = s.ha() && s.hd();
        if (s.ha()) {
            p.af = true;
        }
        if (!s.stage2()) {
            if (!a.privileged() && !p.b6) {
                return "perm";
            }
            if (!a.write()) {
                p.cachedClean = p.b7;
                return "ok";
            }
            if (!p.b7) {
                return "ok";
            }
            if (hdEffective && p.dbm && !(staleTlb && p.cachedClean)) {
                p.b7 = false;
                return "ok";
            }
            return "perm";
        }
        if (!a.write()) {
            p.cachedClean = !p.b7;
            return p.b6 ? "ok" : "perm";
        }
        if (p.b7) {
            return "ok";
        }
        if (hdEffective && p.dbm && !(staleTlb && p.cachedClean)) {
            p.b7 = true;
            return "ok";
        }
        return "perm";
    }

    /** Software cleaning in the model: a dirty DBM leaf becomes clean again (and the TLBI drops cached state). */
    static void clean(Scenario s, Page p) {
        if (p.dbm) {
            p.b7 = !s.stage2();
        }
        p.cachedClean = false;
    }

    /** Runs the scenario on the engine and the model; returns the first disagreement, or null. */
    static String firstDifference(Scenario s, boolean staleTlbModel) {
        PhysicalMemory memory = new PhysicalMemory().addRam(RAM, 0x2000_0000L);
        MiniTables t = s.stage2()
            ? new MiniTables(memory, a -> a, RAM, 0x100_0000L, 12, 40, 1)
            : new MiniTables(memory, RAM, 0x100_0000L, 12, 39);
        List<Page> pages = new ArrayList<>();
        for (int i = 0; i < PAGES; i++) {
            pages.add(new Page(s.attrs().get(i)));
            t.leaf(va(i), OUT + i * 0x1000L, 3, attrBits(s.attrs().get(i)) | (s.stage2() ? 0 : 1L << 54));
        }
        TranslationEngine engine = new TranslationEngine(memory, new Tlb(), 48);
        Stage1Context c1 = Stage1Context.of(new TtbHalf(t.root(), 64 - 39, Granule.G4K, false, false, false), 48, 1, 0)
            .withHttu(s.ha(), s.hd());
        Stage2Context c2 = Stage2Context.of(3, t.root(), 64 - 40, 1, Granule.G4K, 48).withHttu(s.ha(), s.hd());
        int n = 0;
        for (Step step : s.steps()) {
            n++;
            Page p = pages.get(step.page());
            long slot = t.slot(va(step.page()), 3);
            if (step.op() == 4) {
                long d = memory.readLong(slot);
                if ((d & DBM) != 0) {
                    memory.writeLong(slot, s.stage2() ? d & ~B7 : d | B7);
                }
                engine.tlb().invalidate(s.stage2() ? new TlbInvalidation.S12Vmall(3) : new TlbInvalidation.NhAll(0));
                clean(s, p);
                continue;
            }
            Access a = ACCESSES[step.op()];
            String expected = model(s, p, a, staleTlbModel);
            TranslationResult r = s.stage2()
                ? engine.translate(null, c2, va(step.page()), a)
                : engine.translate(c1, null, va(step.page()), a);
            String actual = r instanceof Translation tr
                ? (tr.outputAddress(va(step.page())) == OUT + step.page() * 0x1000L ? "ok" : "wrong output")
                : ((TranslationFault) r).type() == FaultType.F_ACCESS ? "access"
                : ((TranslationFault) r).type() == FaultType.F_PERMISSION ? "perm" : r.toString();
            if (!actual.equals(expected)) {
                return "step " + n + " " + step + ": engine " + actual + ", model " + expected;
            }
            for (int i = 0; i < PAGES; i++) {
                long d = memory.readLong(t.slot(va(i), 3)) & (AF | B6 | B7 | DBM);
                if (d != pages.get(i).bits()) {
                    return String.format("step %d %s: page %d descriptor bits 0x%x, model 0x%x", n, step, i, d,
                        pages.get(i).bits());
                }
            }
        }
        return null;
    }

    @Test
    void the_engine_matches_the_httu_model_on_random_leaves_and_access_sequences() {
        qt().withExamples(300).withShrinkCycles(200).forAll(scenarios())
            .checkAssert(s -> assertThat(firstDifference(s, false)).as("%s", s).isNull());
    }

    @Test
    void negative_control_a_tlb_that_writes_through_cached_clean_entries_disagrees_in_most_dirty_scenarios() {
        int relevant = 0;
        int disagreed = 0;
        Set<String> reasons = new HashSet<>();
        java.util.Random random = new java.util.Random(19);
        for (int e = 0; e < 300; e++) {
            List<Integer> attrs = new ArrayList<>();
            for (int i = 0; i < PAGES; i++) {
                attrs.add(random.nextInt(16) | 8 | 2); // DBM, readable / EL0
            }
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                steps.add(new Step(random.nextInt(PAGES), random.nextInt(5)));
            }
            Scenario s = new Scenario(random.nextBoolean(), true, true, attrs, steps);
            relevant++;
            String d = firstDifference(s, true);
            if (d != null) {
                disagreed++;
                reasons.add(d.replaceAll(".*: engine ", "").replaceAll("page \\d+ ", ""));
            }
        }
        assertThat(disagreed).as("disagreements in %d scenarios: %s", relevant, reasons).isGreaterThan(relevant / 2);
        assertThat(reasons).as("the stale model faults where the walk marks the page dirty").contains("ok, model perm");
    }
}
