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

class SteTest {
    static final SmmuFeatures F = SmmuFeatures.reference().ats(true).build();

    /** A valid nested STE: 4 KB granule, 40-bit IPA from level 1 with 2 concatenated tables. */
    static Map<String, Long> nested() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("V", 1L);
        m.put("Config", 0b111L);
        m.put("S1ContextPtr", 0x8000_0000L);
        m.put("S2VMID", 0x1234L);
        m.put("S2T0SZ", 24L);
        m.put("S2SL0", 1L);
        m.put("S2TG", 0L);
        m.put("S2PS", 0b101L);
        m.put("S2AA64", 1L);
        m.put("S2R", 1L);
        m.put("S2TTB", 0x4000_2000L);
        return m;
    }

    static long[] ste(Map<String, Long> fields) {
        return SmmuLayouts.STE.encode(fields);
    }

    static long[] with(UnaryOperator<Map<String, Long>> change) {
        return ste(change.apply(nested()));
    }

    static Map<String, Long> set(Map<String, Long> m, String field, long value) {
        m.put(field, value);
        return m;
    }

    @Test
    void valid_nested_ste_decodes_with_effective_stage2_values() {
        Ste s = Ste.decode(ste(nested()), F);
        assertThat(s.config()).isEqualTo(Ste.Config.NESTED);
        assertThat(s.vmid()).isEqualTo(0x1234);
        assertThat(s.streamWorld()).isEqualTo(Ste.StreamWorld.NS_EL1);
        assertThat(s.stage1().contextPtr()).isEqualTo(0x8000_0000L);
        assertThat(s.stage1().contextPtrIsIpa()).isTrue();
        Ste.Stage2 s2 = s.stage2();
        assertThat(s2.granuleShift()).isEqualTo(12);
        assertThat(s2.inputBits()).isEqualTo(40);
        assertThat(s2.startLevel()).isEqualTo(1);
        assertThat(s2.concatenatedTables()).isEqualTo(2);
        assertThat(s2.ttb()).isEqualTo(0x4000_2000L);
        assertThat(s2.psBits()).isEqualTo(48);
        assertThat(s2.record()).isTrue();
        assertThat(s.cdContext()).isEqualTo(new Cd.Context(true, false, Ste.StreamWorld.NS_EL1));
    }

    @Test
    void abort_and_bypass_configs() {
        assertThat(Ste.decode(with(m -> set(m, "Config", 0b000)), F).config()).isEqualTo(Ste.Config.ABORT);
        assertThat(Ste.decode(with(m -> set(m, "Config", 0b011)), F).config()).as("0b0xx reserved = abort")
            .isEqualTo(Ste.Config.ABORT);
        Ste bypass = Ste.decode(with(m -> set(set(m, "Config", 0b100), "S2TG", 3)), F);
        assertThat(bypass.config()).isEqualTo(Ste.Config.BYPASS);
        assertThat(bypass.stage1()).isNull();
        assertThat(bypass.stage2()).isNull();
        assertThat(bypass.vmid()).isEqualTo(-1);
    }

    @Test
    void stage1_only_ignores_stage2_fields_but_keeps_the_vmid() {
        Ste s = Ste.decode(with(m -> set(set(set(m, "Config", 0b101), "S2TG", 3), "S2AA64", 0)), F);
        assertThat(s.config()).isEqualTo(Ste.Config.STAGE1);
        assertThat(s.stage2()).isNull();
        assertThat(s.vmid()).as("S1-only NS-EL1 streams are VMID-tagged when S2P=1").isEqualTo(0x1234);
        assertThat(s.stage1().contextPtrIsIpa()).isFalse();
    }

    @Test
    void stage2_only_ignores_stage1_fields() {
        Ste s = Ste.decode(with(m -> set(set(set(m, "Config", 0b110), "S1Fmt", 1), "S1CDMax", 31)), F);
        assertThat(s.stage1()).isNull();
        assertThat(s.stage2()).isNotNull();
    }

    @Test
    void strw_selects_el2_regimes_for_stage1_only_streams() {
        Ste el2 = Ste.decode(with(m -> set(set(m, "Config", 0b101), "STRW", 0b10)), F);
        assertThat(el2.streamWorld()).isEqualTo(Ste.StreamWorld.NS_EL2);
        assertThat(el2.vmid()).as("S2VMID IGNORED outside NS-EL1").isEqualTo(-1);
        Ste e2h = Ste.decode(with(m -> set(set(m, "Config", 0b101), "STRW", 0b10)), F, new Ste.Controls(false, true));
        assertThat(e2h.streamWorld()).isEqualTo(Ste.StreamWorld.NS_EL2_E2H);
        SmmuFeatures noHyp = SmmuFeatures.reference().hyp(false).build();
        assertThat(Ste.decode(with(m -> set(set(m, "Config", 0b101), "STRW", 0b11)), noHyp).streamWorld())
            .as("STRW is RES0 without HYP").isEqualTo(Ste.StreamWorld.NS_EL1);
        assertThat(Ste.decode(with(m -> set(m, "STRW", 0b01)), F).streamWorld())
            .as("STRW IGNORED when stage 2 translates").isEqualTo(Ste.StreamWorld.NS_EL1);
    }

    /** One broken field each on top of the valid base, with the substring the reason must contain. */
    static Stream<Arguments> illegal() {
        SmmuFeatures noS1 = SmmuFeatures.reference().hyp(false).s1p(false).ssidSize(0).cd2l(false).build();
        SmmuFeatures noS2 = SmmuFeatures.reference().hyp(false).s2p(false).build();
        SmmuFeatures stall = SmmuFeatures.reference().stallModel(SmmuFeatures.STALL_MODEL_STALL_AND_TERMINATE).build();
        SmmuFeatures forced = SmmuFeatures.reference().stallModel(SmmuFeatures.STALL_MODEL_STALL_FORCED).build();
        SmmuFeatures noCd2l = SmmuFeatures.reference().cd2l(false).build();
        SmmuFeatures atsNs1 = SmmuFeatures.reference().ats(true).ns1ats(true).build();
        SmmuFeatures only4k = SmmuFeatures.reference().gran16k(false).gran64k(false).build();
        SmmuFeatures be = SmmuFeatures.reference().ttendian(SmmuFeatures.TTENDIAN_BE).build();
        SmmuFeatures vmid8 = SmmuFeatures.reference().vmid16(false).build();
        SmmuFeatures httuAf = SmmuFeatures.reference().httu(1).buildForDecoding();
        SmmuFeatures httuAll = SmmuFeatures.reference().httu(3).buildForDecoding();
        SmmuFeatures oas40 = SmmuFeatures.reference().oas(40).build();
        SmmuFeatures noStt = SmmuFeatures.reference().stt(false).build();
        return Stream.of(
            illegal("V=0", F, m -> set(m, "V", 0), "V=0"),
            illegal("stage 1 without S1P", noS1, m -> set(m, "Config", 0b101), "S1P=0"),
            illegal("nested without S1P", noS1, m -> m, "S1P=0"),
            illegal("stage 2 without S2P", noS2, m -> set(m, "Config", 0b110), "S2P=0"),
            illegal("S1STALLD with terminate-only", F, m -> set(m, "S1STALLD", 1), "S1STALLD"),
            illegal("S1CDMax > SSIDSIZE", SmmuFeatures.reference().ssidSize(8).build(),
                m -> set(m, "S1CDMax", 9), "S1CDMax=9"),
            illegal("2-level CD table without CD2L", noCd2l, m -> set(set(m, "S1CDMax", 8), "S1Fmt", 1), "CD2L"),
            illegal("S1ContextPtr beyond IAS when nested", F, m -> set(m, "S1ContextPtr", 1L << 48), "IAS"),
            illegal("S1ContextPtr beyond OAS for stage 1", F,
                m -> set(set(m, "Config", 0b101), "S1ContextPtr", 1L << 48), "OAS"),
            illegal("S2S with terminate-only", F, m -> set(m, "S2S", 1), "S2S=1"),
            illegal("S2S=0 with stall forced", forced, m -> m, "S2S=0"),
            illegal("EATS=01 with S2S", stall.toBuilder().ats(true).build(),
                m -> set(set(m, "EATS", 1), "S2S", 1), "EATS=0b01"),
            illegal("EATS=10 without nesting", F, m -> set(set(m, "EATS", 2), "Config", 0b110), "Config=0b111"),
            illegal("EATS=10 with S2S", stall.toBuilder().ats(true).build(),
                m -> set(set(m, "EATS", 2), "S2S", 1), "S2S=1"),
            illegal("EATS=10 with NS1ATS", atsNs1, m -> set(m, "EATS", 2), "NS1ATS"),
            illegal("STRW=01", F, m -> set(set(m, "Config", 0b101), "STRW", 0b01), "STRW"),
            illegal("STRW=11", F, m -> set(set(m, "Config", 0b101), "STRW", 0b11), "STRW"),
            illegal("S2TG reserved", F, m -> set(m, "S2TG", 3), "reserved"),
            illegal("S2TG unsupported", only4k, m -> set(set(set(m, "S2TG", 1), "S2T0SZ", 22), "S2SL0", 1),
                "not supported"),
            illegal("S2AA64=0", F, m -> set(m, "S2AA64", 0), "S2AA64=0"),
            illegal("S2ENDI with LE-only", F, m -> set(m, "S2ENDI", 1), "S2ENDI=1"),
            illegal("S2ENDI=0 with BE-only", be, m -> m, "S2ENDI=0"),
            illegal("S2HA without HTTU", F, m -> set(m, "S2HA", 1), "HTTU=0"),
            illegal("S2HD with AF-only HTTU", httuAf, m -> set(set(m, "S2HA", 1), "S2HD", 1), "S2HD=1"),
            illegal("S2HAFT without S2HA", httuAll, m -> set(m, "S2HAFT", 1), "S2HAFT"),
            illegal("S2T0SZ above 39 without STT", noStt, m -> set(set(m, "S2T0SZ", 40), "S2SL0", 0), "S2T0SZ=40"),
            illegal("S2T0SZ above 48 with STT", F, m -> set(set(m, "S2T0SZ", 49), "S2SL0", 3), "S2T0SZ=49"),
            illegal("S2T0SZ below 64-IAS", oas40, m -> set(set(m, "S2T0SZ", 23), "S2PS", 2), "S2T0SZ=23"),
            illegal("S2T0SZ below 16 for 4K", SmmuFeatures.reference().oas(52).build(),
                m -> set(set(m, "S2T0SZ", 15), "S2SL0", 2), "S2T0SZ=15"),
            illegal("S2T0SZ inconsistent with S2SL0", F, m -> set(m, "S2T0SZ", 34), "inconsistent"),
            illegal("S2SL0=3 with 4K needs STT", noStt, m -> set(set(m, "S2SL0", 3), "S2T0SZ", 39), "S2SL0=3"),
            illegal("S2SL0=3 with 64K reserved", F, m -> set(set(m, "S2SL0", 3), "S2TG", 1), "S2SL0=3"),
            illegal("S2SL0=2 with 4K needs 44-bit PA", oas40,
                m -> set(set(set(m, "S2SL0", 2), "S2PS", 2), "S2T0SZ", 24), "S2SL0=2"),
            illegal("S2TTB beyond effective S2PS", F, m -> set(set(m, "S2PS", 0), "S2TTB", 1L << 32), "S2PS"),
            illegal("S2TTB beyond 48 bits with 4K", SmmuFeatures.reference().oas(52).build(),
                m -> set(set(m, "S2PS", 6), "S2TTB", 1L << 48), "48 bits"),
            illegal("S2VMID needs 16 bits", vmid8, m -> set(m, "S2VMID", 0x100), "VMID16"),
            illegal("S2VMID needs 16 bits for S1-only", vmid8,
                m -> set(set(m, "Config", 0b101), "S2VMID", 0x100), "VMID16"));
    }

    private static Arguments illegal(String name, SmmuFeatures f, UnaryOperator<Map<String, Long>> change,
        String reason) {
        return Arguments.of(name, f, change, reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("illegal")
    void each_legality_rule_raises_c_bad_ste(String name, SmmuFeatures f, UnaryOperator<Map<String, Long>> change,
        String reason) {
        assertThatThrownBy(() -> Ste.decode(with(change), f))
            .isInstanceOfSatisfying(ConfigFault.class, e -> {
                assertThat(e.event()).isEqualTo(ConfigEvent.C_BAD_STE);
                assertThat(e.event().id()).isEqualTo(0x04);
                assertThat(e.reason()).contains(reason);
                assertThat(e.fetchAddress()).isEqualTo(ConfigFault.NO_ADDRESS);
            });
    }

    @Test
    void the_base_case_of_every_feature_set_used_above_is_legal_when_the_rule_is_not_broken() {
        SmmuFeatures stall = SmmuFeatures.reference().stallModel(0).ats(true).build();
        assertThat(Ste.decode(with(m -> set(m, "S1STALLD", 1)), stall).stage1().stallDisabled()).isTrue();
        assertThat(Ste.decode(with(m -> set(m, "S2S", 1)), stall).stage2().stall()).isTrue();
        assertThat(Ste.decode(with(m -> set(set(m, "S1CDMax", 8), "S1Fmt", 1)), F).stage1().s1Fmt()).isEqualTo(1);
        SmmuFeatures httuAll = SmmuFeatures.reference().httu(3).buildForDecoding();
        Ste.Stage2 s2 = Ste.decode(with(m -> set(set(set(m, "S2HA", 1), "S2HD", 1), "S2HAFT", 1)), httuAll).stage2();
        assertThat(s2.ha()).isTrue();
        assertThat(s2.hd()).isTrue();
        SmmuFeatures be = SmmuFeatures.reference().ttendian(SmmuFeatures.TTENDIAN_BE).build();
        assertThat(Ste.decode(with(m -> set(m, "S2ENDI", 1)), be).stage2().bigEndian()).isTrue();
        assertThat(Ste.decode(with(m -> set(m, "S2VMID", 0xFF)), SmmuFeatures.reference().vmid16(false).build())
            .vmid()).isEqualTo(0xFF);
    }

    @Test
    void eats_effective_values() {
        assertThat(Ste.decode(with(m -> set(m, "EATS", 1)), F).eats()).isEqualTo(1);
        assertThat(Ste.decode(with(m -> set(m, "EATS", 2)), F).eats()).as("split-stage without ATSCHK").isZero();
        assertThat(Ste.decode(with(m -> set(m, "EATS", 2)), F, new Ste.Controls(true, false)).eats()).isEqualTo(2);
        assertThat(Ste.decode(with(m -> set(m, "EATS", 3)), F).eats()).as("DPT not implemented").isZero();
        SmmuFeatures noAts = SmmuFeatures.reference().build();
        assertThat(Ste.decode(with(m -> set(set(m, "EATS", 2), "Config", 0b110)), noAts).eats())
            .as("EATS IGNORED without IDR0.ATS").isZero();
        assertThat(Ste.decode(with(m -> set(set(m, "EATS", 2), "Config", 0b100)), F).eats())
            .as("EATS IGNORED for bypass").isZero();
    }

    @Test
    void substream_fields_are_ignored_without_ssidsize_and_reserved_encodings_fold() {
        SmmuFeatures noSsid = SmmuFeatures.reference().ssidSize(0).build();
        Ste.Stage1 s1 = Ste.decode(with(m -> set(set(set(m, "S1CDMax", 25), "S1Fmt", 2), "S1DSS", 2)), noSsid)
            .stage1();
        assertThat(s1.s1CdMax()).isZero();
        assertThat(s1.s1Fmt()).isZero();
        assertThat(s1.s1Dss()).isZero();
        Ste.Stage1 reserved = Ste.decode(with(m -> set(set(set(m, "S1CDMax", 4), "S1Fmt", 3), "S1DSS", 3)), F)
            .stage1();
        assertThat(reserved.s1Fmt()).as("S1Fmt 0b11 behaves as 0b00").isZero();
        assertThat(reserved.s1Dss()).as("S1DSS 0b11 behaves as 0b00").isZero();
    }

    @Test
    void s2ps_is_capped_to_oas_and_reserved_encodings() {
        assertThat(Ste.decode(with(m -> set(m, "S2PS", 7)), F).stage2().psBits()).isEqualTo(48);
        assertThat(Ste.decode(with(m -> set(m, "S2PS", 2)), F).stage2().psBits()).isEqualTo(40);
        SmmuFeatures oas52 = SmmuFeatures.reference().oas(52).build();
        assertThat(Ste.decode(with(m -> set(m, "S2PS", 7)), oas52).stage2().psBits()).as("0b111 behaves as 52")
            .isEqualTo(52);
        SmmuFeatures v30 = SmmuFeatures.reference().oas(52).aidr(0).build();
        assertThat(Ste.decode(with(m -> set(m, "S2PS", 6)), v30).stage2().psBits()).as("v3.0: 0b110 behaves as 48")
            .isEqualTo(48);
    }

    @Test
    void s2ttb_uses_bits_51_to_4_aligned_to_the_concatenated_table() {
        // 2 concatenated 4 KB tables: 8 KB alignment; bits 55:52 are RES0 and ignored.
        long raw = 0x00F0_0000_4000_3ff0L;
        Ste.Stage2 s2 = Ste.decode(with(m -> set(m, "S2TTB", raw)), F).stage2();
        assertThat(s2.ttb()).isEqualTo(0x4000_2000L);
    }

    /** Start level and concatenation for the section 6.2/6.3 examples, with the table size the base aligns to. */
    @ParameterizedTest(name = "TG={0} SL0={1} T0SZ={2} -> L{3} x{4}")
    @CsvSource({
        // 4 KB: start L1, 40..43-bit IPA concatenates 2..16 tables; 39 bits needs none
        "0, 1, 25, 1, 1, 4096",
        "0, 1, 24, 1, 2, 8192",
        "0, 1, 23, 1, 4, 16384",
        "0, 1, 22, 1, 8, 32768",
        "0, 1, 21, 1, 16, 65536",
        "0, 1, 33, 1, 1, 16",
        // 4 KB: start L2, T0SZ 33..30 concatenates 2..16
        "0, 0, 34, 2, 1, 4096",
        "0, 0, 33, 2, 2, 8192",
        "0, 0, 32, 2, 4, 16384",
        "0, 0, 31, 2, 8, 32768",
        "0, 0, 30, 2, 16, 65536",
        "0, 0, 39, 2, 1, 128",
        // 4 KB: start L0 for 40..48 bits, L3 with STT
        "0, 2, 16, 0, 1, 4096",
        "0, 2, 24, 0, 1, 16",
        "0, 3, 39, 3, 16, 65536",
        "0, 3, 43, 3, 1, 4096",
        "0, 3, 48, 3, 1, 128",
        // 16 KB: 48-bit IPA starts at L1 with 2 tables; L2 start; L3 start
        "2, 2, 16, 1, 2, 32768",
        "2, 2, 17, 1, 1, 16384",
        "2, 1, 28, 2, 1, 16384",
        "2, 1, 25, 2, 8, 131072",
        "2, 1, 24, 2, 16, 262144",
        "2, 0, 39, 3, 1, 16384",
        // 64 KB: L1 start for 43..48 bits, L2 start up to 46 bits with 16 tables, L3 start
        "1, 2, 16, 1, 1, 512",
        "1, 2, 21, 1, 1, 16",
        "1, 1, 22, 2, 1, 65536",
        "1, 1, 18, 2, 16, 1048576",
        "1, 0, 35, 3, 1, 65536",
        "1, 0, 39, 3, 1, 4096"})
    void start_level_and_concatenation(int tg, int sl0, int t0sz, int level, int tables, long tableBytes) {
        Ste.Stage2 s2 = Ste.decode(with(m -> set(set(set(set(m, "S2TG", tg), "S2SL0", sl0), "S2T0SZ", t0sz),
            "S2TTB", 0x10_0000_0000L - 16)), F).stage2();
        assertThat(s2.startLevel()).isEqualTo(level);
        assertThat(s2.concatenatedTables()).isEqualTo(tables);
        assertThat(s2.ttb()).as("base aligned down to the initial table size")
            .isEqualTo((0x10_0000_0000L - 16) & -tableBytes);
    }

    @ParameterizedTest(name = "TG={0} SL0={1} T0SZ={2} is inconsistent")
    @CsvSource({
        "0, 1, 20", // 44 bits from L1 would need 32 tables
        "0, 1, 34", // 30 bits do not reach L1
        "0, 0, 29", // 35 bits from L2 would need 32 tables
        "2, 1, 20", // 16 KB: 44 bits from L2 needs 32 tables
        "1, 1, 17", // 64 KB: 47 bits from L2 needs 32 tables
        "1, 2, 22", // 64 KB: 42 bits do not reach L1
        "1, 0, 30"}) // 64 KB: 34 bits from L3 needs 32 tables
    void inconsistent_start_levels_are_illegal(int tg, int sl0, int t0sz) {
        assertThatThrownBy(() -> Ste.decode(with(m -> set(set(set(m, "S2TG", tg), "S2SL0", sl0), "S2T0SZ", t0sz)), F))
            .isInstanceOfSatisfying(ConfigFault.class, e -> assertThat(e.event()).isEqualTo(ConfigEvent.C_BAD_STE));
    }

    /** Every field set alone lands on the exact absolute bit the spec table gives. */
    @ParameterizedTest(name = "{0} at bit {1}")
    @CsvSource({
        "V, 0", "Config, 1", "S1Fmt, 4", "S1CDMax, 59", "S1DSS, 64", "S1CIR, 66", "S1COR, 68", "S1CSH, 70",
        "S2HWU59, 72", "DRE, 76", "CONT, 77", "DCP, 81", "PPAR, 82", "MEV, 83", "S1PIE, 88", "S2FWB, 89",
        "S1MPAM, 90", "S1STALLD, 91", "EATS, 92", "STRW, 94", "MemAttr, 96", "MTCFG, 100", "ALLOCCFG, 101",
        "SHCFG, 108", "NSCFG, 110", "PRIVCFG, 112", "INSTCFG, 114", "S2VMID, 128", "S2T0SZ, 160", "S2SL0, 166",
        "S2IR0, 168", "S2OR0, 170", "S2SH0, 172", "S2TG, 174", "S2PS, 176", "S2AA64, 179", "S2ENDI, 180",
        "S2AFFD, 181", "S2PTW, 182", "S2HD, 183", "S2HA, 184", "S2S, 185", "S2R, 186", "S2HAFT, 187",
        "S2PIE, 188", "S2POE, 189", "DPT_VMATCH, 190", "S2NSW, 192", "S2NSA, 193", "S2SL0_2, 194", "S2DS, 195",
        "S2SKL, 253", "PARTID, 272", "S_S2T0SZ, 288", "S_S2SL0, 294", "S_S2TG, 302", "MECID, 304", "PMG, 320",
        "MPAM_NS, 328", "AssuredOnly, 329", "TL0, 330", "TL1, 331", "S2SW, 384", "S2SA, 385", "S_S2SL0_2, 386",
        "S2POI, 448"})
    void ste_field_positions(String field, int bit) {
        long[] d = SmmuLayouts.STE.encode(Map.of(field, 1L));
        assertThat(d[bit / 64]).as(field).isEqualTo(1L << (bit % 64));
        for (int i = 0; i < 8; i++) {
            if (i != bit / 64) {
                assertThat(d[i]).isZero();
            }
        }
    }

    @Test
    void ste_address_fields_keep_their_bits_in_place() {
        assertThat(SmmuLayouts.STE.encode(Map.of("S1ContextPtr", 0x00FF_FFFF_FFFF_FFC0L))[0])
            .isEqualTo(0x00FF_FFFF_FFFF_FFC0L);
        assertThat(SmmuLayouts.STE.encode(Map.of("S2TTB", 0x00FF_FFFF_FFFF_FFF0L))[3])
            .isEqualTo(0x00FF_FFFF_FFFF_FFF0L);
        assertThat(SmmuLayouts.STE.encode(Map.of("VMSPtr", 0x00FF_FFFF_FFFF_F000L))[5])
            .isEqualTo(0x00FF_FFFF_FFFF_F000L);
        assertThat(SmmuLayouts.STE.encode(Map.of("S_S2TTB", 0x00FF_FFFF_FFFF_FFF0L))[6])
            .isEqualTo(0x00FF_FFFF_FFFF_FFF0L);
    }

    @Test
    void wrong_dword_count_is_an_argument_error() {
        assertThatThrownBy(() -> Ste.decode(new long[4], F)).isInstanceOf(IllegalArgumentException.class);
    }
}
