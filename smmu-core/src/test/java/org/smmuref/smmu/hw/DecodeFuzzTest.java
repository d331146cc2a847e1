package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Arbitrary dwords never make STE or CD decoding throw anything but the typed {@link ConfigFault}. */
class DecodeFuzzTest {
    private static final List<SmmuFeatures> FEATURES = List.of(
        SmmuFeatures.reference().build(),
        SmmuFeatures.reference().ats(true).stallModel(0).httu(3).vmid16(false).asid16(false).buildForDecoding(),
        SmmuFeatures.reference().hyp(false).s2p(false).ttendian(SmmuFeatures.TTENDIAN_BE).stt(false).build(),
        SmmuFeatures.reference().hyp(false).s1p(false).ssidSize(0).cd2l(false).oas(52).vax(1).aidr(0).build(),
        SmmuFeatures.builder().build());

    @FuzzTest(maxDuration = "10s")
    void steAndCdDecodeOnlyFailWithConfigFault(FuzzedDataProvider data) {
        SmmuFeatures f = FEATURES.get(data.consumeInt(0, FEATURES.size() - 1));
        boolean atsCheck = data.consumeBoolean();
        boolean e2h = data.consumeBoolean();
        long[] dwords = new long[8];
        for (int i = 0; i < 8; i++) {
            dwords[i] = data.consumeLong();
        }
        decodeBoth(f, atsCheck, e2h, dwords);
    }

    /** The same property over random inputs in every normal test run (the fuzz test only replays its corpus). */
    @Test
    void random_dwords_only_fail_with_config_fault() {
        qt().withExamples(5_000).withFixedSeed(7)
            .forAll(longs().all(), longs().all(), longs().all(), integers().all())
            .checkAssert((a, b, c, mix) -> {
                int fi = Math.floorMod(mix >>> 4, FEATURES.size());
                // Steer some bits so that valid structures (V=1, Config=1xx, AA64=1) are common.
                long d0 = a | 1L | (mix & 1) << 3 | 1L << 31 | (mix & 2L) << 40;
                long[] dwords = {d0, b, c ^ a, b << 3 | 1L << 51, c, a ^ b, c >>> 7, mix};
                decodeBoth(FEATURES.get(fi), (mix & 4) != 0, (mix & 8) != 0, dwords);
            });
    }

    private static void decodeBoth(SmmuFeatures f, boolean atsCheck, boolean e2h, long[] dwords) {
        Ste ste = null;
        try {
            ste = Ste.decode(dwords, f, new Ste.Controls(atsCheck, e2h));
            assertThat(ste.config()).isNotNull();
        } catch (ConfigFault expected) {
            assertThat(expected.event()).isEqualTo(ConfigEvent.C_BAD_STE);
        }
        Cd.Context ctx = ste != null && ste.stage1() != null ? ste.cdContext() : Cd.Context.NS_EL1;
        try {
            Cd cd = Cd.decode(dwords, f, ctx);
            assertThat(cd.ipsBits()).isBetween(32, f.oasBits());
        } catch (ConfigFault expected) {
            assertThat(expected.event()).isEqualTo(ConfigEvent.C_BAD_CD);
        }
    }
}
