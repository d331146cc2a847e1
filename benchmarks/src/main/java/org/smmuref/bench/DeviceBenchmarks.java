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
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.DmaOutcome;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.MemoryAttributes;
import org.smmuref.smmu.hw.Permissions;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.Stage1Context;
import org.smmuref.smmu.hw.Tlb;
import org.smmuref.smmu.hw.TlbInvalidation;
import org.smmuref.smmu.hw.Translation;
import org.smmuref.smmu.hw.TtbHalf;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The device's hot paths, compared in docs/performance.md with {@link BaselineBenchmarks}: a TLB hit through the full
 * DMA port, a nested 4K 4+4-level TLB-miss walk, and TLBI by ASID with few and with many resident entries.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DeviceBenchmarks {
    static final long VA = 0x10_0000_0000L;

    /** A stage-1 stream with {@code entries} pages mapped and all of them resident in the TLB. */
    @State(Scope.Thread)
    public static class Hits {
        @Param({"1024"})
        public int entries;

        Smmu smmu;
        Stage1Context context;
        long[] addresses;
        int next;
        final byte[] buffer = new byte[8];

        @Setup(Level.Trial)
        public void fill() {
            DeviceFixture f = new DeviceFixture(false, entries * 2);
            SplittableRandom random = new SplittableRandom(42);
            addresses = new long[entries];
            for (int i = 0; i < entries; i++) {
                // Pages spread over a 64 GiB range, like the baseline's random keys.
                long page = random.nextLong(1L << 24);
                long va = VA + (page << 12);
                try {
                    f.s1.map(va, DeviceFixture.output(false, i), 0x1000, Prot.of("rwun"));
                } catch (RuntimeException overlap) {
                    i--;
                    continue;
                }
                addresses[i] = va + 0x88;
            }
            smmu = f.smmu;
            context = Stage1Context.of(f.s1.ttbHalf(), 48, DeviceFixture.ASID, DeviceFixture.VMID);
            for (long a : addresses) {
                if (!smmu.translate(DeviceFixture.SID, Smmu.NO_SUBSTREAM, a, Access.READ).proceeds()) {
                    throw new IllegalStateException("setup: no translation for 0x" + Long.toHexString(a));
                }
            }
            if (smmu.tlb().size() != entries) {
                throw new IllegalStateException("setup: TLB holds " + smmu.tlb().size() + " entries");
            }
        }
    }

    /**
     * A TLB hit through the whole DMA port (SMMUEN check, configuration cache, TLB, permission check), answered as a
     * {@link DmaOutcome} (one 32-byte object per call).
     */
    @Benchmark
    public long tlbHitTranslate(Hits h) {
        long a = h.addresses[h.next];
        h.next = (h.next + 1) % h.addresses.length;
        return h.smmu.translate(DeviceFixture.SID, Smmu.NO_SUBSTREAM, a, Access.READ).physicalAddress();
    }

    /**
     * The same hit through the DMA port's address-only form ({@link Smmu#translateAddress}): identical checks, no
     * outcome object. This is the form compared with the bare probe.
     */
    @Benchmark
    public long tlbHitTranslateAddress(Hits h) {
        long a = h.addresses[h.next];
        h.next = (h.next + 1) % h.addresses.length;
        return h.smmu.translateAddress(DeviceFixture.SID, Smmu.NO_SUBSTREAM, a, Access.READ);
    }

    /**
     * An 8-byte DMA read on a TLB hit through {@link Smmu#read}: the translation plus the in-flight bracket that
     * CMD_SYNC waits on, and the memory access itself.
     */
    @Benchmark
    public int tlbHitRead8(Hits h) {
        long a = h.addresses[h.next];
        h.next = (h.next + 1) % h.addresses.length;
        return h.smmu.read(DeviceFixture.SID, Smmu.NO_SUBSTREAM, a, h.buffer, 0, 8).transferred();
    }

    /** The TLB lookup alone for the same entries (no DMA port, no permission check): where the hit time goes. */
    @Benchmark
    public long tlbLookupOnly(Hits h) {
        long a = h.addresses[h.next];
        h.next = (h.next + 1) % h.addresses.length;
        return h.smmu.tlb().lookupStage1(h.context, DeviceFixture.VMID, null, a).outputAddress(a);
    }

    /** A nested stream with one page mapped; the TLB is emptied before every translation. */
    @State(Scope.Thread)
    public static class Miss {
        Smmu smmu;
        final TlbInvalidation all = new TlbInvalidation.NsnhAll();

        @Setup(Level.Trial)
        public void build() {
            DeviceFixture f = new DeviceFixture(true, 1024);
            f.s1.map(VA, DeviceFixture.output(true, 7), 0x1000, Prot.of("rwun"));
            smmu = f.smmu;
            smmu.translate(DeviceFixture.SID, Smmu.NO_SUBSTREAM, VA, Access.READ); // caches the configuration
            smmu.tlb().invalidate(all);
            DmaOutcome o = smmu.translate(DeviceFixture.SID, Smmu.NO_SUBSTREAM, VA, Access.READ);
            if (!(o instanceof DmaOutcome.Translated)) {
                throw new IllegalStateException("setup: " + o);
            }
            // One miss makes five separate 4-level stage-2 walks (four table IPAs on four 4K stage-2 pages, and the
            // output IPA) and four stage-1 reads: 4 x 4 + 4 + 4 = 24 descriptor loads. QemuQtestScenariosTest shows
            // the same shape (five walk-cached stage-2 pages, one TLB entry) on the same kind of tables.
            if (smmu.tlb().size() != 1) {
                throw new IllegalStateException("setup: a nested miss cached " + smmu.tlb().size() + " TLB entries");
            }
        }
    }

    /**
     * A full nested miss: empty the TLB (directly, so the configuration cache keeps the stream), then translate:
     * 4 stage-1 levels each behind a 4-level stage-2 walk, plus the stage-2 walk of the output = 24 descriptor loads.
     */
    @Benchmark
    public long nestedMissWalk(Miss m) {
        m.smmu.tlb().invalidate(m.all);
        return m.smmu.translate(DeviceFixture.SID, Smmu.NO_SUBSTREAM, VA, Access.READ).physicalAddress();
    }

    /**
     * A TLB with {@code resident} entries of other ASIDs; each operation caches 16 entries of one ASID and then
     * invalidates that ASID through the command handler (TLBI_NH_ASID's effect).
     */
    @State(Scope.Thread)
    public static class Asid {
        @Param({"1000", "1000000"})
        public int resident;

        Smmu smmu;
        Tlb tlb;
        Stage1Context target;
        Translation[] victims;
        final TlbInvalidation op = new TlbInvalidation.NhAsid(DeviceFixture.VMID, 1, false);

        @Setup(Level.Trial)
        public void fill() {
            DeviceFixture f = new DeviceFixture(false, resident + 64);
            smmu = f.smmu;
            tlb = smmu.tlb();
            TtbHalf half = TtbHalf.of(DeviceFixture.TABLES, 16, Granule.G4K);
            for (int i = 0; i < resident; i++) {
                Stage1Context other = Stage1Context.of(half, 48, 2 + (i & 0xFFF), DeviceFixture.VMID);
                tlb.insertStage1(other, DeviceFixture.VMID, null, page(i), tlb.generation());
            }
            target = Stage1Context.of(half, 48, 1, DeviceFixture.VMID);
            victims = new Translation[16];
            for (int i = 0; i < victims.length; i++) {
                victims[i] = page(resident + i);
            }
            if (tlb.size() != resident) {
                throw new IllegalStateException("setup: TLB holds " + tlb.size() + " entries");
            }
        }

        static Translation page(long i) {
            return new Translation(i << 12, 12, DeviceFixture.TARGET + (i << 12), DeviceFixture.TARGET + (i << 12),
                Permissions.ALL, Permissions.ALL, MemoryAttributes.NONE, false, 3, Granule.G4K);
        }
    }

    /** Cache 16 entries of ASID 1, then TLBI_NH_ASID(VMID, 1) with {@code resident} other entries in the TLB. */
    @Benchmark
    public int tlbiByAsid(Asid a) {
        for (Translation t : a.victims) {
            a.tlb.insertStage1(a.target, DeviceFixture.VMID, null, t, a.tlb.generation());
        }
        a.smmu.invalidateTlb(a.op);
        return a.tlb.size();
    }

}
