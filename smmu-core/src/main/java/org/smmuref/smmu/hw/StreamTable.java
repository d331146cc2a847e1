package org.smmuref.smmu.hw;

import static org.smmuref.smmu.hw.SmmuLayouts.BASE_ADDR;
import static org.smmuref.smmu.hw.SmmuLayouts.CFG_FMT;
import static org.smmuref.smmu.hw.SmmuLayouts.CFG_LOG2SIZE;
import static org.smmuref.smmu.hw.SmmuLayouts.CFG_SPLIT;
import static org.smmuref.smmu.hw.SmmuLayouts.L1STD_L2PTR;
import static org.smmuref.smmu.hw.SmmuLayouts.L1STD_SPAN;

/**
 * The Non-secure stream table walk: StreamID to the physical address of its STE, linear or 2-level, from the
 * SMMU_STRTAB_BASE and SMMU_STRTAB_BASE_CFG register values (smmuv3.md section 1; SPEC 6.3.24/6.3.25).
 *
 * <p>Base addresses are aligned by the SMMU as the spec says (low bits ignored, not an error): a linear table to its
 * size using the literal LOG2SIZE, a level-1 table to max(64 bytes, its size), a level-2 array to its size. The
 * StreamID range uses the effective LOG2SIZE = min(LOG2SIZE, IDR1.SIDSIZE).
 */
public final class StreamTable {
    /** Size of one STE in bytes. */
    public static final int STE_BYTES = 64;
    /** Size of one L1STD in bytes. */
    public static final int L1STD_BYTES = 8;
    /** The largest valid L1STD.Span. */
    public static final int MAX_SPAN = 11;

    private StreamTable() {
    }

    /**
     * Returns the physical address of the STE for {@code streamId}.
     *
     * @param strtabBase the SMMU_STRTAB_BASE value
     * @param strtabBaseCfg the SMMU_STRTAB_BASE_CFG value
     * @param streamId the StreamID, as an unsigned 32-bit value
     * @throws ConfigFault C_BAD_STREAMID for an out-of-range StreamID or a bad L1STD; F_STE_FETCH (with the
     *     address) when fetching the L1STD aborts
     */
    public static long locate(long strtabBase, int strtabBaseCfg, SmmuFeatures f, int streamId,
        DescriptorFetcher fetcher) {
        long[] cfg = {Integer.toUnsignedLong(strtabBaseCfg)};
        long sid = Integer.toUnsignedLong(streamId);
        int literalLog2 = (int) CFG_LOG2SIZE.get(cfg);
        int log2size = Math.min(literalLog2, f.sidSize());
        if ((sid >>> log2size) != 0) {
            throw ConfigFault.of(ConfigEvent.C_BAD_STREAMID, String.format(
                "StreamID 0x%x is outside the stream table (effective LOG2SIZE %d)", sid, log2size));
        }
        long base = BASE_ADDR.display(new long[] {strtabBase}) & Bits.mask(f.oasBits());
        boolean twoLevel = f.twoLevelStreamTable() && CFG_FMT.get(cfg) == 0b01; // reserved FMT behaves as linear
        if (!twoLevel) {
            return alignDown(base, literalLog2 + 6) + sid * STE_BYTES;
        }
        int split = effectiveSplit((int) CFG_SPLIT.get(cfg));
        long l1Base = alignDown(base, Math.max(6, literalLog2 - split + 3));
        long l1Address = l1Base + (sid >>> split) * L1STD_BYTES;
        long[] l1std = fetch(fetcher, l1Address, 1);
        int span = (int) L1STD_SPAN.get(l1std);
        if (span == 0) {
            throw badSid(sid, l1Address, "L1STD.Span=0 (invalid)");
        }
        if (span > MAX_SPAN) {
            throw badSid(sid, l1Address, "L1STD.Span=" + span + " is reserved (valid 1..11)");
        }
        if (span > split + 1) {
            throw badSid(sid, l1Address, "L1STD.Span=" + span + " exceeds SPLIT+1=" + (split + 1));
        }
        long l2Index = sid & Bits.mask(split);
        if ((l2Index >>> (span - 1)) != 0) {
            throw badSid(sid, l1Address, "StreamID[SPLIT-1:0]=" + l2Index + " is beyond the level-2 array of 2^"
                + (span - 1) + " STEs");
        }
        long l2 = alignDown(L1STD_L2PTR.display(l1std), span - 1 + 6);
        return l2 + l2Index * STE_BYTES;
    }

    /**
     * Locates and fetches the STE of {@code streamId}.
     *
     * @return the STE's 8 dwords
     * @throws ConfigFault as {@link #locate}, and F_STE_FETCH when fetching the STE aborts
     */
    public static long[] fetchSte(long strtabBase, int strtabBaseCfg, SmmuFeatures f, int streamId,
        DescriptorFetcher fetcher) {
        return fetch(fetcher, locate(strtabBase, strtabBaseCfg, f, streamId, fetcher), 8);
    }

    /** SPLIT as the SMMU uses it: 6, 8 or 10; reserved values behave as 6. */
    public static int effectiveSplit(int split) {
        return split == 8 || split == 10 ? split : 6;
    }

    private static long[] fetch(DescriptorFetcher fetcher, long address, int dwords) {
        try {
            return fetcher.fetch(address, dwords);
        } catch (ExternalAbortException e) {
            throw ConfigFault.fetch(ConfigEvent.F_STE_FETCH, e.address(),
                String.format("external abort fetching the stream table at 0x%x", e.address()));
        }
    }

    private static ConfigFault badSid(long sid, long l1Address, String why) {
        return ConfigFault.of(ConfigEvent.C_BAD_STREAMID,
            String.format("StreamID 0x%x: %s (L1STD at 0x%x)", sid, why, l1Address));
    }

    static long alignDown(long address, int log2) {
        return log2 >= 64 ? 0 : address & ~Bits.mask(log2);
    }
}
