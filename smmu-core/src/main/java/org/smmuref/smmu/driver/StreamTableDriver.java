package org.smmuref.smmu.driver;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.SmmuLayouts;
import org.smmuref.smmu.pgtable.PageAllocator;

/**
 * The stream table in memory, as the driver lays it out: linear when the SMMU has only linear tables or few
 * StreamIDs, else two-level with 256 STEs per leaf (SPLIT 8, one PCI bus per leaf, as Linux does). Leaves are
 * allocated when a StreamID is first installed; new STEs start as abort STEs.
 */
final class StreamTableDriver {
    /** SPLIT of the two-level format. */
    static final int SPLIT = 8;
    private static final int STE_BYTES = 64;

    private final PhysicalMemory memory;
    private final PageAllocator pages;
    private final int sidBits;
    private final boolean twoLevel;
    private final long base;
    private final int baseCfg;
    private final Map<Integer, Long> leaves = new HashMap<>();

    StreamTableDriver(PhysicalMemory memory, PageAllocator pages, SmmuFeatures features) {
        this.memory = Objects.requireNonNull(memory);
        this.pages = Objects.requireNonNull(pages);
        this.sidBits = features.sidSize();
        this.twoLevel = features.twoLevelStreamTable() && sidBits > SPLIT;
        long[] cfg = new long[1];
        SmmuLayouts.STRTAB_BASE_CFG.field("LOG2SIZE").set(cfg, sidBits);
        if (twoLevel) {
            SmmuLayouts.STRTAB_BASE_CFG.field("SPLIT").set(cfg, SPLIT);
            SmmuLayouts.STRTAB_BASE_CFG.field("FMT").set(cfg, 1);
            long l1Bytes = Math.max(64, (1L << (sidBits - SPLIT)) * 8);
            this.base = pages.allocate(l1Bytes);
            memory.zero(base, l1Bytes);
        } else {
            long bytes = Math.max(64, (1L << sidBits) * STE_BYTES);
            this.base = pages.allocate(bytes);
            fillAbort(base, 1L << sidBits);
        }
        this.baseCfg = (int) cfg[0];
    }

    /** The value for STRTAB_BASE (RA set: the SMMU may cache the table). */
    long baseRegister() {
        return (1L << 62) | base;
    }

    /** The value for STRTAB_BASE_CFG. */
    int baseCfgRegister() {
        return baseCfg;
    }

    /** Whether the table is two-level. */
    boolean twoLevel() {
        return twoLevel;
    }

    /**
     * The PA of {@code sid}'s STE, allocating its leaf (abort STEs) and publishing the L1 descriptor if needed.
     *
     * @throws IllegalArgumentException for a StreamID beyond IDR1.SIDSIZE
     */
    long steAddress(int sid) {
        if (sid < 0 || (sidBits < 32 && Integer.toUnsignedLong(sid) >= 1L << sidBits)) {
            throw new IllegalArgumentException("StreamID 0x" + Integer.toHexString(sid) + " exceeds the SMMU's "
                + sidBits + "-bit StreamIDs");
        }
        if (!twoLevel) {
            return base + (long) sid * STE_BYTES;
        }
        int l1 = sid >>> SPLIT;
        Long leaf = leaves.get(l1);
        if (leaf == null) {
            long bytes = (1L << SPLIT) * STE_BYTES;
            leaf = pages.allocate(bytes);
            fillAbort(leaf, 1L << SPLIT);
            long[] l1std = new long[1];
            SmmuLayouts.L1STD.field("Span").set(l1std, SPLIT + 1);
            SmmuLayouts.L1STD.field("L2Ptr").setDisplay(l1std, leaf);
            // The leaf is complete before the descriptor that makes it reachable is written.
            memory.writeLong(base + (long) l1 * 8, l1std[0]);
            leaves.put(l1, leaf);
        }
        return leaf + (long) (sid & ((1 << SPLIT) - 1)) * STE_BYTES;
    }

    private void fillAbort(long at, long count) {
        long[] abort = SteWords.abort();
        for (long i = 0; i < count; i++) {
            memory.writeLongs(at + i * STE_BYTES, abort);
        }
    }
}
