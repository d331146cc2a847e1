package org.smmuref.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.smmuref.smmu.hw.PhysicalMemory;

/** The bare baselines the model's hot paths are compared with in docs/performance.md. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BaselineBenchmarks {

    /** A probe table filled with page-number keys, and a shuffled list of keys to look up. */
    @State(Scope.Thread)
    public static class Probe {
        @Param({"1024"})
        public int entries;

        LongLongProbe table;
        long[] lookups;
        int next;

        @Setup(Level.Trial)
        public void fill() {
            table = new LongLongProbe(entries);
            SplittableRandom random = new SplittableRandom(42);
            lookups = new long[entries];
            for (int i = 0; i < entries; i++) {
                long pageNumber = random.nextLong() >>> 24;
                table.put(pageNumber, pageNumber << 12);
                lookups[i] = pageNumber;
            }
        }
    }

    /** One hit in a bare open-addressing table: the floor for a TLB-hit translate. */
    @Benchmark
    public long openAddressingHit(Probe p) {
        long key = p.lookups[p.next];
        p.next = (p.next + 1) % p.lookups.length;
        return p.table.get(key, -1);
    }

    /** A chain of 24 dependent 64-bit loads through the model's physical memory. */
    @State(Scope.Thread)
    public static class Chain {
        static final int LOADS = 24;
        PhysicalMemory memory;
        long head;

        @Setup(Level.Trial)
        public void build() {
            memory = new PhysicalMemory().addRam(0x4000_0000L, 64L << 20);
            SplittableRandom random = new SplittableRandom(7);
            // Each link sits on its own page so the chain touches as many pages as a nested walk.
            long[] pages = new long[LOADS];
            for (int i = 0; i < LOADS; i++) {
                pages[i] = 0x4000_0000L + ((long) random.nextInt(16_384) << 12) + (random.nextInt(512) << 3);
            }
            for (int i = 0; i < LOADS - 1; i++) {
                memory.writeLong(pages[i], pages[i + 1]);
            }
            memory.writeLong(pages[LOADS - 1], 0);
            head = pages[0];
        }
    }

    /** 24 dependent loads: the floor for a nested 4K 4+4-level TLB-miss walk. */
    @Benchmark
    public long twentyFourDependentLoads(Chain c) {
        long address = c.head;
        long last = 0;
        for (int i = 0; i < Chain.LOADS; i++) {
            last = address;
            address = c.memory.readLong(address);
        }
        return last;
    }
}
