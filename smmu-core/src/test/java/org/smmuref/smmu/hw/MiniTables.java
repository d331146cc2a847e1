package org.smmuref.smmu.hw;

/**
 * A second, deliberately minimal VMSAv8-64 table encoder (DS=0) for oracle tests, written from the Arm ARM's
 * descriptor formats (D8.3) and sharing no code with {@code PageTableBuilder} or the model's geometry helpers.
 *
 * <p>One granule (4K, 16K or 64K), one initial table (no concatenation), tables allocated upwards from a pool of RAM
 * that the caller reaches directly (for nested tests the pool is identity-mapped at stage 2, so its IPAs are PAs).
 * Leaves are written with exactly the attribute bits the caller passes, plus the address, the valid bit and the
 * descriptor type; nothing is inferred.
 */
final class MiniTables {
    /** AF, bit 10. */
    static final long AF = 1L << 10;
    /** nG, bit 11 (stage 1). */
    static final long NG = 1L << 11;

    private final PhysicalMemory memory;
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
        this.memory = memory;
        this.pageShift = pageShift;
        this.inputBits = inputBits;
        this.next = pool;
        this.poolEnd = pool + poolSize;
        int level = 3;
        while (shiftOf(level) + (pageShift - 3) < inputBits) {
            level--; // a level resolves pageShift - 3 bits above the next level's shift
        }
        this.startLevel = level;
        this.root = allocate();
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

    private long allocate() {
        long page = next;
        next += 1L << pageShift;
        if (next > poolEnd) {
            throw new IllegalStateException("table pool exhausted");
        }
        for (long a = page; a < next; a += 8) {
            memory.writeLong(a, 0);
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
            long d = memory.readLong(at);
            if ((d & 3) != 3) {
                long t = allocate();
                memory.writeLong(at, t | 3);
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
        memory.writeLong(slot(in, level), out | attrs | (level == 3 ? 3 : 1));
    }

    /** ORs {@code bits} (e.g. APTable, XNTable, PXNTable) into the table descriptor for {@code in} at {@code level}. */
    void tableBits(long in, int level, long bits) {
        long at = slot(in, level);
        long d = memory.readLong(at);
        if ((d & 3) != 3) {
            throw new IllegalStateException("no table descriptor at level " + level);
        }
        memory.writeLong(at, d | bits);
    }

    /** Writes an invalid descriptor for {@code in} at {@code level}. */
    void clear(long in, int level) {
        memory.writeLong(slot(in, level), 0);
    }

    /** The size in bytes of a leaf at {@code level}. */
    long size(int level) {
        return 1L << shiftOf(level);
    }
}
