package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class CdTest {
    static final SmmuFeatures F = SmmuFeatures.reference().build();
    static final Cd.Context CTX = Cd.Context.NS_EL1;

    /** A valid CD: TTB0 4 KB 48-bit VA, TTB1 64 KB 39-bit VA, IPS 48, R and A set. */
    static Map<String, Long> base() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("V", 1L);
        m.put("AA64", 1L);
        m.put("T0SZ", 16L);
        m.put("TG0", 0L);
        m.put("T1SZ", 25L);
        m.put("TG1", 0b11L);
        m.put("IPS", 0b101L);
        m.put("R", 1L);
        m.put("A", 1L);
        m.put("ASID", 0x4321L);
        m.put("TTB0", 0x1234_5000L);
        m.put("TTB1", 0x2_0000_0000L);
        m.put("MAIR0", 0x44ff_0400L);
        m.put("MAIR1", 0x1L);
        return m;
    }

    static long[] with(UnaryOperator<Map<String, Long>> change) {
        return SmmuLayouts.CD.encode(change.apply(base()));
    }

    static Map<String, Long> set(Map<String, Long> m, String field, long value) {
        m.put(field, value);
        return m;
    }

    @Test
    void valid_cd_decodes_per_half() {
        Cd cd = Cd.decode(with(m -> set(set(m, "TBI1", 1), "HAD0", 1)), F, CTX);
        assertThat(cd.ttb0().walksEnabled()).isTrue();
        assertThat(cd.ttb0().granuleShift()).isEqualTo(12);
        assertThat(cd.ttb0().inputBits()).isEqualTo(48);
        assertThat(cd.ttb0().startLevel()).isZero();
        assertThat(cd.ttb0().ttb()).isEqualTo(0x1234_5000L);
        assertThat(cd.ttb0().had()).isTrue();
        assertThat(cd.ttb1().granuleShift()).as("TG1=0b11 is 64 KB").isEqualTo(16);
        assertThat(cd.ttb1().startLevel()).isEqualTo(2);
        assertThat(cd.ttb1().tbi()).isTrue();
        assertThat(cd.ipsBits()).isEqualTo(48);
        assertThat(cd.asid()).isEqualTo(0x4321);
        assertThat(cd.mair()).isEqualTo(0x1_44ff_0400L);
        assertThat(cd.record()).isTrue();
        assertThat(cd.abort()).isTrue();
        assertThat(cd.ttbIsIpa()).isFalse();
        assertThat(Cd.decode(with(m -> m), F, new Cd.Context(true, false, Ste.StreamWorld.NS_EL1)).ttbIsIpa())
            .isTrue();
    }

    @ParameterizedTest(name = "TG1={0} -> 2^{1}")
    @CsvSource({"1, 14", "2, 12", "3, 16"})
    void tg1_uses_its_own_encoding(int tg1, int shift) {
        assertThat(Cd.decode(with(m -> set(m, "TG1", tg1)), F, CTX).ttb1().granuleShift()).isEqualTo(shift);
    }

    @ParameterizedTest(name = "TG0={0} -> 2^{1}")
    @CsvSource({"0, 12", "1, 16", "2, 14"})
    void tg0_encoding(int tg0, int shift) {
        assertThat(Cd.decode(with(m -> set(m, "TG0", tg0)), F, CTX).ttb0().granuleShift()).isEqualTo(shift);
    }

    @Test
    void epd_disables_a_half_and_its_checks() {
        Cd cd = Cd.decode(with(m -> set(set(set(m, "EPD1", 1), "TG1", 0), "T1SZ", 0)), F, CTX);
        assertThat(cd.ttb1().walksEnabled()).isFalse();
        Cd cd0 = Cd.decode(with(m -> set(set(m, "EPD0", 1), "T0SZ", 63)), F, CTX);
        assertThat(cd0.ttb0().walksEnabled()).isFalse();
    }

    @Test
    void el2_stream_world_has_ttb0_only_and_ignores_epd() {
        Cd.Context el2 = new Cd.Context(false, false, Ste.StreamWorld.NS_EL2);
        Cd cd = Cd.decode(with(m -> set(set(set(m, "EPD0", 1), "T1SZ", 0), "TG1", 0)), F, el2);
        assertThat(cd.ttb0().walksEnabled()).as("EPD0 IGNORED at EL2").isTrue();
        assertThat(cd.ttb1().walksEnabled()).isFalse();
        SmmuFeatures asid8 = SmmuFeatures.reference().asid16(false).build();
        assertThat(Cd.decode(with(m -> m), asid8, el2).asid()).as("no ASID at EL2: not checked").isEqualTo(0x4321);
    }

    @Test
    void ips_is_capped_to_oas_and_stt_allows_small_tables() {
        SmmuFeatures oas40 = SmmuFeatures.reference().oas(40).build();
        Cd cd = Cd.decode(with(m -> set(set(m, "IPS", 0b110), "TTB1", 0x1000L)), oas40, CTX);
        assertThat(cd.ipsBits()).isEqualTo(40);
        Cd small = Cd.decode(with(m -> set(m, "T0SZ", 48)), F, CTX);
        assertThat(small.ttb0().startLevel()).isEqualTo(3);
        SmmuFeatures vax = SmmuFeatures.reference().oas(52).vax(1).build();
        assertThat(Cd.decode(with(m -> set(set(m, "TG0", 1), "T0SZ", 12)), vax, CTX).ttb0().inputBits())
            .isEqualTo(52);
    }

    static Stream<Arguments> illegal() {
        SmmuFeatures stall = SmmuFeatures.reference().stallModel(0).build();
        SmmuFeatures forced = SmmuFeatures.reference().stallModel(2).build();
        SmmuFeatures term = SmmuFeatures.reference().termModel(true).build();
        SmmuFeatures be = SmmuFeatures.reference().ttendian(SmmuFeatures.TTENDIAN_BE).build();
        SmmuFeatures httuAf = SmmuFeatures.reference().httu(1).buildForDecoding();
        SmmuFeatures httuAll = SmmuFeatures.reference().httu(3).buildForDecoding();
        SmmuFeatures noStt = SmmuFeatures.reference().stt(false).build();
        SmmuFeatures only4k = SmmuFeatures.reference().gran16k(false).gran64k(false).build();
        SmmuFeatures asid8 = SmmuFeatures.reference().asid16(false).build();
        SmmuFeatures oas52 = SmmuFeatures.reference().oas(52).build();
        Cd.Context stallD = new Cd.Context(false, true, Ste.StreamWorld.NS_EL1);
        return Stream.of(
            illegal("V=0", F, CTX, m -> set(m, "V", 0), "V=0"),
            illegal("AA64=0", F, CTX, m -> set(m, "AA64", 0), "AA64=0"),
            illegal("S with S1STALLD", stall, stallD, m -> set(m, "S", 1), "S1STALLD"),
            illegal("S with terminate-only", F, CTX, m -> set(m, "S", 1), "STALL_MODEL=0b01"),
            illegal("S=0 with stall forced", forced, CTX, m -> m, "STALL_MODEL=0b10"),
            illegal("A=0 with TERM_MODEL", term, CTX, m -> set(m, "A", 0), "TERM_MODEL"),
            illegal("ENDI with LE-only", F, CTX, m -> set(m, "ENDI", 1), "ENDI=1"),
            illegal("ENDI=0 with BE-only", be, CTX, m -> m, "ENDI=0"),
            illegal("HA without HTTU", F, CTX, m -> set(m, "HA", 1), "HTTU=0"),
            illegal("HD with AF-only HTTU", httuAf, CTX, m -> set(set(m, "HA", 1), "HD", 1), "HD=1"),
            illegal("HAFT without HA", httuAll, CTX, m -> set(m, "HAFT", 1), "HAFT"),
            illegal("ASID > 255 without ASID16", asid8, CTX, m -> m, "ASID16"),
            illegal("T0SZ below 16", F, CTX, m -> set(m, "T0SZ", 15), "T0SZ=15"),
            illegal("T0SZ 12 with 4K even with VAX", SmmuFeatures.reference().oas(52).vax(1).build(), CTX,
                m -> set(m, "T0SZ", 12), "T0SZ=12"),
            illegal("T0SZ 12 with 64K without VAX", F, CTX, m -> set(set(m, "TG0", 1), "T0SZ", 12), "T0SZ=12"),
            illegal("T0SZ above 39 without STT", noStt, CTX, m -> set(m, "T0SZ", 40), "T0SZ=40"),
            illegal("T0SZ above 48 with STT", F, CTX, m -> set(m, "T0SZ", 49), "T0SZ=49"),
            illegal("T1SZ above 47 for 64K with STT", F, CTX, m -> set(m, "T1SZ", 48), "T1SZ=48"),
            illegal("TG0 reserved", F, CTX, m -> set(m, "TG0", 3), "TG0=0b11"),
            illegal("TG1 reserved", F, CTX, m -> set(m, "TG1", 0), "TG1=0b0"),
            illegal("TG0 unsupported", only4k, CTX, m -> set(m, "TG0", 1), "not supported"),
            illegal("TG1 unsupported", only4k, CTX, m -> m, "not supported"),
            illegal("TTB0 beyond effective IPS", F, CTX, m -> set(set(m, "IPS", 0), "TTB0", 1L << 32), "IPS"),
            illegal("TTB1 beyond effective IPS", F, CTX, m -> set(m, "TTB1", 1L << 48), "IPS"),
            illegal("TTB0 beyond 48 bits with 4K", oas52, CTX, m -> set(set(m, "IPS", 6), "TTB0", 1L << 48),
                "48 bits"));
    }

    private static Arguments illegal(String name, SmmuFeatures f, Cd.Context ctx,
        UnaryOperator<Map<String, Long>> change, String reason) {
        return Arguments.of(name, f, ctx, change, reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("illegal")
    void each_legality_rule_raises_c_bad_cd(String name, SmmuFeatures f, Cd.Context ctx,
        UnaryOperator<Map<String, Long>> change, String reason) {
        assertThatThrownBy(() -> Cd.decode(with(change), f, ctx))
            .isInstanceOfSatisfying(ConfigFault.class, e -> {
                assertThat(e.event()).isEqualTo(ConfigEvent.C_BAD_CD);
                assertThat(e.event().id()).isEqualTo(0x0A);
                assertThat(e.reason()).contains(reason);
            });
    }

    @Test
    void the_same_fields_are_legal_where_the_features_allow_them() {
        SmmuFeatures stall = SmmuFeatures.reference().stallModel(0).build();
        assertThat(Cd.decode(with(m -> set(m, "S", 1)), stall, CTX).stall()).isTrue();
        SmmuFeatures httuAll = SmmuFeatures.reference().httu(3).buildForDecoding();
        Cd cd = Cd.decode(with(m -> set(set(set(m, "HA", 1), "HD", 1), "HAFT", 1)), httuAll, CTX);
        assertThat(cd.ha()).isTrue();
        assertThat(cd.hd()).isTrue();
        assertThat(Cd.decode(with(m -> set(m, "ASID", 0xFF)), SmmuFeatures.reference().asid16(false).build(), CTX)
            .asid()).isEqualTo(0xFF);
        assertThat(Cd.decode(with(m -> set(m, "ENDI", 1)),
            SmmuFeatures.reference().ttendian(SmmuFeatures.TTENDIAN_MIXED).build(), CTX).bigEndian()).isTrue();
        Cd off = Cd.decode(with(m -> set(set(set(m, "EPD0", 1), "EPD1", 1), "ENDI", 1)), F, CTX);
        assertThat(off.ttb0().walksEnabled()).as("ENDI IGNORED when both halves are disabled").isFalse();
    }

    @Test
    void ttb_is_aligned_to_the_initial_table_and_uses_bits_51_to_4() {
        // 39-bit VA with 4 KB starts at level 1 with a 4 KB table; 25-bit VA starts at level 2 with 128 bytes.
        assertThat(Cd.decode(with(m -> set(set(m, "T0SZ", 25), "TTB0", 0x00F0_0000_1234_5ff0L)), F, CTX).ttb0().ttb())
            .isEqualTo(0x1234_5000L);
        assertThat(Cd.decode(with(m -> set(set(m, "T0SZ", 39), "TTB0", 0x1234_5ff0L)), F, CTX).ttb0().ttb())
            .isEqualTo(0x1234_5f80L);
    }

    @ParameterizedTest(name = "{0} at bit {1}")
    @CsvSource({
        "T0SZ, 0", "TG0, 6", "IR0, 8", "OR0, 10", "SH0, 12", "EPD0, 14", "ENDI, 15", "T1SZ, 16", "TG1, 22",
        "IR1, 24", "OR1, 26", "SH1, 28", "EPD1, 30", "V, 31", "IPS, 32", "AFFD, 35", "WXN, 36", "UWXN, 37",
        "TBI0, 38", "TBI1, 39", "PAN, 40", "AA64, 41", "HD, 42", "HA, 43", "S, 44", "R, 45", "A, 46", "ASET, 47",
        "ASID, 48", "NSCFG0, 64", "HAD0, 65", "E0PD0, 66", "HAFT, 67", "NSCFG1, 128", "HAD1, 129", "E0PD1, 130",
        "AIE, 131", "DS, 186", "PIE, 187", "MAIR0, 192", "MAIR1, 224", "AMAIR0, 256", "AMAIR1, 288",
        "PARTID, 352", "PMG, 368"})
    void cd_field_positions(String field, int bit) {
        long[] d = SmmuLayouts.CD.encode(Map.of(field, 1L));
        assertThat(d[bit / 64]).as(field).isEqualTo(1L << (bit % 64));
    }

    @Test
    void ttb_fields_keep_their_address_bits_in_place() {
        assertThat(SmmuLayouts.CD.encode(Map.of("TTB0", 0x00FF_FFFF_FFFF_FFF0L))[1]).isEqualTo(0x00FF_FFFF_FFFF_FFF0L);
        assertThat(SmmuLayouts.CD.encode(Map.of("TTB1", 0x00FF_FFFF_FFFF_FFF0L))[2]).isEqualTo(0x00FF_FFFF_FFFF_FFF0L);
        assertThat(SmmuLayouts.L1CD.encode(Map.of("L2Ptr", 0x00FF_FFFF_FFFF_F000L))[0])
            .isEqualTo(0x00FF_FFFF_FFFF_F000L);
        assertThat(SmmuLayouts.L1STD.encode(Map.of("L2Ptr", 0x00FF_FFFF_FFFF_FFC0L, "Span", 31L))[0])
            .isEqualTo(0x00FF_FFFF_FFFF_FFDFL);
        assertThat(SmmuLayouts.STRTAB_BASE_CFG.encode(Map.of("LOG2SIZE", 1L, "SPLIT", 1L, "FMT", 1L))[0])
            .isEqualTo(1L | 1L << 6 | 1L << 16);
        assertThat(SmmuLayouts.STRTAB_BASE.encode(Map.of("RA", 1L, "ADDR", 0x40L))[0]).isEqualTo(1L << 62 | 0x40L);
    }
}
