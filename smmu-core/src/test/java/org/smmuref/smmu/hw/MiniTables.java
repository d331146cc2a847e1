package org.smmuref.smmu.hw;

/**
 * A second, deliberately minimal VMSAv8-64 table encoder (DS=0) for oracle tests, written from the Arm ARM's
 * descriptor formats (D8.3) and sharing no code with {@code PageTableBuilder} or the model's geometry helpers.
 *
 * <p>One granule (4K, 16K or 64K); the initial level is the first that resolves the input size with one table, or a
 * later one given by the caller, whose initial tables are then concatenated (stage 2). Tables are allocated upwards
 * from a pool; table addresses are in the pool's own address space (an IPA for guest stage-1 tables), reached
 * through {@code toPa}. Leaves are written with exactly the attribute bits the caller passes, plus the address (with
 * the 64K granule OA[51:48] in bits [15:12]), the valid bit and the descriptor type; nothing is inferred.
 */
final class MiniTables {
    /** AF, bit 10. */
    static final long AF = 1L << 10;
    /** nG, bit 11 (stage 1). */
    static final long NG = 1L << 11;

    private final PhysicalMemory memory;
    private final java.util.function.LongUnaryOperator toPa;
    private final int pageShift;
    private final int inputBits;
    private final int startLevel;
    private final long root;
    private long next;
    private final long poolEnd;

    /**
     * An empty table set.
     *
     * @param pageShift 12, 14 or 16
     * @param inputBits input address size; must need no concatenated initial table
     */
    MiniTables(PhysicalMemory memory, long pool, long poolSize, int pageShift, int inputBits) {
        this(memory, a -> a, pool, poolSize, pageShift, inputBits, -1);
    }

    /**
     * An empty table set in a pool reached through {@code toPa}, starting at {@code startLevel} (-1: the first level
     * that needs no concatenation).
     */
    MiniTables(PhysicalMemory memory, java.util.function.LongUnaryOperator toPa, long pool, long poolSize,
               int pageShift, int inputBits, int startLevel) {
        this.memory = memory;
        this.toPa = toPa;
        this.pageShift = pageShift;
        this.inputBits = inputBits;
        this.next = pool;
        this.poolEnd = pool + poolSize;
        int level = 3;
        while (shiftOf(level) + (pageShift - 3) < inputBits) {
            level--; // a level resolves pageShift - 3 bits above the next level's shift
        }
        this.startLevel = startLevel < 0 ? level : startLevel;
        // Concatenated initial tables are contiguous and aligned to their total size.
        long rootBytes = Math.max(1L << pageShift, 8L << (inputBits - shiftOf(this.startLevel)));
        next = (next + rootBytes - 1) & -rootBytes;
        this.root = allocate(rootBytes);
    }

    /** The input address bit at which level {@code level} indexes: the page offset plus one stride per level below. */
    int shiftOf(int level) {
        return pageShift + (3 - level) * (pageShift - 3);
    }

    int startLevel() {
        return startLevel;
    }

    long root() {
        return root;
    }

    int inputBits() {
        return inputBits;
    }

    private long allocate(long bytes) {
        long page = next;
        next += bytes;
        if (next > poolEnd) {
            throw new IllegalStateException("table pool exhausted");
        }
        for (long a = page; a < next; a += 8) {
            memory.writeLong(toPa.applyAsLong(a), 0);
        }
        return page;
    }

    /** The address of the descriptor for {@code in} at {@code level}, creating the tables above it. */
    long slot(long in, int level) {
        long table = root;
        for (int l = startLevel; ; l++) {
            int bits = l == startLevel ? inputBits - shiftOf(l) : pageShift - 3;
            long at = table + (((in >>> shiftOf(l)) & ((1L << bits) - 1)) << 3);
            if (l == level) {
                return at;
            }
            long d = memory.readLong(toPa.applyAsLong(at));
            if ((d & 3) != 3) {
                long t = allocate(1L << pageShift);
                memory.writeLong(toPa.applyAsLong(at), t | 3);
                d = t | 3;
            }
            table = d & ((1L << 48) - 1) & ~((1L << pageShift) - 1);
        }
    }

    /**
     * Writes a leaf for {@code in} at {@code level}: {@code out} (aligned to the level's size) | {@code attrs} | type
     * (page descriptor 0b11 at level 3, block 0b01 above).
     */
    void leaf(long in, long out, int level, long attrs) {
        long address = out;
        if (pageShift == 16 && out >>> 48 != 0) {
            address = (out & ((1L << 48) - 1)) | (out >>> 48 & 0xF) << 12; // OA[51:48] in bits [15:12]
        }
        memory.writeLong(toPa.applyAsLong(slot(in, level)), address | attrs | (level == 3 ? 3 : 1));
    }

    /** ORs {@code bits} (e.g. APTable, XNTable, PXNTable) into the table descriptor for {@code in} at {@code level}. */
    void tableBits(long in, int level, long bits) {
        long at = toPa.applyAsLong(slot(in, level));
        long d = memory.readLong(at);
        if ((d & 3) != 3) {
            throw new IllegalStateException("no table descriptor at level " + level);
        }
        memory.writeLong(at, d | bits);
    }

    /** Writes an invalid descriptor for {@code in} at {@code level}. */
    void clear(long in, int level) {
        memory.writeLong(toPa.applyAsLong(slot(in, level)), 0);
    }

    /** The size in bytes of a leaf at {@code level}. */
    long size(int level) {
        return 1L << shiftOf(level);
    }
}
