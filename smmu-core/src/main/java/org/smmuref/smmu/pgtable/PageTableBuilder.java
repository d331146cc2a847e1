package org.smmuref.smmu.pgtable;

import java.util.HashMap;
import java.util.Map;
import org.smmuref.smmu.hw.Bits;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.Stage2Context;
import org.smmuref.smmu.hw.TtbHalf;

/**
 * Builds VMSAv8-64 (DS=0) translation tables for one stage-1 half or one stage-2 space, in the manner of the
 * kernel's io-pgtable-arm: maps ranges with blocks wherever alignment and the granule allow, splits blocks on a
 * partial unmap and frees tables that become empty. It computes what the context needs (TTB, TxSZ, start level, SL0,
 * concatenation) and allocates tables from a {@link PageAllocator} in a {@link TableMemory}, so a guest can build its
 * stage-1 tables in IPA space.
 *
 * <p>Requests are checked before anything changes; a refused {@link #map} leaves the tables as they were. Not
 * thread-safe; a walker may read the tables concurrently (every descriptor is written with one 64-bit store).
 */
public final class PageTableBuilder {

    /** Which descriptor format the builder writes. */
    public enum Stage {
        /** Stage-1 descriptors (AP, PXN/UXN, nG, AttrIndx). */
        STAGE1,
        /** Stage-2 descriptors (S2AP, XN, MemAttr). */
        STAGE2
    }

    private static final long AP_RDONLY = 1L << 7;
    private static final long DBM = 1L << 51;

    private final Stage stage;
    private final TableMemory memory;
    private final PageAllocator allocator;
    private final Granule granule;
    private final int inputBits;
    private final int oaBits;
    private final int startLevel;
    private final boolean upper;
    private final boolean oa52;
    private final long root;
    private final Map<Long, Integer> validEntries = new HashMap<>();
    private boolean hardwareDirty;

    /** Receives one dirty range found by {@link #readAndClearDirty}. */
    @FunctionalInterface
    public interface DirtyRange {
        /** {@code [ia, ia + size)} was written since it was last cleaned. */
        void record(long ia, long size);
    }

    private PageTableBuilder(Stage stage, TableMemory memory, PageAllocator allocator, Granule granule, int inputBits,
                             int oaBits, int startLevel, boolean upper) {
        if (inputBits <= granule.shift() || inputBits > granule.maxInputBits()) {
            throw new IllegalArgumentException(inputBits + "-bit input is out of range for " + granule);
        }
        if (oaBits < 32 || oaBits > 52) {
            throw new IllegalArgumentException("output size must be 32..52 bits, was " + oaBits);
        }
        this.stage = stage;
        this.memory = memory;
        this.allocator = allocator;
        this.granule = granule;
        this.inputBits = inputBits;
        this.oaBits = oaBits;
        this.startLevel = startLevel;
        this.upper = upper;
        this.oa52 = oaBits == 52 && granule == Granule.G64K;
        this.root = allocateTable(rootBytes());
    }

    /** A stage-1 builder for the lower (TTB0) half: input addresses 0 .. 2^inputBits - 1. */
    public static PageTableBuilder stage1(TableMemory memory, PageAllocator allocator, Granule granule, int inputBits,
                                          int oaBits) {
        return new PageTableBuilder(Stage.STAGE1, memory, allocator, granule, inputBits, oaBits,
            granule.startLevel(inputBits), false);
    }

    /** A stage-1 builder for the upper (TTB1) half: input addresses 2^64 - 2^inputBits .. 2^64 - 1. */
    public static PageTableBuilder stage1Upper(TableMemory memory, PageAllocator allocator, Granule granule,
                                               int inputBits, int oaBits) {
        return new PageTableBuilder(Stage.STAGE1, memory, allocator, granule, inputBits, oaBits,
            granule.startLevel(inputBits), true);
    }

    /**
     * A stage-2 builder that starts one level deeper with concatenated tables whenever at most 16 tables suffice.
     */
    public static PageTableBuilder stage2(TableMemory memory, PageAllocator allocator, Granule granule, int inputBits,
                                          int oaBits) {
        int level = granule.startLevel(inputBits);
        if (level < 3 && inputBits - granule.levelShift(level + 1) - granule.stride() <= 4) {
            level++;
        }
        return stage2(memory, allocator, granule, inputBits, oaBits, level);
    }

    /** A stage-2 builder with an explicit start level (validated like a {@link Stage2Context}). */
    public static PageTableBuilder stage2(TableMemory memory, PageAllocator allocator, Granule granule, int inputBits,
                                          int oaBits, int startLevel) {
        int shift = granule.levelShift(startLevel);
        if (startLevel < Math.max(1, granule.minLevel()) && granule != Granule.G4K || startLevel > 3
            || inputBits <= shift || inputBits > shift + granule.stride() + 4) {
            throw new IllegalArgumentException("start level " + startLevel + " cannot translate " + inputBits
                + " bits with " + granule);
        }
        return new PageTableBuilder(Stage.STAGE2, memory, allocator, granule, inputBits, oaBits, startLevel, false);
    }

    // ------------------------------------------------------------------------------------------ dirty tracking

    /**
     * Turns io-pgtable-arm's IO_PGTABLE_QUIRK_ARM_HD on or off for later maps: a writable stage-1 leaf then carries
     * DBM (bit 51) with AP[2] = 0, i.e. it starts writable-dirty, and {@link #readAndClearDirty} makes it
     * writable-clean (AP[2] = 1), which an SMMU with CD.HD makes dirty again on the next write (SMMU 3.13).
     *
     * @throws IllegalStateException for stage-2 tables (the kernel's quirk is stage-1 only)
     */
    public PageTableBuilder hardwareDirty(boolean on) {
        requireStage(Stage.STAGE1);
        hardwareDirty = on;
        return this;
    }

    /**
     * io-pgtable-arm's read_and_clear_dirty: reports every leaf in {@code [ia, ia + size)} that is writable-dirty
     * (DBM = 1, AP[2] = 0), clipped to the range, and unless {@code noClear} (IOMMU_DIRTY_NO_CLEAR) makes it clean
     * again by setting AP[2] with a compare-and-swap, so a concurrent hardware update is never lost. The caller must
     * then invalidate the TLB for the range (cached entries are still writable). Holes are skipped.
     *
     * @return the number of dirty bytes reported
     * @throws PageTableException MISALIGNED or OUT_OF_RANGE
     */
    public long readAndClearDirty(long ia, long size, boolean noClear, DirtyRange out) {
        requireStage(Stage.STAGE1);
        checkRange(ia, size);
        long lo = ia & Bits.mask(inputBits);
        long high = upper ? ~Bits.mask(inputBits) : 0;
        return dirty(root, startLevel, lo, lo + size - 1, high, noClear, out);
    }

    private long dirty(long table, int level, long lo, long hi, long high, boolean noClear, DirtyRange out) {
        int shift = granule.levelShift(level);
        long entries = level == startLevel ? 1L << (inputBits - shift) : 1L << granule.stride();
        long tableBase = level == startLevel ? 0 : lo & ~Bits.mask(shift + granule.stride());
        long first = (lo - tableBase) >>> shift;
        long last = Math.min(entries - 1, (hi - tableBase) >>> shift);
        long found = 0;
        for (long i = first; i <= last; i++) {
            long entryLo = tableBase + (i << shift);
            long entryHi = entryLo + (1L << shift) - 1;
            long descAddress = table + i * 8;
            long desc = memory.readLong(descAddress);
            if ((desc & 1) == 0) {
                continue;
            }
            if (level < 3 && (desc & 2) != 0) {
                found += dirty(decodeAddress(desc, granule.shift()), level + 1, Math.max(lo, entryLo),
                    Math.min(hi, entryHi), high, noClear, out);
                continue;
            }
            while ((desc & (DBM | AP_RDONLY)) == DBM) {
                if (noClear || memory.compareAndSetLong(descAddress, desc, desc | AP_RDONLY)) {
                    long from = Math.max(lo, entryLo);
                    long bytes = Math.min(hi, entryHi) - from + 1;
                    out.record(high | from, bytes);
                    found += bytes;
                    break;
                }
                desc = memory.readLong(descAddress); // the SMMU changed it meanwhile: look again
            }
        }
        return found;
    }

    // ------------------------------------------------------------------------------------------ what a context needs

    /** The table base (TTB0/TTB1 or S2TTB) in table address space. */
    public long ttb() {
        return root;
    }

    /** TxSZ / S2T0SZ: 64 - input bits. */
    public int tsz() {
        return 64 - inputBits;
    }

    /** The input size in bits. */
    public int inputBits() {
        return inputBits;
    }

    /** The initial lookup level. */
    public int startLevel() {
        return startLevel;
    }

    /** The S2SL0 encoding of the start level (stage 2). */
    public int sl0() {
        return Stage2Context.sl0Of(granule, startLevel);
    }

    /** The number of concatenated initial tables (1 if none). */
    public int concatenatedTables() {
        return 1 << Math.max(0, inputBits - granule.levelShift(startLevel) - granule.stride());
    }

    /** The granule. */
    public Granule granule() {
        return granule;
    }

    /** The descriptor format. */
    public Stage stage() {
        return stage;
    }

    /** A stage-1 half for these tables (TBI and HAD off). */
    public TtbHalf ttbHalf() {
        requireStage(Stage.STAGE1);
        return TtbHalf.of(root, tsz(), granule);
    }

    /** A stage-2 context for these tables, with the output size as effective S2PS. */
    public Stage2Context stage2Context(int vmid) {
        requireStage(Stage.STAGE2);
        return Stage2Context.of(vmid, root, tsz(), startLevel, granule, oaBits);
    }

    // ------------------------------------------------------------------------------------------ map

    /**
     * Maps {@code [ia, ia + size)} to {@code [oa, oa + size)} with {@code prot}, using the largest legal blocks.
     *
     * @throws PageTableException MISALIGNED, OUT_OF_RANGE, OVERLAP or OUT_OF_TABLE_MEMORY; the tables are unchanged
     */
    public void map(long ia, long oa, long size, Prot prot) {
        checkRange(ia, size);
        if (oa < 0 || (oa & (granule.pageSize() - 1)) != 0) {
            throw new PageTableException(PageTableException.Reason.MISALIGNED, String.format(
                "output 0x%x is not %s-aligned", oa, granule));
        }
        if (oaBits < 64 && ((oa + size - 1) >>> oaBits != 0 || oa + size - 1 < oa)) {
            throw new PageTableException(PageTableException.Reason.OUT_OF_RANGE, String.format(
                "output [0x%x, +0x%x) exceeds the %d-bit output size", oa, size, oaBits));
        }
        if (stage == Stage.STAGE1 && !prot.read()) {
            throw new IllegalArgumentException("stage-1 descriptors cannot deny reads; leave the range unmapped");
        }
        long done = 0;
        try {
            while (done < size) {
                done += mapOne(ia + done, oa + done, size - done, prot);
            }
        } catch (PageTableException e) {
            if (done > 0) {
                unmap(ia, done);
            }
            pruneEmptyTables(ia + done); // tables created for the chunk that failed
            throw e;
        }
    }

    /** Unlinks and frees the empty tables on the walk path of {@code ia}, deepest first. */
    private void pruneEmptyTables(long ia) {
        long[] parents = new long[4];
        long[] tables = new long[4];
        int depth = 0;
        long table = root;
        for (int level = startLevel; level < 3; level++) {
            long descAddress = descriptorAddress(table, level, ia);
            long desc = memory.readLong(descAddress);
            if ((desc & 3) != 3) {
                break;
            }
            table = decodeAddress(desc, granule.shift());
            parents[depth] = descAddress;
            tables[depth++] = table;
        }
        for (int i = depth - 1; i >= 0 && validEntries.getOrDefault(tables[i], 0) == 0; i--) {
            memory.writeLong(parents[i], 0);
            validEntries.remove(tables[i]);
            allocator.free(tables[i], granule.pageSize());
            long parentTable = i == 0 ? root : tables[i - 1];
            validEntries.merge(parentTable, -1, Integer::sum);
        }
    }

    private long mapOne(long va, long pa, long remaining, Prot prot) {
        long table = root;
        int level = startLevel;
        while (true) {
            int shift = granule.levelShift(level);
            long descAddress = descriptorAddress(table, level, va);
            long desc = memory.readLong(descAddress);
            long span = 1L << shift;
            boolean leafHere = level == 3 || (granule.blockAllowed(level, oa52) && Bits.isAligned(va, shift)
                && Bits.isAligned(pa, shift) && Long.compareUnsigned(remaining, span) >= 0);
            if (leafHere) {
                if ((desc & 1) != 0) {
                    throw overlap(va, span);
                }
                memory.writeLong(descAddress, leaf(pa, level, prot));
                validEntries.merge(table, 1, Integer::sum);
                return span;
            }
            if ((desc & 1) == 0) {
                long next = allocateTable(granule.pageSize());
                memory.writeLong(descAddress, encodeAddress(next) | 3);
                validEntries.merge(table, 1, Integer::sum);
                table = next;
            } else if ((desc & 2) == 0) {
                throw overlap(va, remaining);
            } else {
                table = decodeAddress(desc, granule.shift());
            }
            level++;
        }
    }

    private long leaf(long pa, int level, Prot prot) {
        long d = encodeAddress(pa) | (level == 3 ? 3 : 1) | (3L << 8) | (prot.accessFlag() ? 1L << 10 : 0);
        if (stage == Stage.STAGE1) {
            d |= (long) (prot.attr() < 0 ? 0 : prot.attr() & 7) << 2;
            d |= prot.write() ? (hardwareDirty ? DBM : 0) : AP_RDONLY;
            d |= prot.user() ? 1L << 6 : 0;
            d |= prot.global() ? 0 : 1L << 11;
            d |= prot.exec() ? 0 : 1L << 53;
            d |= prot.exec() && prot.user() ? 0 : 1L << 54;
        } else {
            d |= (long) (prot.attr() < 0 ? 0b1111 : prot.attr()) << 2;
            d |= prot.read() ? 1L << 6 : 0;
            d |= prot.write() ? 1L << 7 : 0;
            long xn = prot.s2xn() >= 0 ? prot.s2xn() : prot.exec() ? 0 : 0b10;
            d |= xn << 53;
        }
        return d;
    }

    // ------------------------------------------------------------------------------------------ unmap

    /**
     * Removes every mapping in {@code [ia, ia + size)}, splitting blocks that straddle either end and freeing tables
     * that become empty. Holes are skipped.
     *
     * @return the number of bytes that were mapped and are now unmapped
     * @throws PageTableException MISALIGNED, OUT_OF_RANGE, or OUT_OF_TABLE_MEMORY (while splitting, before anything
     *     is unmapped)
     */
    public long unmap(long ia, long size) {
        checkRange(ia, size);
        splitAt(ia);
        long end = ia + size;
        if (end != 0 && (end & Bits.mask(inputBits)) != 0) {
            splitAt(end);
        }
        return clear(root, startLevel, ia & Bits.mask(inputBits), (ia & Bits.mask(inputBits)) + size - 1);
    }

    /** Splits blocks until no leaf straddles {@code boundary}. */
    private void splitAt(long boundary) {
        long table = root;
        int level = startLevel;
        while (level <= 3) {
            int shift = granule.levelShift(level);
            if (Bits.isAligned(boundary, shift)) {
                return;
            }
            long descAddress = descriptorAddress(table, level, boundary);
            long desc = memory.readLong(descAddress);
            if ((desc & 1) == 0) {
                return;
            }
            if (level < 3 && (desc & 2) == 0) {
                long next = allocateTable(granule.pageSize());
                int childShift = granule.levelShift(level + 1);
                long type = level + 1 == 3 ? 3 : 1;
                long base = desc & ~3L;
                for (long i = 0; i < (1L << granule.stride()); i++) {
                    memory.writeLong(next + i * 8, base | type | (i << childShift));
                }
                validEntries.put(next, 1 << granule.stride());
                memory.writeLong(descAddress, encodeAddress(next) | 3);
                desc = encodeAddress(next) | 3;
            }
            table = decodeAddress(desc, granule.shift());
            level++;
        }
    }

    /** Clears every entry of {@code table} inside [lo, hi] (input offsets); returns the bytes unmapped. */
    private long clear(long table, int level, long lo, long hi) {
        int shift = granule.levelShift(level);
        long entries = level == startLevel ? 1L << (inputBits - shift) : 1L << granule.stride();
        long tableBase = level == startLevel ? 0 : lo & ~Bits.mask(shift + granule.stride());
        long first = (lo - tableBase) >>> shift;
        long last = Math.min(entries - 1, (hi - tableBase) >>> shift);
        long unmapped = 0;
        for (long i = first; i <= last; i++) {
            long entryLo = tableBase + (i << shift);
            long entryHi = entryLo + (1L << shift) - 1;
            long descAddress = table + i * 8;
            long desc = memory.readLong(descAddress);
            if ((desc & 1) == 0) {
                continue;
            }
            boolean covered = entryLo >= lo && entryHi <= hi;
            if (level == 3 || (desc & 2) == 0) {
                // splitAt guarantees that leaves inside the range are covered entirely.
                memory.writeLong(descAddress, 0);
                validEntries.merge(table, -1, Integer::sum);
                unmapped += 1L << shift;
                continue;
            }
            long child = decodeAddress(desc, granule.shift());
            unmapped += clear(child, level + 1, Math.max(lo, entryLo), Math.min(hi, entryHi));
            if (covered || validEntries.getOrDefault(child, 0) == 0) {
                memory.writeLong(descAddress, 0);
                validEntries.merge(table, -1, Integer::sum);
                validEntries.remove(child);
                allocator.free(child, granule.pageSize());
            }
        }
        return unmapped;
    }

    // ------------------------------------------------------------------------------------------ inspection

    /**
     * The table-space address of the leaf descriptor that maps {@code ia}, or -1 when {@code ia} is unmapped; tests
     * use it to corrupt or flip bits of a descriptor.
     */
    public long leafDescriptorAddress(long ia) {
        long table = root;
        for (int level = startLevel; level <= 3; level++) {
            long descAddress = descriptorAddress(table, level, ia);
            long desc = memory.readLong(descAddress);
            if ((desc & 1) == 0) {
                return -1;
            }
            if (level == 3 || (desc & 2) == 0) {
                return descAddress;
            }
            table = decodeAddress(desc, granule.shift());
        }
        return -1;
    }

    /**
     * The table-space address of the table descriptor at {@code level} on the walk for {@code ia} (below the start
     * level), or -1 when the walk ends before; tests use it to set APTable / XNTable bits.
     */
    public long tableDescriptorAddress(long ia, int level) {
        long table = root;
        for (int l = startLevel; l <= level; l++) {
            long descAddress = descriptorAddress(table, l, ia);
            long desc = memory.readLong(descAddress);
            if ((desc & 3) != 3 || l == 3) {
                return -1;
            }
            if (l == level) {
                return descAddress;
            }
            table = decodeAddress(desc, granule.shift());
        }
        return -1;
    }

    /** The table memory these tables live in. */
    public TableMemory memory() {
        return memory;
    }

    // ------------------------------------------------------------------------------------------ helpers

    private long descriptorAddress(long table, int level, long ia) {
        int shift = granule.levelShift(level);
        int bits = level == startLevel ? inputBits - shift : granule.stride();
        return table + (((ia & Bits.mask(inputBits)) >>> shift & Bits.mask(bits)) << 3);
    }

    private long rootBytes() {
        return Math.max(granule.pageSize(), 8L << (inputBits - granule.levelShift(startLevel)));
    }

    private long allocateTable(long bytes) {
        long t = allocator.allocate(bytes);
        for (long a = t; a < t + bytes; a += 8) {
            memory.writeLong(a, 0);
        }
        return t;
    }

    private long encodeAddress(long address) {
        long d = address & Bits.range(47, granule.shift());
        if (oa52) {
            d |= Bits.extract(address, 48, 4) << 12;
        }
        return d;
    }

    private long decodeAddress(long desc, int lsb) {
        long a = desc & Bits.range(47, lsb);
        if (oa52) {
            a |= Bits.extract(desc, 12, 4) << 48;
        }
        return a;
    }

    private void checkRange(long ia, long size) {
        long page = granule.pageSize();
        if (size <= 0 || (ia & (page - 1)) != 0 || (size & (page - 1)) != 0) {
            throw new PageTableException(PageTableException.Reason.MISALIGNED, String.format(
                "[0x%x, +0x%x) is empty or not %s-aligned", ia, size, granule));
        }
        long offset = ia & Bits.mask(inputBits);
        boolean inHalf = upper ? (ia | Bits.mask(inputBits)) == -1L : ia >>> inputBits == 0;
        if (!inHalf || Long.compareUnsigned(size, (1L << inputBits) - offset) > 0) {
            throw new PageTableException(PageTableException.Reason.OUT_OF_RANGE, String.format(
                "[0x%x, +0x%x) is outside the %s %d-bit input range", ia, size, upper ? "upper" : "lower",
                inputBits));
        }
    }

    private static PageTableException overlap(long ia, long size) {
        return new PageTableException(PageTableException.Reason.OVERLAP, String.format(
            "[0x%x, +0x%x) overlaps an existing mapping", ia, size));
    }

    private void requireStage(Stage wanted) {
        if (stage != wanted) {
            throw new IllegalStateException("these are " + stage + " tables, not " + wanted);
        }
    }
}
