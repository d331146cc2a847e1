package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * Several threads translate through the DMA port while another thread unmaps and remaps pages with TLBI + CMD_SYNC
 * through the command queue: no exception, and no DMA that starts after a SYNC completed returns what that SYNC
 * invalidated. Bounded by operation counts, no sleeps or timing.
 */
class SmmuConcurrencyTest {
    static final int SID = 1;
    static final int SLOTS = 8;
    static final int ROUNDS = 160;
    static final long VA = 0x5_0000_0000L;
    static final int UNMAPPED = 1 << 30;

    static long pa(int slot, int gen) {
        return SmmuBed.TARGET + (long) slot * 0x10_0000 + (long) gen * 0x1000;
    }

    @Test
    void dma_threads_never_see_a_translation_invalidated_by_a_completed_sync() throws Exception {
        for (boolean nested : new boolean[] {false, true}) {
            run(nested);
        }
    }

    void run(boolean nested) throws Exception {
        SmmuBed bed = new SmmuBed();
        PageTableBuilder s1;
        if (nested) {
            PageTableBuilder s2 = bed.s2();
            SmmuBed.mapGuestWindow(s2);
            s2.map(0x1_0000_0000L, SmmuBed.TARGET, 0x0100_0000L, Prot.of("rw"));
            s1 = bed.guestS1();
            bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, 2));
            bed.writeSte(SID, SmmuBed.nestedSte(s2, 8, SmmuBed.GUEST_CDS_IPA));
        } else {
            s1 = bed.s1();
            bed.writeCd(SmmuBed.CDS, SmmuBed.cd(s1, 2));
            bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 8));
        }
        long outBase = nested ? 0x1_0000_0000L - SmmuBed.TARGET : 0;
        // state[slot] = generation of the current mapping, or UNMAPPED | generation after a completed SYNC.
        AtomicLongArray state = new AtomicLongArray(SLOTS);
        for (int s = 0; s < SLOTS; s++) {
            s1.map(VA + s * 0x1000L, pa(s, 0) + outBase, 0x1000, Prot.of("rwun"));
        }
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> dmas = new java.util.ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int seed = t;
            dmas.add(new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                try {
                    for (int i = 0; i < 200_000 && !stop.get(); i++) {
                        int slot = r.nextInt(SLOTS);
                        long before = state.get(slot);
                        DmaOutcome o = bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, VA + slot * 0x1000L + 8, Access.READ);
                        if (!o.proceeds()) {
                            continue;
                        }
                        int gen = (int) ((o.physicalAddress() - 8 - SmmuBed.TARGET - slot * 0x10_0000L) >>> 12);
                        int min = (int) (before & ~UNMAPPED) + ((before & UNMAPPED) != 0 ? 1 : 0);
                        if (gen < min) {
                            throw new AssertionError("stale: slot " + slot + " generation " + gen + " after state "
                                + Long.toHexString(before));
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        dmas.forEach(Thread::start);
        SplittableRandom r = new SplittableRandom(99);
        int[] gens = new int[SLOTS];
        try {
            for (int round = 0; round < ROUNDS && failures.isEmpty(); round++) {
                int slot = r.nextInt(SLOTS);
                long va = VA + slot * 0x1000L;
                s1.unmap(va, 0x1000);
                bed.submitSync(round % 2 == 0 ? Commands.tlbiNhVa(8, 2, va, true) : Commands.tlbiNhAsid(8, 2));
                state.set(slot, UNMAPPED | gens[slot]);
                gens[slot]++;
                s1.map(va, pa(slot, gens[slot]) + outBase, 0x1000, Prot.of("rwun"));
                state.set(slot, gens[slot]);
                bed.events();
            }
        } finally {
            stop.set(true);
            for (Thread t : dmas) {
                t.join();
            }
        }
        assertThat(failures).isEmpty();
    }
}
