package org.smmuref.server.inspector;

import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The SMMU structure knowledge the inspector borrows from the hardware model (the same decoder as
 * {@code ./smmuref decode}); bound by the composition root, because the server layer may not reach smmu-core.
 */
public interface StructureDecoder {
    /** Every field of {@code kind} ({@code ste}, {@code cd}, ...) from its dwords, in layout order. */
    Map<String, Long> decode(String kind, long[] dwords);

    /**
     * The physical address of {@code streamId}'s STE as the SMMU with these IDRs locates it, reading level-1
     * descriptors through {@code readDword} (a PA to a 64-bit value).
     *
     * @throws IllegalArgumentException with the configuration fault's text when the StreamID is outside the table
     */
    long steAddress(List<Integer> idr, long strtabBase, int strtabBaseCfg, int streamId, LongFunction<Long> readDword);
}
