package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Permissions of nested and stage-2-only translations against an oracle written from the Arm ARM's tables, not from
 * {@link Permissions}: stage-1 AP[2:1] with APTable (D8.4.1, table D8-46 / D8-50), PAN (D8.4.1.2), PXN / UXN with
 * PXNTable / UXNTable and the implicit PXN of EL0-writable memory (D8.4.2), WXN; stage-2 S2AP (table D8-77) and
 * XN[1:0] with and without FEAT_XNX (table D8-78; SMMU IDR3.XNX). Tables are written by {@link MiniTables}.
 * Every access is checked on the walk, on an engine TLB hit, and on the DMA port's precomputed hit check
 * ({@link Tlb#permittedStage1}). The negative control runs the oracle with XNX ignored and must disagree often.
 */
class PermissionOracleTest {
    static final long POOL = 0x4000_0000L;
    static final long POOL_SIZE = 0x0080_0000L;
    static final long S2_POOL = 0x8000_0000L;
    static final long VA = 0x12_3456_7000L;
    static final long IPA = 0x20_0000_0000L;
    static final long PA = 0x30_0000_0000L;
    static final int VMID = 2;
    static final int ASID = 7;

    /** The outcome the oracle predicts. */
    enum Verdict { OK, S1_FAULT, S2_FAULT }

    /**
     * One example's bits.
     *
     * @param ap AP[2:1]; {@code apTable} APTable[1:0]; {@code tableLevel} where the table bits sit (1 or 2)
     * @param s2ap S2AP[1:0]; {@code xn} stage-2 XN[1:0] as written (bits [54:53])
     * @param access bit 0 write, bit 1 instruction, bit 2 privileged
     */
    record Case(int ap, int apTable, boolean pxn, boolean uxn, boolean pxnTable, boolean uxnTable, int tableLevel,
                boolean pan, boolean wxn, int s2ap, int xn, boolean xnx, boolean stage2Only, int access) {
        Access acc() {
            return new Access((access & 1) != 0, (access & 2) != 0, (access & 4) != 0);
        }
    }

    record S1(int ap, int apTable, boolean pxn, boolean uxn, boolean pxnTable, boolean uxnTable, int tableLevel) {
    }

    record Rest(boolean pan, boolean wxn, int s2ap, int xn, boolean xnx) {
    }

    static Gen<Case> cases() {
        Gen<S1> s1 = integers().between(0, 3).zip(integers().between(0, 3), booleans().all(), booleans().all(),
            booleans().all(), (ap, apt, pxn, uxn, pxnt) -> new Object[] {ap, apt, pxn, uxn, pxnt})
            .zip(booleans().all(), integers().between(1, 2), (o, uxnt, lvl) -> new S1((Integer) o[0], (Integer) o[1],
                (Boolean) o[2], (Boolean) o[3], (Boolean) o[4], uxnt, lvl));
        Gen<Rest> rest = booleans().all().zip(booleans().all(), integers().between(0, 3), integers().between(0, 3),
            booleans().all(), Rest::new);
        return s1.zip(rest, booleans().all(), integers().between(0, 7), (a, b, s2only, access) -> new Case(a.ap(),
            a.apTable(), a.pxn(), a.uxn(), a.pxnTable(), a.uxnTable(), a.tableLevel(), b.pan(), b.wxn(), b.s2ap(),
            b.xn(), b.xnx(), s2only, access));
    }

    // ------------------------------------------------------------------------------------------------ the oracle

    /** The Arm ARM's answer for {@code c}; {@code honourXnx} false only in the negative control. */
    static Verdict oracle(Case c, boolean honourXnx) {
        boolean write = (c.access() & 1) != 0;
        boolean ifetch = (c.access() & 2) != 0;
        boolean priv = (c.access() & 4) != 0;
        if (!c.stage2Only() && !stage1Allows(c, write, ifetch, priv)) {
            return Verdict.S1_FAULT;
        }
        return stage2Allows(c, write, ifetch, priv, honourXnx) ? Verdict.OK : Verdict.S2_FAULT;
    }

    /** Stage 1, EL1&0 regime. */
    static boolean stage1Allows(Case c, boolean write, boolean ifetch, boolean priv) {
        // APTable[1] (bit 62) forces read-only below; APTable[0] (bit 61) removes EL0 access below.
        boolean ap2 = (c.ap() & 2) != 0 || (c.apTable() & 2) != 0;
        boolean ap1 = (c.ap() & 1) != 0 && (c.apTable() & 1) == 0;
        // Table D8-46: AP[2:1] 00 EL1 RW / EL0 none, 01 RW / RW, 10 RO / none, 11 RO / RO.
        boolean el1Write = !ap2;
        boolean el0Read = ap1;
        boolean el0Write = ap1 && !ap2;
        if (ifetch) {
            if (priv) {
                // PXN, PXNTable; EL0-writable memory is never executable at EL1; WXN: writable at EL1 means XN.
                boolean xn = c.pxn() || c.pxnTable() || el0Write || (c.wxn() && el1Write);
                return !xn;
            }
            boolean xn = c.uxn() || c.uxnTable() || (c.wxn() && el0Write);
            return !xn;
        }
        if (priv) {
            if (c.pan() && el0Read) {
                return false; // PAN: a privileged data access to memory EL0 can access
            }
            return !write || el1Write;
        }
        return write ? el0Write : el0Read;
    }

    /** Stage 2: S2AP for data (table D8-77); XN[1:0] for instruction fetches (table D8-78). */
    static boolean stage2Allows(Case c, boolean write, boolean ifetch, boolean priv, boolean honourXnx) {
        if (!ifetch) {
            return write ? (c.s2ap() & 2) != 0 : (c.s2ap() & 1) != 0;
        }
        if (!c.xnx() || !honourXnx) {
            return (c.xn() & 2) == 0; // bit 53 is RES0 without FEAT_XNX: XN is bit 54
        }
        switch (c.xn()) {
            case 0b00:
                return true;
            case 0b01:
                return !priv; // PXN: not executable at EL1
            case 0b10:
                return false;
            default:
                return priv;  // UXN: not executable at EL0
        }
    }

    // ------------------------------------------------------------------------------------------------ the model

    /** The model's verdicts for {@code c}: walk, engine TLB hit, DMA-port hit check (null where not applicable). */
    static Verdict[] model(Case c) {
        PhysicalMemory memory = new PhysicalMemory().addRam(POOL, POOL_SIZE).addRam(S2_POOL, POOL_SIZE);
        MiniTables s2 = new MiniTables(memory, S2_POOL, POOL_SIZE, 12, 39);
        s2.leaf(POOL, POOL, 2, MiniTables.AF | 3L << 6 | 0xFL << 2 | 1L << 54); // the guest tables: rw, XN
        for (long a = POOL + s2.size(2); a < POOL + POOL_SIZE; a += s2.size(2)) {
            s2.leaf(a, a, 2, MiniTables.AF | 3L << 6 | 0xFL << 2 | 1L << 54);
        }
        long s2Leaf = MiniTables.AF | (long) c.s2ap() << 6 | 0xFL << 2 | (long) c.xn() << 53;
        MiniTables s1 = new MiniTables(memory, POOL, POOL_SIZE, 12, 39);
        long s1Leaf = MiniTables.AF | (long) c.ap() << 6 | (c.pxn() ? 1L << 53 : 0) | (c.uxn() ? 1L << 54 : 0);
        s1.leaf(VA, IPA, 3, s1Leaf);
        long tableBits = (long) c.apTable() << 61 | (c.pxnTable() ? 1L << 59 : 0) | (c.uxnTable() ? 1L << 60 : 0);
        s1.tableBits(VA, c.tableLevel(), tableBits);
        long input = c.stage2Only() ? IPA : VA;
        s2.leaf(IPA, PA, 3, s2Leaf);
        Tlb tlb = new Tlb(64);
        TranslationEngine engine = new TranslationEngine(memory, tlb, 48, new Walker.Implementation(52, c.xnx()));
        Stage2Context c2 = Stage2Context.of(VMID, s2.root(), 64 - 39, s2.startLevel(), Granule.G4K, 48);
        Stage1Context c1 = new Stage1Context(TtbHalf.of(s1.root(), 64 - 39, Granule.G4K), TtbHalf.disabled(), 48,
            false, ASID, false, c.pan(), c.wxn(), false, StreamWorld.NS_EL1, VMID);
        Stage1Context s1c = c.stage2Only() ? null : c1;
        Verdict walk = verdict(s1c == null ? engine.walker().stage2(c2, input, c.acc(), FaultClass.IN, input)
            : engine.walker().nested(s1c, c2, input, c.acc()));
        // Fill the TLB with any access the walk allows, then ask again for this access: a hit.
        Verdict hit = null;
        Verdict port = null;
        for (int a = 0; a < 8; a++) {
            Access fill = new Access((a & 1) != 0, (a & 2) != 0, (a & 4) != 0);
            if (engine.translate(s1c, c2, input, fill) instanceof Translation) {
                hit = verdict(engine.translate(s1c, c2, input, c.acc()));
                if (s1c != null) {
                    Tlb.Stage1Tags tags = new Tlb.Stage1Tags(c1, VMID, Granule.G4K);
                    port = tlb.permittedStage1(tags, input, c.acc()) != null ? Verdict.OK : null;
                }
                break;
            }
        }
        return new Verdict[] {walk, hit, port};
    }

    static Verdict verdict(TranslationResult r) {
        if (r instanceof Translation t) {
            assertThat(t.outputAddress(t.inputBase())).isEqualTo(PA);
            return Verdict.OK;
        }
        TranslationFault f = (TranslationFault) r;
        assertThat(f.type()).as("%s", f).isEqualTo(FaultType.F_PERMISSION);
        return f.stage2() ? Verdict.S2_FAULT : Verdict.S1_FAULT;
    }

    static void check(Case c, boolean honourXnx) {
        Verdict expected = oracle(c, honourXnx);
        Verdict[] got = model(c);
        if (got[0] != expected) {
            throw new AssertionError("walk: " + got[0] + ", Arm ARM: " + expected + " for " + c);
        }
        if (got[1] != null && got[1] != expected) {
            throw new AssertionError("TLB hit: " + got[1] + ", Arm ARM: " + expected + " for " + c);
        }
        if (got[1] != null && !c.stage2Only() && (got[2] == Verdict.OK) != (expected == Verdict.OK)) {
            throw new AssertionError("DMA-port hit check: " + got[2] + ", Arm ARM: " + expected + " for " + c);
        }
    }

    @Test
    void every_permission_combination_matches_the_arm_arm_tables_on_walks_and_hits() {
        qt().withExamples(2000).withShrinkCycles(200).forAll(cases()).checkAssert(c -> check(c, true));
    }

    @Test
    void stage_2_xn_with_xnx_depends_on_the_privilege_of_the_fetch() {
        // XN[1:0] = 01 (PXN) and 11 (UXN) under a stage-2-only stream, fetch by EL1 (access 0b110) and EL0 (0b010).
        Case pxnPriv = new Case(1, 0, false, false, false, false, 2, false, false, 3, 0b01, true, true, 0b110);
        Case pxnUser = new Case(1, 0, false, false, false, false, 2, false, false, 3, 0b01, true, true, 0b010);
        Case uxnPriv = new Case(1, 0, false, false, false, false, 2, false, false, 3, 0b11, true, true, 0b110);
        Case uxnUser = new Case(1, 0, false, false, false, false, 2, false, false, 3, 0b11, true, true, 0b010);
        assertThat(model(pxnPriv)[0]).isEqualTo(Verdict.S2_FAULT);
        assertThat(model(pxnUser)[0]).isEqualTo(Verdict.OK);
        assertThat(model(uxnPriv)[0]).isEqualTo(Verdict.OK);
        assertThat(model(uxnUser)[0]).isEqualTo(Verdict.S2_FAULT);
        // Without XNX bit 53 is RES0: 01 executes everywhere, 11 nowhere.
        Case pxnNoXnx = new Case(1, 0, false, false, false, false, 2, false, false, 3, 0b01, false, true, 0b110);
        Case uxnNoXnx = new Case(1, 0, false, false, false, false, 2, false, false, 3, 0b11, false, true, 0b110);
        assertThat(model(pxnNoXnx)[0]).isEqualTo(Verdict.OK);
        assertThat(model(uxnNoXnx)[0]).isEqualTo(Verdict.S2_FAULT);
    }

    @Test
    void negative_control_an_oracle_that_ignores_xnx_disagrees_where_xnx_matters() {
        // Random cases narrowed to where XNX decides: XNX implemented, a privileged fetch, XN[1:0] = 01 or 11.
        Gen<Case> where = cases().map(c -> new Case(c.ap(), c.apTable(), c.pxn(), c.uxn(), c.pxnTable(),
            c.uxnTable(), c.tableLevel(), c.pan(), c.wxn(), c.s2ap(), c.xn() | 1, true, c.stage2Only(),
            c.access() | 0b110));
        int[] counts = new int[2];
        qt().withFixedSeed(7L).withExamples(300).forAll(where).check(c -> {
            counts[0]++;
            try {
                check(c, false);
            } catch (AssertionError e) {
                assertThat(e.getMessage()).contains("Arm ARM");
                counts[1]++;
            }
            return true;
        });
        // Every example whose stage 1 allows the fetch must disagree; stage-1 faults hide stage 2.
        assertThat(counts[1]).as("disagreements of %d", counts[0]).isGreaterThan(counts[0] / 4);
        assertThatThrownBy(() -> check(new Case(1, 0, false, false, false, false, 2, false, false, 3, 0b01, true,
            true, 0b110), false)).hasMessageContaining("Arm ARM");
    }
}
