package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The invalidation property through the whole device: random operation lists of map / unmap / remap (through the
 * page-table builders) followed by the matching TLBI commands and CMD_SYNC through the command queue, interleaved with
 * DMA reads and writes at the DMA port. No DMA ever returns a translation the tables no longer allow: every outcome
 * equals a map-based oracle of the current tables. A negative control omits the TLBI and shows the property fails.
 */
class DeviceInvalidationPropertyTest {
    enum Mode { S1, S2, NESTED }

    static final int SID = 9;
    static final int VMID = 5;
    static final int ASID = 3;
    static final int SLOTS = 16;
    static final long VA = 0x10_0000_0000L;
    static final long IPA = SmmuBed.GUEST_IPA + SmmuBed.GUEST_SIZE;

    /**
     * One operation.
     *
     * @param kind 0 map/remap, 1 unmap, 2 DMA read, 3 DMA write
     * @param stage which stage a nested map/unmap changes (0 stage 1, 1 stage 2)
     * @param slot which page
     * @param variant output page (0..3), writability (bit 0), and which TLBI form to use
     */
    record Op(int kind, int stage, int slot, int variant) {
    }

    record Case(Mode mode, List<Op> ops) {
    }

    static Gen<Op> ops() {
        return integers().between(0, 3).zip(integers().between(0, 1), integers().between(0, SLOTS - 1),
            integers().between(0, 15), Op::new);
    }

    static Gen<Case> cases() {
        return Generate.enumValues(Mode.class).zip(lists().of(ops()).ofSizeBetween(1, 40), Case::new);
    }

    @Test
    void dma_never_returns_a_translation_the_tables_no_longer_allow() {
        qt().withExamples(60).forAll(cases()).checkAssert(c -> new Replay(c, false).run());
    }

    @Test
    void negative_control_without_the_tlbi_the_property_fails() {
        List<Op> ops = List.of(new Op(0, 0, 1, 0), new Op(0, 1, 1, 0), new Op(2, 0, 1, 0), new Op(1, 0, 1, 0),
            new Op(1, 1, 1, 0), new Op(2, 0, 1, 0));
        for (Mode m : Mode.values()) {
            new Replay(new Case(m, ops), false).run();
            assertThatThrownBy(() -> new Replay(new Case(m, ops), true).run()).as("mode %s", m)
                .isInstanceOf(AssertionError.class).hasMessageContaining("stale");
        }
    }

    /** Runs one case against a fresh device and the oracle. */
    static final class Replay {
        final Case c;
        final boolean skipTlbi;
        final SmmuBed bed = new SmmuBed();
        PageTableBuilder s1;
        PageTableBuilder s2;
        /** Stage-1 oracle: slot -> (output page, writable); stage-2 oracle: IPA page -> (PA page, writable). */
        final Map<Integer, int[]> s1Map = new HashMap<>();
        final Map<Integer, int[]> s2Map = new HashMap<>();

        Replay(Case c, boolean skipTlbi) {
            this.c = c;
            this.skipTlbi = skipTlbi;
            switch (c.mode()) {
                case S1 -> {
                    s1 = bed.s1();
                    bed.writeCd(SmmuBed.CDS, nonGlobalCd(bed, s1));
                    bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, VMID));
                }
                case S2 -> {
                    s2 = bed.s2();
                    bed.writeSte(SID, SmmuBed.s2Ste(s2, VMID));
                }
                case NESTED -> {
                    s2 = bed.s2();
                    SmmuBed.mapGuestWindow(s2);
                    s1 = bed.guestS1();
                    bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, nonGlobalCd(bed, s1));
                    bed.writeSte(SID, SmmuBed.nestedSte(s2, VMID, SmmuBed.GUEST_CDS_IPA));
                }
            }
            bed.submitSync(Commands.cfgiSte(SID));
        }

        static Map<String, Long> nonGlobalCd(SmmuBed bed, PageTableBuilder s1) {
            return SmmuBed.cd(s1, ASID);
        }

        void run() {
            for (Op op : c.ops()) {
                switch (op.kind()) {
                    case 0 -> map(op);
                    case 1 -> unmap(op);
                    default -> dma(op, op.kind() == 3);
                }
            }
        }

        boolean stage1Op(Op op) {
            return c.mode() == Mode.S1 || c.mode() == Mode.NESTED && op.stage() == 0;
        }

        long ia(Op op) {
            return stage1Op(op) ? VA + (long) op.slot() * 0x1000 : IPA + (long) op.slot() * 0x1000;
        }

        void map(Op op) {
            unmap(op);
            int page = op.variant() & 3;
            boolean writable = (op.variant() & 1) == 0;
            if (stage1Op(op)) {
                // Stage 1 outputs an IPA slot page when nested, else a PA page.
                long out = c.mode() == Mode.NESTED ? IPA + (long) (op.slot() ^ page) * 0x1000
                    : SmmuBed.TARGET + (long) (op.slot() * 4 + page) * 0x1000;
                s1.map(ia(op), out, 0x1000, Prot.of(writable ? "rwun" : "run"));
                s1Map.put(op.slot(), new int[] {c.mode() == Mode.NESTED ? op.slot() ^ page : op.slot() * 4 + page,
                    writable ? 1 : 0});
            } else {
                s2.map(ia(op), SmmuBed.TARGET + (long) (op.slot() * 4 + page) * 0x1000, 0x1000,
                    Prot.of(writable ? "rw" : "r"));
                s2Map.put(op.slot(), new int[] {op.slot() * 4 + page, writable ? 1 : 0});
            }
            // A new mapping of an unmapped address needs no invalidation (no invalid entry is cached).
        }

        void unmap(Op op) {
            Map<Integer, int[]> model = stage1Op(op) ? s1Map : s2Map;
            if (model.remove(op.slot()) == null) {
                return;
            }
            (stage1Op(op) ? s1 : s2).unmap(ia(op), 0x1000);
            if (skipTlbi) {
                return;
            }
            long a = ia(op);
            int form = op.variant() >> 2;
            if (stage1Op(op)) {
                bed.submitSync(switch (form) {
                    case 0 -> Commands.tlbiNhVa(VMID, ASID, a, true);
                    case 1 -> Commands.tlbiNhVaa(VMID, a, false);
                    case 2 -> Commands.tlbiNhAsid(VMID, ASID);
                    default -> Commands.tlbiNhAll(VMID);
                });
            } else if (c.mode() == Mode.S2) {
                bed.submitSync(form < 2 ? Commands.tlbiS2Ipa(VMID, a, true) : Commands.tlbiS12Vmall(VMID));
            } else {
                // Combined nested entries are not hit by TLBI_S2_IPA: pair it with NH_ALL, as KVM does.
                bed.submitSync(Commands.tlbiS2Ipa(VMID, a, true), Commands.tlbiNhAll(VMID));
            }
        }

        void dma(Op op, boolean write) {
            long in = (c.mode() == Mode.S2 ? IPA : VA) + (long) op.slot() * 0x1000 + 8L * op.variant();
            Access access = write ? Access.WRITE : Access.READ;
            Long expected = oracle(op.slot(), write);
            // Odd variants use the DMA port's address-only form, whose hit path is separate from translate's.
            Object o;
            long pa;
            if ((op.variant() & 1) != 0) {
                pa = bed.smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, in, access);
                o = pa == Smmu.NO_ADDRESS ? "no address" : "0x" + Long.toHexString(pa);
            } else {
                DmaOutcome outcome = bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, in, access);
                pa = outcome.proceeds() ? outcome.physicalAddress() : Smmu.NO_ADDRESS;
                o = outcome;
            }
            bed.events();
            if (expected == null) {
                if (pa != Smmu.NO_ADDRESS) {
                    throw new AssertionError("stale translation: " + c.mode() + " " + (write ? "write" : "read")
                        + " at 0x" + Long.toHexString(in) + " gave " + o + " but the tables allow nothing");
                }
            } else {
                assertThat(pa).as("%s %s at 0x%x: %s", c.mode(), write ? "write" : "read", in, o)
                    .isNotEqualTo(Smmu.NO_ADDRESS);
                if (pa != expected + (in & 0xFFF)) {
                    throw new AssertionError("stale translation: 0x" + Long.toHexString(pa)
                        + " instead of 0x" + Long.toHexString(expected + (in & 0xFFF)));
                }
            }
        }

        /** The PA page the tables give for {@code slot}, or null when they allow no such access. */
        Long oracle(int slot, boolean write) {
            switch (c.mode()) {
                case S1 -> {
                    int[] m = s1Map.get(slot);
                    return m == null || write && m[1] == 0 ? null : SmmuBed.TARGET + (long) m[0] * 0x1000;
                }
                case S2 -> {
                    int[] m = s2Map.get(slot);
                    return m == null || write && m[1] == 0 ? null : SmmuBed.TARGET + (long) m[0] * 0x1000;
                }
                default -> {
                    int[] m1 = s1Map.get(slot);
                    if (m1 == null || write && m1[1] == 0) {
                        return null;
                    }
                    int[] m2 = s2Map.get(m1[0]);
                    return m2 == null || write && m2[1] == 0 ? null : SmmuBed.TARGET + (long) m2[0] * 0x1000;
                }
            }
        }
    }
}
