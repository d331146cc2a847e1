package org.smmuref.launcher;

import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.smmuref.server.inspector.StructureDecoder;
import org.smmuref.smmu.hw.ConfigFault;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.StreamTable;
import org.smmuref.smmu.tools.StructureCodec;
import org.smmuref.smmu.tools.StructureRegistry;

/** The inspector's decoder over smmu-core's structure codec and stream-table lookup (what {@code decode} uses). */
final class SmmuStructureDecoder implements StructureDecoder {
    private final StructureCodec codec = new StructureCodec(StructureRegistry.standard());

    @Override
    public Map<String, Long> decode(String kind, long[] dwords) {
        return codec.decode(kind, StructureCodec.toHex(dwords));
    }

    @Override
    public long steAddress(List<Integer> idr, long strtabBase, int strtabBaseCfg, int streamId,
                           LongFunction<Long> readDword) {
        int[] idrs = idr.stream().mapToInt(Integer::intValue).toArray();
        SmmuFeatures f = SmmuFeatures.fromIdrs(idrs, 0, 0);
        try {
            return StreamTable.locate(strtabBase, strtabBaseCfg, f, streamId, (address, dwords) -> {
                long[] out = new long[dwords];
                for (int i = 0; i < dwords; i++) {
                    out[i] = readDword.apply(address + 8L * i);
                }
                return out;
            });
        } catch (ConfigFault e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
