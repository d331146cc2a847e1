package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import org.smmuref.smmu.hw.TlbInvalidation.Range;

/** TLB tagging, every invalidation scope of spec section 7.2 / 7.3, ranges, eviction and concurrency. */
class TlbTest {
    final Tlb tlb = new Tlb(1024);

    static Stage1Context s1(StreamWorld world, int asid, boolean aset, int vmid) {
        return Stage1Context.of(TtbHalf.of(0, 16, Granule.G4K), 48, asid, vmid).withWorld(world).withAsid(asid, aset)
            .withTtb1(world == StreamWorld.NS_EL2 ? TtbHalf.disabled() : TtbHalf.of(0, 16, Granule.G4K));
    }

    static Translation entry(long va, int shift, boolean global) {
        long base = Bits.signExtend(va, 56) & ~Bits.mask(shift);
        return new Translation(base, shift, 0x1000_0000L, 0x1000_0000L, Permissions.ALL, Permissions.ALL,
            MemoryAttributes.NONE, global, 3, Granule.G4K);
    }

    void put(StreamWorld w, int vmid, int asid, boolean aset, long va, int shift, boolean global) {
        assertThat(tlb.insertStage1(s1(w, asid, aset, vmid), vmid, null, entry(va, shift, global), tlb.generation()))
            .isTrue();
    }

    boolean has(StreamWorld w, int vmid, int asid, boolean aset, long va) {
        return tlb.lookupStage1(s1(w, asid, aset, vmid), vmid, null, va) != null;
    }

    void putIpa(int vmid, long ipa, int shift) {
        long base = ipa & ~Bits.mask(shift);
        assertThat(tlb.insertIpa(vmid, Granule.G4K, new Translation(base, shift, base, base, Permissions.ALL,
            Permissions.S2R, MemoryAttributes.NONE, false, 3, Granule.G4K), tlb.generation())).isTrue();
    }

    boolean hasIpa(int vmid, long ipa) {
        return tlb.lookupIpa(vmid, Granule.G4K, ipa) != null;
    }

    static final StreamWorld EL1 = StreamWorld.NS_EL1;

    /** A fixed population: VMIDs 1 and 2, ASIDs 10 and 11, a global entry, an ASET=1 entry and IPA entries. */
    void populate() {
        put(EL1, 1, 10, false, 0x1000, 12, false);
        put(EL1, 1, 11, false, 0x1000, 12, false);
        put(EL1, 1, 12, true, 0x1000, 12, false);   // ASET=1
        put(EL1, 1, 0, false, 0x20_0000, 21, true); // global 2 MiB block
        put(EL1, 2, 10, false, 0x1000, 12, false);
        putIpa(1, 0x5000, 12);
        putIpa(2, 0x5000, 12);
        put(StreamWorld.NS_EL2, 0, 0, false, 0x1000, 12, true);
        put(StreamWorld.NS_EL2_E2H, 0, 10, false, 0x1000, 12, false);
        put(StreamWorld.NS_EL2_E2H, 0, 0, false, 0x3000, 12, true);
        assertThat(tlb.size()).isEqualTo(10);
    }

    @Test
    void global_entries_match_any_asid_of_the_same_vmid_regime_and_aset() {
        populate();
        assertThat(has(EL1, 1, 99, false, 0x20_1234)).isTrue();
        assertThat(has(EL1, 1, 99, true, 0x20_1234)).isFalse();  // other ASET
        assertThat(has(EL1, 2, 99, false, 0x20_1234)).isFalse(); // other VMID
        assertThat(has(StreamWorld.NS_EL2_E2H, 1, 99, false, 0x20_1234)).isFalse(); // other regime
        assertThat(has(EL1, 1, 10, false, 0x1FFF)).isTrue();
        assertThat(has(EL1, 1, 13, false, 0x1FFF)).isFalse();
        // EL2 regimes carry no VMID.
        assertThat(has(StreamWorld.NS_EL2, 7, 5, false, 0x1000)).isTrue();
    }

    @Test
    void nsnh_all_removes_every_ns_el1_entry_of_both_stages_and_keeps_el2() {
        populate();
        tlb.invalidate(new TlbInvalidation.NsnhAll());
        assertThat(tlb.size()).isEqualTo(3);
        assertThat(hasIpa(1, 0x5000)).isFalse();
        assertThat(has(StreamWorld.NS_EL2, 0, 0, false, 0x1000)).isTrue();
    }

    @Test
    void nh_all_removes_stage_1_entries_of_the_vmid_only() {
        populate();
        tlb.invalidate(new TlbInvalidation.NhAll(1));
        assertThat(has(EL1, 1, 10, false, 0x1000)).isFalse();
        assertThat(has(EL1, 1, 12, true, 0x1000)).isFalse();
        assertThat(has(EL1, 1, 10, false, 0x20_0000)).isFalse();
        assertThat(hasIpa(1, 0x5000)).isTrue();
        assertThat(has(EL1, 2, 10, false, 0x1000)).isTrue();
        assertThat(tlb.size()).isEqualTo(6);
    }

    @Test
    void nh_asid_removes_non_global_entries_of_vmid_and_asid_and_broadcasts_skip_aset() {
        populate();
        tlb.invalidate(new TlbInvalidation.NhAsid(1, 10, false));
        assertThat(has(EL1, 1, 10, false, 0x1000)).isFalse();
        assertThat(has(EL1, 1, 10, false, 0x20_0000)).isTrue(); // global survives
        assertThat(has(EL1, 1, 11, false, 0x1000)).isTrue();
        assertThat(has(EL1, 2, 10, false, 0x1000)).isTrue();
        tlb.invalidate(new TlbInvalidation.NhAsid(1, 12, true));
        assertThat(has(EL1, 1, 12, true, 0x1000)).isTrue();     // ASET=1 ignores ASID-scoped broadcasts
        tlb.invalidate(new TlbInvalidation.NhAsid(1, 12, false));
        assertThat(has(EL1, 1, 12, true, 0x1000)).isFalse();    // commands match irrespective of ASET
    }

    @Test
    void nh_va_removes_the_asids_and_the_global_entries_at_the_address() {
        populate();
        tlb.invalidate(new TlbInvalidation.NhVa(1, 10, 0x1000, Range.SINGLE, true, false));
        assertThat(has(EL1, 1, 10, false, 0x1000)).isFalse();
        assertThat(has(EL1, 1, 11, false, 0x1000)).isTrue();
        tlb.invalidate(new TlbInvalidation.NhVa(1, 11, 0x2F_F000, Range.SINGLE, true, false));
        assertThat(has(EL1, 1, 11, false, 0x20_0000)).isFalse(); // the global block contains the address
        assertThat(has(EL1, 1, 11, false, 0x1000)).isTrue();
        tlb.invalidate(new TlbInvalidation.NhVa(1, 12, 0x1000, Range.SINGLE, true, true));
        assertThat(has(EL1, 1, 12, true, 0x1000)).isTrue();
        tlb.invalidate(new TlbInvalidation.NhVa(1, 12, 0x1000, Range.SINGLE, true, false));
        assertThat(has(EL1, 1, 12, true, 0x1000)).isFalse();
    }

    @Test
    void nh_vaa_removes_every_asid_at_the_address() {
        populate();
        tlb.invalidate(new TlbInvalidation.NhVaa(1, 0x1000, Range.SINGLE, false));
        assertThat(has(EL1, 1, 10, false, 0x1000)).isFalse();
        assertThat(has(EL1, 1, 11, false, 0x1000)).isFalse();
        assertThat(has(EL1, 1, 12, true, 0x1000)).isFalse();
        assertThat(has(EL1, 1, 10, false, 0x20_0000)).isTrue();
        assertThat(has(EL1, 2, 10, false, 0x1000)).isTrue();
    }

    @Test
    void s2_ipa_removes_ipa_entries_only_and_s12_vmall_everything_of_the_vmid() {
        populate();
        tlb.invalidate(new TlbInvalidation.S2Ipa(1, 0x5000, Range.SINGLE, true));
        assertThat(hasIpa(1, 0x5000)).isFalse();
        assertThat(hasIpa(2, 0x5000)).isTrue();
        assertThat(tlb.size()).isEqualTo(9);
        tlb.invalidate(new TlbInvalidation.S12Vmall(2));
        assertThat(hasIpa(2, 0x5000)).isFalse();
        assertThat(has(EL1, 2, 10, false, 0x1000)).isFalse();
        assertThat(tlb.size()).isEqualTo(7);
    }

    @Test
    void el2_invalidations_touch_only_el2_regimes() {
        populate();
        tlb.invalidate(new TlbInvalidation.El2Asid(10));
        assertThat(has(StreamWorld.NS_EL2_E2H, 0, 10, false, 0x1000)).isFalse();
        assertThat(has(EL1, 1, 10, false, 0x1000)).isTrue();
        tlb.invalidate(new TlbInvalidation.El2Va(77, 0x3000, Range.SINGLE, false));
        assertThat(has(StreamWorld.NS_EL2_E2H, 0, 77, false, 0x3000)).isFalse(); // global E2H entry
        tlb.invalidate(new TlbInvalidation.El2Vaa(0x1000, Range.SINGLE, false));
        assertThat(has(StreamWorld.NS_EL2, 0, 0, false, 0x1000)).isFalse();
        assertThat(tlb.size()).isEqualTo(7);
        put(StreamWorld.NS_EL2, 0, 0, false, 0x1000, 12, true);
        tlb.invalidate(new TlbInvalidation.El2All());
        assertThat(tlb.size()).isEqualTo(7);
        assertThat(has(StreamWorld.NS_EL2, 0, 0, false, 0x1000)).isFalse();
    }

    @Test
    void range_invalidation_removes_every_overlapping_entry_and_nothing_outside() {
        for (int i = 0; i < 64; i++) {
            put(EL1, 1, 10, false, 0x10_0000 + i * 0x1000L, 12, false);
        }
        put(EL1, 1, 10, false, 0x40_0000, 21, false);
        // TG=4K, SCALE=1, NUM=7: 16 pages from 0x10_8000.
        tlb.invalidate(new TlbInvalidation.NhVa(1, 10, 0x10_8000, new Range(12, 1, 7, 3), true, false));
        for (int i = 0; i < 64; i++) {
            long va = 0x10_0000 + i * 0x1000L;
            assertThat(has(EL1, 1, 10, false, va)).as("page %d", i).isEqualTo(i < 8 || i >= 24);
        }
        // A range that only touches the tail of a 2 MiB block still removes it (the TTL hint is not trusted).
        tlb.invalidate(new TlbInvalidation.NhVaa(1, 0x5F_F000, new Range(12, 0, 1, 3), true));
        assertThat(has(EL1, 1, 10, false, 0x40_0000)).isFalse();
        // A huge range (scan path) and a TG=64K range.
        tlb.invalidate(new TlbInvalidation.NhVa(1, 10, 0, new Range(16, 31, 31, 0), false, false));
        assertThat(tlb.size()).isZero();
    }

    @Test
    void upper_half_addresses_are_matched_with_the_top_byte_ignored() {
        put(EL1, 1, 10, false, 0xFFFF_FFFF_FFFF_0000L, 12, false);
        assertThat(has(EL1, 1, 10, false, 0xFFFF_FFFF_FFFF_0123L)).isTrue();
        tlb.invalidate(new TlbInvalidation.NhVa(1, 10, 0xFFFF_FFFF_FFFF_F000L, new Range(12, 0, 31, 0), true, false));
        assertThat(has(EL1, 1, 10, false, 0xFFFF_FFFF_FFFF_0123L)).isTrue();
        tlb.invalidate(new TlbInvalidation.NhVa(1, 10, 0x00FF_FFFF_FFFF_0000L, Range.SINGLE, true, false));
        assertThat(has(EL1, 1, 10, false, 0xFFFF_FFFF_FFFF_0123L)).isFalse();
    }

    @Test
    void a_full_tlb_evicts_one_entry_with_a_second_chance_for_referenced_ones() {
        Tlb small = new Tlb(4);
        Stage1Context c = s1(EL1, 1, false, 1);
        for (int i = 0; i < 4; i++) {
            small.insertStage1(c, 1, null, entry(i * 0x1000L, 12, false), small.generation());
        }
        assertThat(small.lookupStage1(c, 1, null, 0)).isNotNull(); // reference the oldest
        small.insertStage1(c, 1, null, entry(0x9000, 12, false), small.generation());
        assertThat(small.size()).isEqualTo(4);
        assertThat(small.lookupStage1(c, 1, null, 0)).isNotNull();
        assertThat(small.lookupStage1(c, 1, null, 0x1000)).isNull();
        for (int i = 0; i < 100; i++) {
            small.insertStage1(c, 1, null, entry(0x10_0000 + i * 0x1000L, 12, false), small.generation());
            assertThat(small.size()).isEqualTo(4);
        }
        assertThatThrownBy(() -> new Tlb(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void an_insert_from_a_walk_that_raced_with_an_invalidation_is_dropped() {
        Stage1Context c = s1(EL1, 1, false, 1);
        long before = tlb.generation();
        tlb.invalidate(new TlbInvalidation.NhAll(1));
        assertThat(tlb.insertStage1(c, 1, null, entry(0x1000, 12, false), before)).isFalse();
        assertThat(tlb.lookupStage1(c, 1, null, 0x1000)).isNull();
        assertThat(tlb.insertStage1(c, 1, null, entry(0x1000, 12, false), tlb.generation())).isTrue();
    }

    @Test
    void reinserting_the_same_block_replaces_the_entry() {
        Stage1Context c = s1(EL1, 1, false, 1);
        tlb.insertStage1(c, 1, null, entry(0x1000, 12, false), tlb.generation());
        Translation second = entry(0x1000, 12, false);
        tlb.insertStage1(c, 1, null, second, tlb.generation());
        assertThat(tlb.size()).isEqualTo(1);
        assertThat(tlb.lookupStage1(c, 1, null, 0x1000)).isSameAs(second);
    }

    @Test
    void concurrent_lookups_never_see_an_entry_after_its_invalidation_returned() throws Exception {
        Tlb shared = new Tlb(1 << 12);
        Stage1Context c = s1(EL1, 1, false, 1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread r = new Thread(() -> {
                try {
                    long i = 0;
                    while (!stop.get()) {
                        shared.lookupStage1(c, 1, null, (i++ & 1023) << 12);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            r.start();
            readers.add(r);
        }
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 64; i++) {
                long va = (long) ((round * 64 + i) & 1023) << 12;
                shared.insertStage1(c, 1, null, entry(va, 12, false), shared.generation());
            }
            shared.invalidate(new TlbInvalidation.NhAsid(1, 1, false));
            for (int i = 0; i < 1024; i++) {
                assertThat(shared.lookupStage1(c, 1, null, (long) i << 12)).isNull();
            }
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(shared.size()).isZero();
    }

    /**
     * The open-addressing table against a map model: dense runs of neighbouring pages of a few ASIDs and block sizes
     * (so probe runs overlap and removals shift entries back), inserts, re-inserts and by-ASID / by-VA invalidations;
     * afterwards exactly the model's entries are found, with their own translations.
     */
    @Test
    void the_table_holds_exactly_what_inserts_and_invalidations_leave() {
        qt().withExamples(60).withShrinkCycles(20).forAll(lists().of(integers().between(0, (1 << 16) - 1)).ofSizeBetween(50, 400))
            .checkAssert(ops -> {
                Tlb t = new Tlb(512); // room for the whole universe below: no eviction
                Map<Long, Translation> model = new HashMap<>(); // (asid << 56 | shift << 48 | va) -> entry
                for (int op : ops) {
                    int asid = 1 + (op & 3);
                    int shift = (op & 4) != 0 ? 21 : 12;
                    long va = (long) ((op >>> 3) & 63) << shift;
                    Stage1Context c = s1(EL1, asid, false, 1);
                    if ((op >>> 9 & 15) == 0) {
                        t.invalidate(new TlbInvalidation.NhAsid(1, asid, false));
                        model.keySet().removeIf(k -> (k >>> 56) == asid);
                    } else if ((op >>> 9 & 15) == 1) {
                        t.invalidate(new TlbInvalidation.NhVa(1, asid, va, Range.SINGLE, false, false));
                        model.keySet().removeIf(k -> (k >>> 56) == asid
                            && (va & ~Bits.mask(model.get(k).sizeShift())) == model.get(k).inputBase());
                    } else {
                        Translation e = entry(va, shift, false);
                        assertThat(t.insertStage1(c, 1, null, e, t.generation())).isTrue();
                        model.put((long) asid << 56 | (long) shift << 48 | va, e);
                    }
                }
                assertThat(t.size()).isEqualTo(model.size());
                for (int asid = 1; asid <= 4; asid++) {
                    for (int shift : new int[] {12, 21}) {
                        for (long p = 0; p < 64; p++) {
                            long va = p << shift;
                            Translation expected = model.get((long) asid << 56 | (long) shift << 48 | va);
                            Translation found = t.lookupStage1(s1(EL1, asid, false, 1), 1, null, va);
                            if (expected != null) {
                                assertThat(found).isNotNull();
                            }
                            if (found != null) {
                                assertThat(model).containsValue(found);
                                assertThat(model.get((long) asid << 56 | (long) found.sizeShift() << 48 | found.inputBase()))
                                    .isSameAs(found);
                            }
                        }
                    }
                }
            });
    }

    @Test
    void an_output_base_that_is_not_a_page_aligned_52_bit_address_is_refused_before_anything_changes() {
        Translation bad = new Translation(0, 12, 0x1234, 0, Permissions.ALL, Permissions.ALL, MemoryAttributes.NONE,
            false, 3, Granule.G4K);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tlb.insertIpa(1, Granule.G4K, bad, tlb.generation()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x1234");
        assertThat(tlb.size()).isZero();
        assertThat(hasIpa(1, 0)).isFalse();
    }

    @Test
    void emptied_asid_lists_and_vmid_nodes_are_swept_without_losing_live_entries() {
        Tlb t = new Tlb(4096);
        // 600 ASIDs in each of 100 VMIDs: far more emptied lists and nodes than are kept.
        for (int round = 0; round < 3; round++) {
            for (int vmid = 1; vmid <= 100; vmid++) {
                for (int asid = 1; asid <= 6; asid++) {
                    assertThat(t.insertStage1(s1(StreamWorld.NS_EL1, asid * 100 + round, false, vmid), vmid, null,
                        entry(0x1000L * asid, 12, false), t.generation())).isTrue();
                }
            }
            for (int vmid = 1; vmid <= 100; vmid++) {
                if (vmid % 10 != round) {
                    t.invalidate(new TlbInvalidation.NhAll(vmid));
                }
            }
        }
        // What survived: the VMIDs whose number ends in the round that spared them, from every round since.
        int expected = 0;
        for (int round = 0; round < 3; round++) {
            for (int vmid = 1; vmid <= 100; vmid++) {
                boolean kept = true;
                for (int later = round; later < 3; later++) {
                    kept &= vmid % 10 == later;
                }
                for (int asid = 1; asid <= 6; asid++) {
                    boolean found = t.lookupStage1(s1(StreamWorld.NS_EL1, asid * 100 + round, false, vmid), vmid, null,
                        0x1000L * asid) != null;
                    assertThat(found).as("vmid %d asid %d", vmid, asid * 100 + round).isEqualTo(kept);
                    expected += kept ? 1 : 0;
                }
            }
        }
        assertThat(t.size()).isEqualTo(expected);
        t.invalidate(new TlbInvalidation.NsnhAll());
        assertThat(t.size()).isZero();
    }

    @Test
    void lookups_are_counted_as_hits_and_misses() {
        assertThat(tlb.hits()).isZero();
        assertThat(tlb.misses()).isZero();
        assertThat(has(EL1, 1, 10, false, 0x1000)).isFalse();
        put(EL1, 1, 10, false, 0x1000, 12, false);
        assertThat(has(EL1, 1, 10, false, 0x1000)).isTrue();
        assertThat(has(EL1, 1, 10, false, 0x1800)).isTrue();
        assertThat(hasIpa(1, 0x5000)).isFalse();
        assertThat(tlb.hits()).isEqualTo(2);
        assertThat(tlb.misses()).isEqualTo(2);
    }

    /**
     * Arm ARM D8.17 (splintering): the 4K splinters of a stage-1 2 MiB block all go on a VA invalidation at any one
     * address of the block, whether the command probes page by page (a big scope list) or scans its list (a small
     * one); entries of their own size next to the block stay.
     */
    @Test
    void a_va_invalidation_anywhere_in_a_stage_1_block_removes_all_its_splinters_on_both_search_paths() {
        for (int unrelated : new int[] {0, 700}) {
            Tlb t = new Tlb(2048);
            Stage1Context c = s1(EL1, 10, false, 1);
            long block = 0x4000_0000L;
            for (int i = 0; i < 512; i += 7) {
                long va = block + ((long) i << 12);
                t.insertStage1(c, 1, Granule.G4K, new Translation(va, 12, 0x9000_0000L + ((long) i << 12), va,
                    Permissions.ALL, Permissions.ALL, MemoryAttributes.NONE, false, 3, Granule.G4K, 21), t.generation());
            }
            for (int i = 0; i < unrelated; i++) {
                long va = 0x8000_0000L + ((long) i << 12);
                t.insertStage1(c, 1, Granule.G4K, entry(va, 12, false), t.generation());
            }
            long neighbour = block + (1L << 21);
            t.insertStage1(c, 1, Granule.G4K, entry(neighbour, 12, false), t.generation());
            t.insertStage1(c, 1, Granule.G4K, entry(block - 0x1000, 12, false), t.generation());
            t.invalidate(new TlbInvalidation.NhVa(1, 10, block + 0x1F_F000L, Range.SINGLE, true, false));
            for (int i = 0; i < 512; i += 7) {
                assertThat(t.lookupStage1(c, 1, Granule.G4K, block + ((long) i << 12))).as("splinter %d", i).isNull();
            }
            assertThat(t.lookupStage1(c, 1, Granule.G4K, neighbour)).isNotNull();
            assertThat(t.lookupStage1(c, 1, Granule.G4K, block - 0x1000)).isNotNull();
            assertThat(t.size()).isEqualTo(unrelated + 2);
        }
    }
}
