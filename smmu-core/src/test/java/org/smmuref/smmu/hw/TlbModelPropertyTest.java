package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.TlbInvalidation.Range;

/**
 * The TLB against a plain list model over random sequences of every insert and invalidation kind, in all three
 * regimes and over more VMIDs than the TLB keeps empty nodes for (so node sweeping and list reuse are exercised).
 *
 * <p>The model states the scopes of spec section 7.2 / 7.3 directly as predicates over entries, independently of the
 * TLB's lists and indexes. With room for everything, the TLB must hold exactly the model's entries; with a small
 * capacity it may have evicted some, but must never return an entry the model no longer holds.
 */
class TlbModelPropertyTest {
    private static final StreamWorld[] WORLDS = {StreamWorld.NS_EL1, StreamWorld.NS_EL2, StreamWorld.NS_EL2_E2H};
    private static final int VMIDS = 100;
    private static final int KIND_ASID = 0;
    private static final int KIND_GLOBAL = 1;
    private static final int KIND_IPA = 2;

    /** One cached entry as the model sees it: its full tag and block. */
    private record Held(StreamWorld world, int kind, int vmid, int asid, boolean aset, long base, int shift,
                        Translation t) {
        boolean overlaps(long start, long last) {
            long end = base | Bits.mask(shift);
            return Long.compareUnsigned(base, last) <= 0 && Long.compareUnsigned(start, end) <= 0;
        }

        boolean contains(long address) {
            return overlaps(address, address);
        }

        boolean sameTag(Held o) {
            return world == o.world && kind == o.kind && vmid == o.vmid && asid == o.asid && aset == o.aset
                && base == o.base && shift == o.shift;
        }
    }

    @Test
    void with_room_for_everything_the_tlb_holds_exactly_the_model() {
        run(1 << 14, true);
    }

    @Test
    void a_full_tlb_evicts_but_never_returns_what_an_invalidation_removed() {
        run(24, false);
    }

    private void run(int capacity, boolean exact) {
        qt().withExamples(40).withShrinkCycles(30)
            .forAll(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(50, 600))
            .checkAssert(ops -> {
                Tlb tlb = new Tlb(capacity);
                List<Held> model = new ArrayList<>();
                Set<Context> touched = new HashSet<>();
                for (int op : ops) {
                    step(tlb, model, touched, op);
                    assertThat(tlb.size()).isLessThanOrEqualTo(capacity);
                    if (exact) {
                        assertThat(tlb.size()).as("size after op %d", op).isEqualTo(model.size());
                    }
                }
                check(tlb, model, touched, exact);
            });
    }

    /** Decodes one operation from {@code op}'s bits and applies it to both the TLB and the model. */
    private static void step(Tlb tlb, List<Held> model, Set<Context> touched, int op) {
        StreamWorld world = WORLDS[(op >>> 4 & 0xFF) % 3];
        int vmid = 1 + (op >>> 12 & 0x7F) % VMIDS;
        int asid = 1 + (op >>> 19 & 3);
        boolean aset = (op >>> 21 & 1) != 0;
        int shift = (op >>> 22 & 3) == 0 ? 21 : 12;
        long address = (long) (op >>> 24 & 31) << 12;
        boolean flag = (op >>> 29 & 1) != 0;
        Range range = (op >>> 30 & 1) != 0 ? new Range(12, 1, 3, 0) : Range.SINGLE; // 8 pages or one address
        long start = address; // already aligned to the range's 4K granule
        long last = address + range.bytes() - 1;
        touched.add(new Context(world, vmid, asid, aset, false));
        touched.add(new Context(StreamWorld.NS_EL1, vmid, 0, false, true));
        switch (op & 15) {
            case 0, 1, 2, 3, 4, 5 -> insertStage1(tlb, model, world, vmid, asid, aset, address, shift, flag);
            case 6, 7 -> insertIpa(tlb, model, vmid, address, shift);
            case 8 -> apply(tlb, model, new TlbInvalidation.NhAsid(vmid, asid, flag),
                h -> el1(h) && h.vmid == vmid && h.kind == KIND_ASID && h.asid == asid && !(flag && h.aset));
            case 9 -> apply(tlb, model, new TlbInvalidation.NhVa(vmid, asid, address, range, false, flag),
                h -> el1(h) && h.vmid == vmid && (h.kind == KIND_GLOBAL || h.kind == KIND_ASID && h.asid == asid)
                    && h.overlaps(start, last) && !(flag && h.aset));
            case 10 -> apply(tlb, model, new TlbInvalidation.NhVaa(vmid, address, range, false),
                h -> el1(h) && h.vmid == vmid && h.kind != KIND_IPA && h.overlaps(start, last));
            case 11 -> apply(tlb, model, new TlbInvalidation.S2Ipa(vmid, address, range, false),
                h -> el1(h) && h.vmid == vmid && h.kind == KIND_IPA && h.overlaps(start, last));
            case 12 -> {
                if (flag) {
                    apply(tlb, model, new TlbInvalidation.NhAll(vmid), h -> el1(h) && h.vmid == vmid
                        && h.kind != KIND_IPA);
                } else {
                    apply(tlb, model, new TlbInvalidation.S12Vmall(vmid), h -> el1(h) && h.vmid == vmid);
                }
            }
            case 13 -> apply(tlb, model, new TlbInvalidation.El2Asid(asid),
                h -> h.world == StreamWorld.NS_EL2_E2H && h.kind == KIND_ASID && h.asid == asid);
            case 14 -> {
                if (flag) {
                    apply(tlb, model, new TlbInvalidation.El2Va(asid, address, range, false),
                        h -> !el1(h) && (h.kind == KIND_GLOBAL || h.kind == KIND_ASID && h.asid == asid)
                            && h.overlaps(start, last));
                } else {
                    apply(tlb, model, new TlbInvalidation.El2Vaa(address, range, false),
                        h -> !el1(h) && h.overlaps(start, last));
                }
            }
            default -> {
                // Rare whole-TLB operations: one in 16 steps, and then only one in 8 of those empties everything.
                if ((op >>> 4 & 7) == 0) {
                    apply(tlb, model, new TlbInvalidation.NsnhAll(), TlbModelPropertyTest::el1);
                } else if ((op >>> 4 & 7) == 1) {
                    apply(tlb, model, new TlbInvalidation.El2All(), h -> !el1(h));
                } else {
                    insertStage1(tlb, model, world, vmid, asid, aset, address, shift, flag);
                }
            }
        }
    }

    private static boolean el1(Held h) {
        return h.world == StreamWorld.NS_EL1;
    }

    /** A lookup context an operation used: a stage-1 context, or (ipa) a VMID's IPA entries. */
    private record Context(StreamWorld world, int vmid, int asid, boolean aset, boolean ipa) {
    }

    private static void insertStage1(Tlb tlb, List<Held> model, StreamWorld world, int vmid, int asid, boolean aset,
                                     long address, int shift, boolean global) {
        Translation t = TlbTest.entry(address, shift, global);
        assertThat(tlb.insertStage1(TlbTest.s1(world, asid, aset, vmid), vmid, null, t, tlb.generation())).isTrue();
        boolean asGlobal = global || !world.hasAsids();
        Held h = new Held(world, asGlobal ? KIND_GLOBAL : KIND_ASID, world.hasVmid() ? vmid : 0,
            asGlobal ? 0 : asid, aset, t.inputBase(), shift, t);
        model.removeIf(h::sameTag);
        model.add(h);
    }

    private static void insertIpa(Tlb tlb, List<Held> model, int vmid, long ipa, int shift) {
        long base = ipa & ~Bits.mask(shift);
        Translation t = new Translation(base, shift, base, base, Permissions.ALL, Permissions.S2R,
            MemoryAttributes.NONE, false, 3, Granule.G4K);
        assertThat(tlb.insertIpa(vmid, Granule.G4K, t, tlb.generation())).isTrue();
        Held h = new Held(StreamWorld.NS_EL1, KIND_IPA, vmid, 0, false, base, shift, t);
        model.removeIf(h::sameTag);
        model.add(h);
    }

    private static void apply(Tlb tlb, List<Held> model, TlbInvalidation op, Predicate<Held> removes) {
        tlb.invalidate(op);
        model.removeIf(removes);
    }

    /**
     * Looks up every page of every context and VMID an insert ever used (where a stale entry could hide): each held
     * entry must be found (exact mode), and every hit must be an entry the model holds whose tag matches the lookup and
     * which contains the address.
     */
    private static void check(Tlb tlb, List<Held> model, Set<Context> touched, boolean exact) {
        Map<String, List<Held>> groups = new HashMap<>();
        for (Held h : model) {
            groups.computeIfAbsent(h.world + "/" + h.vmid + "/" + (h.kind == KIND_IPA), k -> new ArrayList<>()).add(h);
        }
        for (Context c : touched) {
            int tagVmid = c.world.hasVmid() ? c.vmid : 0;
            List<Held> group = groups.getOrDefault(c.world + "/" + (c.ipa ? c.vmid : tagVmid) + "/" + c.ipa,
                List.of());
            for (long page = 0; page < 40; page++) {
                long address = page << 12;
                List<Held> candidates = group.stream().filter(h -> h.contains(address) && (c.ipa
                    || h.aset == c.aset && (h.kind == KIND_GLOBAL || h.asid == c.asid))).toList();
                Translation found = c.ipa ? tlb.lookupIpa(c.vmid, Granule.G4K, address)
                    : tlb.lookupStage1(TlbTest.s1(c.world, c.asid, c.aset, c.vmid), c.vmid, null, address);
                verify(found, candidates, exact, c + " at 0x" + Long.toHexString(address));
            }
        }
    }

    private static void verify(Translation found, List<Held> candidates, boolean exact, String what) {
        if (found != null) {
            assertThat(candidates.stream().anyMatch(h -> h.t == found)).as("a hit the model does not hold: " + what)
                .isTrue();
        } else if (exact) {
            assertThat(candidates).as("a miss for an entry the model holds: " + what).isEmpty();
        }
    }
}
