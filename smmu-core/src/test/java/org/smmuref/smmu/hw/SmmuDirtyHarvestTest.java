package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * Dirty harvesting against concurrent DMA, the way the kernel does it for a stage-1 domain with HTTU (SMMU 3.13,
 * io-pgtable-arm read_and_clear_dirty followed by the TLB invalidation and CMD_SYNC): a DMA write that starts after a
 * harvest's SYNC completed is reported by a later harvest, so no dirty page is lost. Without the invalidation a
 * cached writable entry would let a write through without marking the page dirty again, which the deterministic
 * control shows.
 */
class SmmuDirtyHarvestTest {
    static final int SID = 9;
    static final int ASID = 4;
    static final long VA = 0x6000_0000L;
    static final int PAGES = 32;

    final SmmuBed bed = new SmmuBed(SmmuFeatures.reference().httu(2).build());
    final PageTableBuilder s1 = bed.s1().hardwareDirty(true);

    SmmuDirtyHarvestTest() {
        s1.map(VA, SmmuBed.TARGET, PAGES * 0x1000L, Prot.of("rwun")); // nG, as io-pgtable-arm maps stage 1
        var cd = SmmuBed.cd(s1, ASID);
        cd.put("HA", 1L);
        cd.put("HD", 1L);
        bed.writeCd(SmmuBed.CDS, cd);
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 1));
    }

    boolean write(int page) {
        return bed.smmu.write(SID, Smmu.NO_SUBSTREAM, VA + page * 0x1000L, new byte[] {1}, 0, 1).complete();
    }

    /** One harvest; returns a bitmap of dirty pages. With {@code invalidate}, TLBI_NH_ASID + CMD_SYNC after it. */
    long harvest(boolean invalidate) {
        long[] bits = {0};
        s1.readAndClearDirty(VA, PAGES * 0x1000L, false, (ia, size) -> {
            for (long a = ia; a < ia + size; a += 0x1000) {
                bits[0] |= 1L << ((a - VA) >>> 12);
            }
        });
        if (invalidate) {
            bed.submitSync(new Command.TlbiNhAsid(1, ASID));
        }
        return bits[0];
    }

    @Test
    void concurrent_dma_during_harvests_loses_no_dirty_page_smmu_3_13() throws Exception {
        harvest(true); // every writable page starts dirty (mapped with DBM, AP[2] = 0): clean them first
        AtomicInteger completedHarvests = new AtomicInteger();
        AtomicIntegerArray startedAfter = new AtomicIntegerArray(PAGES); // max harvests completed before a write began
        for (int i = 0; i < PAGES; i++) {
            startedAfter.set(i, -1);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        Thread[] writers = new Thread[2];
        for (int w = 0; w < writers.length; w++) {
            int seed = w;
            writers[w] = new Thread(() -> {
                java.util.Random r = new java.util.Random(seed);
                for (int n = 0; n < 200_000 && !stop.get(); n++) {
                    int page = r.nextInt(PAGES);
                    int epoch = completedHarvests.get();
                    startedAfter.accumulateAndGet(page, epoch, Math::max);
                    if (!write(page)) {
                        failures.incrementAndGet();
                    }
                }
            });
            writers[w].start();
        }
        int[] lastReported = new int[PAGES];
        java.util.Arrays.fill(lastReported, -1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (int h = 1; h <= 300 && System.nanoTime() < deadline; h++) {
            long dirty = harvest(true);
            for (int i = 0; i < PAGES; i++) {
                if ((dirty >>> i & 1) != 0) {
                    lastReported[i] = h;
                }
            }
            completedHarvests.set(h);
        }
        stop.set(true);
        for (Thread t : writers) {
            t.join(10_000);
        }
        int last = completedHarvests.get() + 1;
        long dirty = harvest(true);
        for (int i = 0; i < PAGES; i++) {
            if ((dirty >>> i & 1) != 0) {
                lastReported[i] = last;
            }
        }
        assertThat(failures.get()).isZero();
        assertThat(completedHarvests.get()).as("harvests raced with DMA").isGreaterThan(1);
        for (int i = 0; i < PAGES; i++) {
            if (startedAfter.get(i) >= 0) {
                assertThat(lastReported[i]).as("page %d: written after harvest %d", i, startedAfter.get(i))
                    .isGreaterThan(startedAfter.get(i));
            }
        }
    }

    @Test
    void control_without_the_invalidation_a_cached_writable_entry_hides_the_next_write_smmu_3_13() {
        harvest(true);
        assertThat(write(3)).isTrue();
        assertThat(harvest(false)).as("the first write marked page 3 dirty").isEqualTo(1L << 3);
        assertThat(write(3)).isTrue(); // through the cached writable entry: no walk, no dirty update
        assertThat(harvest(true)).as("lost without the TLBI after the previous harvest").isZero();
        assertThat(write(3)).isTrue();
        assertThat(harvest(true)).as("with it, the write is seen").isEqualTo(1L << 3);
    }
}
