package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * CMD_SYNC covers DMA already in flight (SMMU section 4.7.3, 3.21): DMA threads write whole pages through
 * {@link Smmu#write} while another thread unmaps a page, invalidates it (TLBI + CMD_SYNC through the command queue, or
 * a BTM broadcast, whose completion is the PE's DSB), and then reuses the old page as a driver would after freeing it:
 * it fills it with a sentinel and, once every DMA thread has finished two more transfers (so anything that was in
 * flight at the SYNC is done), checks that no DMA write landed in it. Bounded by counts, no sleeps or timing.
 */
class SmmuSyncInFlightTest {
    static final int SID = 1;
    static final int SLOTS = 4;
    static final int ROUNDS = 200;
    static final int THREADS = 2;
    static final long VA = 0x5_0000_0000L;
    static final byte SENTINEL = (byte) 0xA5;

    static long pa(int slot, int gen) {
        return SmmuBed.TARGET + (long) slot * 0x40_0000 + (long) gen * 0x1000;
    }

    @Test
    void no_dma_write_lands_in_a_page_after_the_sync_that_unmapped_it() throws Exception {
        assertThat(run(false)).as("rounds with a late write, of %d", ROUNDS).isZero();
    }

    @Test
    void no_dma_write_lands_in_a_page_after_a_btm_broadcast_that_unmapped_it_completed() throws Exception {
        assertThat(run(true)).as("rounds with a late write, of %d", ROUNDS).isZero();
    }

    /** Runs the rounds; returns how many rounds found a DMA write in a page after its invalidation completed. */
    static int run(boolean broadcast) throws Exception {
        SmmuBed bed = new SmmuBed();
        PageTableBuilder s1 = bed.s1();
        bed.writeCd(SmmuBed.CDS, SmmuBed.cd(s1, 2));
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 8));
        for (int s = 0; s < SLOTS; s++) {
            s1.map(VA + s * 0x1000L, pa(s, 0), 0x1000, Prot.of("rwun"));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLongArray progress = new AtomicLongArray(THREADS);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> dmas = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            dmas.add(new Thread(() -> {
                SplittableRandom r = new SplittableRandom(id);
                byte[] data = new byte[0x1000];
                Arrays.fill(data, (byte) (id + 1));
                try {
                    for (int i = 0; i < 5_000_000 && !stop.get(); i++) {
                        bed.smmu.write(SID, Smmu.NO_SUBSTREAM, VA + r.nextInt(SLOTS) * 0x1000L, data, 0, data.length);
                        progress.incrementAndGet(id);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    progress.set(id, Long.MAX_VALUE); // done: nothing of this thread is in flight any more
                }
            }));
        }
        dmas.forEach(Thread::start);
        SplittableRandom r = new SplittableRandom(99);
        int[] gens = new int[SLOTS];
        int late = 0;
        byte[] page = new byte[0x1000];
        try {
            for (int round = 0; round < ROUNDS && failures.isEmpty(); round++) {
                int slot = r.nextInt(SLOTS);
                long va = VA + slot * 0x1000L;
                long old = pa(slot, gens[slot]);
                s1.unmap(va, 0x1000);
                if (broadcast) {
                    assertThat(bed.smmu.broadcast(new TlbInvalidation.NhVa(8, 2, va, TlbInvalidation.Range.SINGLE,
                        true, true))).isTrue();
                } else {
                    bed.submitSync(Commands.tlbiNhVa(8, 2, va, true));
                }
                // The page is free: reuse it.
                Arrays.fill(page, SENTINEL);
                bed.memory.write(old, page, 0, page.length);
                long[] seen = new long[THREADS];
                for (int t = 0; t < THREADS; t++) {
                    seen[t] = progress.get(t);
                }
                for (int t = 0; t < THREADS; t++) {
                    while (progress.get(t) < seen[t] + 2 && failures.isEmpty()) {
                        Thread.onSpinWait();
                    }
                }
                bed.memory.read(old, page, 0, page.length);
                for (byte b : page) {
                    if (b != SENTINEL) {
                        late++;
                        break;
                    }
                }
                gens[slot] = (gens[slot] + 1) % 64;
                s1.map(va, pa(slot, gens[slot]), 0x1000, Prot.of("rwun"));
                bed.events();
            }
        } finally {
            stop.set(true);
            for (Thread t : dmas) {
                t.join();
            }
        }
        assertThat(failures).isEmpty();
        return late;
    }
}
