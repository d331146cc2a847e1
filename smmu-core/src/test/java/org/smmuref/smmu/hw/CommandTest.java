package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.smmuref.smmu.hw.Command.PriResponse;
import org.smmuref.smmu.hw.Command.SyncSignal;
import org.smmuref.smmu.hw.TlbInvalidation.Range;

class CommandTest {
    /** Everything on: every opcode is legal. */
    static final SmmuFeatures ALL = SmmuFeatures.reference().ats(true).pri(true).mpam(true)
        .stallModel(SmmuFeatures.STALL_MODEL_STALL_AND_TERMINATE).build();
    static final CommandDecoder DECODER = new CommandDecoder(ALL);

    static final Range RANGE_4K = new Range(12, 3, 5, 3);

    /** One sample of every command, with distinctive field values. */
    static Stream<Command> samples() {
        return Stream.of(
            new Command.PrefetchConfig(0x1234, true, 0xABCDE),
            new Command.PrefetchAddr(7, false, 0, 0xFFFF_8000_1234_5000L, 9),
            Commands.cfgiSte(0xCAFE_F00D, false),
            Commands.cfgiSteRange(0x100, 7),
            Commands.cfgiAll(),
            Commands.cfgiCd(42, 0x54321, true),
            Commands.cfgiCdAll(43),
            new Command.CfgiVmsPidm(0xBEEF),
            Commands.tlbiNhAll(0x1234),
            Commands.tlbiNhAsid(0x1234, 0xFEDC),
            Commands.tlbiNhVa(0x11, 0x22, 0xFFFF_0000_DEAD_B000L, RANGE_4K, true),
            Commands.tlbiNhVaa(0x11, 0x7000_0000L, new Range(16, 31, 31, 2), false),
            Commands.tlbiEl2All(),
            Commands.tlbiEl2Asid(0x77),
            Commands.tlbiEl2Va(0x78, 0x4000L, new Range(14, 2, 1, 3), true),
            Commands.tlbiEl2Vaa(0x5000L, Range.SINGLE, false),
            Commands.tlbiS12Vmall(0xFFFF),
            Commands.tlbiS2Ipa(0x99, 0x00FF_FFFF_FFFF_F000L, RANGE_4K, true),
            Commands.tlbiNsnhAll(),
            Commands.atcInv(5, true, 0x3, true, 0x1_0000_0000L, 52),
            Commands.priResp(6, true, 0xF, 0x1FF, PriResponse.SUCCESS),
            Commands.resume(8, 0xFFFF, true, true),
            Commands.stallTerm(9),
            new Command.Sync(SyncSignal.IRQ, 0x00FF_FFFF_FFFF_FFFCL, 0xDEAD_BEEF, 3, 0xF),
            Commands.syncSev());
    }

    @ParameterizedTest
    @MethodSource("samples")
    void every_command_round_trips_through_encode_and_decode(Command command) throws Exception {
        long[] dwords = command.encode();
        assertThat(dwords[0] & 0xFF).isEqualTo(command.opcode().code());
        assertThat(DECODER.decode(dwords)).isEqualTo(command);
        assertThat(new CommandDecoder(ALL, true).decode(dwords)).isEqualTo(command);
    }

    @Test
    void every_listed_opcode_has_a_sample() {
        assertThat(samples().map(Command::opcode).distinct()).containsExactlyInAnyOrder(CommandOpcode.values());
    }

    static Stream<Arguments> fieldPositions() {
        // opcode, field, msb, lsb: smmuv3.md section 4 (dword1 bit n is absolute bit 64 + n).
        return Stream.of(
            Arguments.of(CommandOpcode.CFGI_STE, "SSec", 10, 10),
            Arguments.of(CommandOpcode.CFGI_STE, "StreamID", 63, 32),
            Arguments.of(CommandOpcode.CFGI_STE, "Leaf", 64, 64),
            Arguments.of(CommandOpcode.CFGI_STE_RANGE, "Range", 68, 64),
            Arguments.of(CommandOpcode.CFGI_CD, "SubstreamID", 31, 12),
            Arguments.of(CommandOpcode.PREFETCH_CONFIG, "SSV", 11, 11),
            Arguments.of(CommandOpcode.PREFETCH_ADDR, "Size", 68, 64),
            Arguments.of(CommandOpcode.PREFETCH_ADDR, "Address", 127, 76),
            Arguments.of(CommandOpcode.CFGI_VMS_PIDM, "VMID", 47, 32),
            Arguments.of(CommandOpcode.TLBI_NH_ASID, "VMID", 47, 32),
            Arguments.of(CommandOpcode.TLBI_NH_ASID, "ASID", 63, 48),
            Arguments.of(CommandOpcode.TLBI_NH_VA, "NUM", 16, 12),
            // SCALE is [24:20]; bit 25 joins it only with IDR5.DS.
            Arguments.of(CommandOpcode.TLBI_NH_VA, "SCALE", 25, 20),
            Arguments.of(CommandOpcode.TLBI_NH_VA, "Leaf", 64, 64),
            Arguments.of(CommandOpcode.TLBI_NH_VA, "TTL128", 71, 71),
            Arguments.of(CommandOpcode.TLBI_NH_VA, "TTL", 73, 72),
            Arguments.of(CommandOpcode.TLBI_NH_VA, "TG", 75, 74),
            Arguments.of(CommandOpcode.TLBI_NH_VA, "Address", 127, 76),
            Arguments.of(CommandOpcode.TLBI_S2_IPA, "Address", 119, 76),
            Arguments.of(CommandOpcode.TLBI_EL2_VA, "ASID", 63, 48),
            Arguments.of(CommandOpcode.ATC_INV, "Global", 9, 9),
            Arguments.of(CommandOpcode.ATC_INV, "Size", 69, 64),
            Arguments.of(CommandOpcode.ATC_INV, "Address", 127, 76),
            Arguments.of(CommandOpcode.PRI_RESP, "PRGIndex", 72, 64),
            Arguments.of(CommandOpcode.PRI_RESP, "Resp", 77, 76),
            Arguments.of(CommandOpcode.RESUME, "Ac", 12, 12),
            Arguments.of(CommandOpcode.RESUME, "Ab", 13, 13),
            Arguments.of(CommandOpcode.RESUME, "STAG", 79, 64),
            Arguments.of(CommandOpcode.SYNC, "CS", 13, 12),
            Arguments.of(CommandOpcode.SYNC, "MSH", 23, 22),
            Arguments.of(CommandOpcode.SYNC, "MSIAttr", 27, 24),
            Arguments.of(CommandOpcode.SYNC, "MSIData", 63, 32),
            Arguments.of(CommandOpcode.SYNC, "MSIAddress", 119, 66));
    }

    @ParameterizedTest
    @MethodSource("fieldPositions")
    void layouts_place_fields_as_the_spec_table(CommandOpcode op, String field, int msb, int lsb) {
        Field f = op.layout().field(field);
        assertThat(f.msb()).isEqualTo(msb);
        assertThat(f.lsb()).isEqualTo(lsb);
        assertThat(op.layout().field("Opcode").lsb()).isZero();
    }

    @Test
    void opcodes_match_the_spec_table() {
        assertThat(Map.ofEntries(
            Map.entry(CommandOpcode.PREFETCH_CONFIG, 0x01), Map.entry(CommandOpcode.PREFETCH_ADDR, 0x02),
            Map.entry(CommandOpcode.CFGI_STE, 0x03), Map.entry(CommandOpcode.CFGI_STE_RANGE, 0x04),
            Map.entry(CommandOpcode.CFGI_CD, 0x05), Map.entry(CommandOpcode.CFGI_CD_ALL, 0x06),
            Map.entry(CommandOpcode.CFGI_VMS_PIDM, 0x07), Map.entry(CommandOpcode.TLBI_NH_ALL, 0x10),
            Map.entry(CommandOpcode.TLBI_NH_ASID, 0x11), Map.entry(CommandOpcode.TLBI_NH_VA, 0x12),
            Map.entry(CommandOpcode.TLBI_NH_VAA, 0x13), Map.entry(CommandOpcode.TLBI_EL2_ALL, 0x20),
            Map.entry(CommandOpcode.TLBI_EL2_ASID, 0x21), Map.entry(CommandOpcode.TLBI_EL2_VA, 0x22),
            Map.entry(CommandOpcode.TLBI_EL2_VAA, 0x23), Map.entry(CommandOpcode.TLBI_S12_VMALL, 0x28),
            Map.entry(CommandOpcode.TLBI_S2_IPA, 0x2A), Map.entry(CommandOpcode.TLBI_NSNH_ALL, 0x30),
            Map.entry(CommandOpcode.ATC_INV, 0x40), Map.entry(CommandOpcode.PRI_RESP, 0x41),
            Map.entry(CommandOpcode.RESUME, 0x44), Map.entry(CommandOpcode.STALL_TERM, 0x45),
            Map.entry(CommandOpcode.SYNC, 0x46)))
            .allSatisfy((op, code) -> assertThat(op.code()).isEqualTo(code));
    }

    @Test
    void known_bit_patterns_decode_as_linux_would_build_them() throws Exception {
        // CFGI_STE SID 0x42 leaf: dword0 = 0x42 << 32 | 0x03, dword1 = 1.
        assertThat(DECODER.decode(0x0000_0042_0000_0003L, 1)).isEqualTo(Commands.cfgiSte(0x42, true));
        // TLBI_NH_VA VMID 5, ASID 6, VA 0x1000, leaf, TG=4K NUM=1 SCALE=0 TTL=3.
        long d0 = 0x12L | (1L << 12) | (5L << 32) | (6L << 48);
        long d1 = 0x1000L | 1 | (3L << 8) | (1L << 10);
        assertThat(DECODER.decode(d0, d1)).isEqualTo(new Command.TlbiNhVa(5, 6, 0x1000, new Range(12, 0, 1, 3), true));
        // CMD_SYNC CS=IRQ, MSIData 0x55, MSIAddress 0x8000_0040.
        assertThat(DECODER.decode(0x46L | (1L << 12) | (0x55L << 32), 0x8000_0040L))
            .isEqualTo(Commands.syncMsi(0x8000_0040L, 0x55));
        // CFGI_STE_RANGE with Range = 31 is CFGI_ALL.
        assertThat(DECODER.decode(0x04L, 31)).isEqualTo(new Command.CfgiAll());
    }

    // ---- CERROR_ILL ----------------------------------------------------------------------------------------

    static Stream<Arguments> illegal() {
        SmmuFeatures s2only = SmmuFeatures.builder().s1p(false).s2p(true).build();
        SmmuFeatures s1only = SmmuFeatures.builder().s1p(true).build();
        SmmuFeatures termOnly = ALL.toBuilder().stallModel(SmmuFeatures.STALL_MODEL_TERMINATE_ONLY).build();
        SmmuFeatures noHyp = ALL.toBuilder().hyp(false).build();
        SmmuFeatures noAts = ALL.toBuilder().ats(false).pri(false).build();
        SmmuFeatures noPri = ALL.toBuilder().pri(false).build();
        SmmuFeatures noMpam = ALL.toBuilder().mpam(false).build();
        long rangeVa = 0x1000L | (1L << 10); // TG = 4K
        return Stream.of(
            Arguments.of("reserved opcode", ALL, 0x00L, 0L, "reserved opcode"),
            Arguments.of("reserved opcode 0x47", ALL, 0x47L, 0L, "reserved opcode"),
            Arguments.of("CFGI_VMS_PIDM without MPAM", noMpam, 0x07L, 0L, "MPAM"),
            Arguments.of("TLBI_EL3_ALL on the NS queue", ALL, 0x18L, 0L, "secure-only"),
            Arguments.of("TLBI_EL3_VA on the NS queue", ALL, 0x1AL, 0L, "secure-only"),
            Arguments.of("secure EL2 TLBI on the NS queue", ALL, 0x50L, 0L, "secure-only"),
            Arguments.of("TLBI_SNH_ALL on the NS queue", ALL, 0x60L, 0L, "secure-only"),
            Arguments.of("DPTI without DPT", ALL, 0x70L, 0L, "DPT"),
            Arguments.of("IMPDEF 0x80", ALL, 0x80L, 0L, "IMPLEMENTATION DEFINED"),
            Arguments.of("IMPDEF 0x8F", ALL, 0x8FL, 0L, "IMPLEMENTATION DEFINED"),
            Arguments.of("SSec = 1 on CFGI_STE", ALL, 0x03L | 1L << 10, 0L, "SSec"),
            Arguments.of("SSec = 1 on RESUME", ALL, 0x44L | 1L << 10, 0L, "SSec"),
            Arguments.of("TLBI_NH_ALL without S1", s2only, 0x10L, 0L, "stage 1"),
            Arguments.of("TLBI_NH_ASID without S1", s2only, 0x11L, 0L, "stage 1"),
            Arguments.of("TLBI_NH_VA without S1", s2only, 0x12L, 0x1000L, "stage 1"),
            Arguments.of("TLBI_NH_VAA without S1", s2only, 0x13L, 0x1000L, "stage 1"),
            Arguments.of("CFGI_CD without S1", s2only, 0x05L, 0L, "stage 1"),
            Arguments.of("CFGI_CD_ALL without S1", s2only, 0x06L, 0L, "stage 1"),
            Arguments.of("TLBI_S2_IPA without S2", s1only, 0x2AL, 0L, "stage 2"),
            Arguments.of("TLBI_S12_VMALL without S2", s1only, 0x28L, 0L, "stage 2"),
            Arguments.of("TLBI_EL2_ALL without HYP", noHyp, 0x20L, 0L, "HYP"),
            Arguments.of("TLBI_EL2_ASID without HYP", noHyp, 0x21L, 0L, "HYP"),
            Arguments.of("TLBI_EL2_VA without HYP", noHyp, 0x22L, 0L, "HYP"),
            Arguments.of("TLBI_EL2_VAA without HYP", noHyp, 0x23L, 0L, "HYP"),
            Arguments.of("ATC_INV without ATS", noAts, 0x40L, 0L, "ATS"),
            Arguments.of("PRI_RESP without PRI", noPri, 0x41L, 0L, "PRI"),
            Arguments.of("RESUME with STALL_MODEL 01", termOnly, 0x44L, 0L, "STALL_MODEL"),
            Arguments.of("STALL_TERM with STALL_MODEL 01", termOnly, 0x45L, 0L, "STALL_MODEL"),
            Arguments.of("CMD_SYNC CS = 11", ALL, 0x46L | 3L << 12, 0L, "CS = 11"),
            Arguments.of("PRI_RESP Resp = 11", ALL, 0x41L, 3L << 12, "Resp = 11"),
            Arguments.of("TG != 0 with NUM = SCALE = TTL = 0", ALL, 0x12L, rangeVa, "NUM = SCALE = TTL = 0"),
            Arguments.of("S2_IPA TG != 0 with NUM = SCALE = TTL = 0", ALL, 0x2AL, rangeVa, "NUM = SCALE = TTL"),
            Arguments.of("16K TTL = 01 without DS", ALL, 0x12L | 1L << 12, 0x1000L | 2L << 10 | 1L << 8, "DS"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("illegal")
    void illegal_commands_are_cerror_ill_with_a_reason(String what, SmmuFeatures features, long dword0, long dword1,
                                                       String reason) {
        assertThatThrownBy(() -> new CommandDecoder(features).decode(dword0, dword1))
            .isInstanceOfSatisfying(IllegalCommandException.class, e -> {
                assertThat(e.error()).isEqualTo(CommandError.CERROR_ILL);
                assertThat(e.opcode()).isEqualTo((int) (dword0 & 0xFF));
                assertThat(e.reason()).contains(reason);
            });
    }

    @Test
    void every_unlisted_opcode_is_illegal_and_every_listed_one_decodes_somewhere() {
        for (int code = 0; code < 256; code++) {
            int c = code;
            if (CommandOpcode.of(code).isEmpty()) {
                assertThatThrownBy(() -> DECODER.decode(c, 0)).isInstanceOf(IllegalCommandException.class);
            }
        }
        assertThat(CommandOpcode.values()).allSatisfy(op -> assertThat(CommandOpcode.of(op.code())).contains(op));
    }

    @Test
    void res0_bits_are_refused_only_by_a_strict_decoder() throws Exception {
        long d0 = 0x03L | 1L << 20; // CFGI_STE with a stray bit in dword0 [31:12]
        assertThat(DECODER.decode(d0, 0)).isEqualTo(Commands.cfgiSte(0, false));
        assertThatThrownBy(() -> new CommandDecoder(ALL, true).decode(d0, 0))
            .isInstanceOf(IllegalCommandException.class).hasMessageContaining("RES0");
        long tg0WithNum = 0x12L | 3L << 12; // NUM with TG = 0
        assertThat(DECODER.decode(tg0WithNum, 0x1000)).isEqualTo(Commands.tlbiNhVa(0, 0, 0x1000, false));
        assertThatThrownBy(() -> new CommandDecoder(ALL, true).decode(tg0WithNum, 0x1000))
            .isInstanceOf(IllegalCommandException.class).hasMessageContaining("TG = 00");
    }

    /**
     * Without IDR3.RIL, TG / NUM / SCALE / TTL are RES0 (SMMU section 4.4.1.1): the default decoder ignores them like
     * every other RES0 bit (one address is invalidated), a strict decoder refuses them.
     */
    @Test
    void range_fields_without_ril_follow_the_res0_policy() throws Exception {
        SmmuFeatures noRil = ALL.toBuilder().ril(false).build();
        long rangeVa = 0x1000L | (1L << 10); // TG = 4K
        long[][] cases = {
            {0x12L, rangeVa | 1L << 8},          // TLBI_NH_VA with TG and TTL
            {0x13L | 1L << 12, 0x1000L},         // TLBI_NH_VAA with NUM
            {0x22L | 1L << 20, 0x1000L},         // TLBI_EL2_VA with SCALE
            {0x2AL, 0x1000L | 1L << 8},          // TLBI_S2_IPA with TTL
        };
        for (long[] c : cases) {
            Command lenient = new CommandDecoder(noRil).decode(c[0], c[1]);
            TlbInvalidation inv = ((Command.Tlbi) lenient).invalidation();
            TlbInvalidation.Range r = inv instanceof TlbInvalidation.NhVa v ? v.range()
                : inv instanceof TlbInvalidation.NhVaa a ? a.range()
                : inv instanceof TlbInvalidation.El2Va e ? e.range() : ((TlbInvalidation.S2Ipa) inv).range();
            assertThat(r).isEqualTo(TlbInvalidation.Range.SINGLE);
            assertThatThrownBy(() -> new CommandDecoder(noRil, true).decode(c[0], c[1]))
                .isInstanceOfSatisfying(IllegalCommandException.class,
                    e -> assertThat(e.reason()).contains("RES0 without IDR3.RIL"));
        }
    }

    @Test
    void vmid_and_asid_are_effective_values() throws Exception {
        SmmuFeatures narrow = ALL.toBuilder().vmid16(false).asid16(false).build();
        long[] d = Commands.tlbiNhAsid(0x1234, 0x5678).encode();
        assertThat(new CommandDecoder(narrow).decode(d)).isEqualTo(Commands.tlbiNhAsid(0x34, 0x78));
        SmmuFeatures s1only = SmmuFeatures.builder().s1p(true).build();
        assertThat(new CommandDecoder(s1only).decode(Commands.tlbiNhAll(9).encode()))
            .isEqualTo(Commands.tlbiNhAll(0));
    }

    @Test
    void ssv_zero_ignores_the_substream_id() throws Exception {
        long d0 = 0x01L | 0x123L << 12;
        assertThat(DECODER.decode(d0, 0)).isEqualTo(new Command.PrefetchConfig(0, false, 0));
    }

    @Test
    void constructors_refuse_values_that_do_not_fit() {
        assertThatThrownBy(() -> Commands.tlbiNhAll(0x1_0000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Commands.tlbiNhVa(1, 1, 0x1001, true)).hasMessageContaining("4 KiB aligned");
        assertThatThrownBy(() -> Commands.tlbiS2Ipa(1, 1L << 56, true)).hasMessageContaining("2^56");
        assertThatThrownBy(() -> Commands.cfgiSteRange(0, 31)).hasMessageContaining("CFGI_ALL");
        assertThatThrownBy(() -> Commands.syncMsi(0x1002, 0)).hasMessageContaining("aligned");
        assertThatThrownBy(() -> new Command.PrefetchConfig(0, false, 5)).hasMessageContaining("SSV");
    }

    // ---- TLBI -> TlbInvalidation (smmuv3.md section 7.2) ----------------------------------------------------

    static Stream<Arguments> tlbiScopes() {
        return Stream.of(
            Arguments.of(Commands.tlbiNhAll(3), new TlbInvalidation.NhAll(3)),
            Arguments.of(Commands.tlbiNhAsid(3, 4), new TlbInvalidation.NhAsid(3, 4, false)),
            Arguments.of(Commands.tlbiNhVa(3, 4, 0x5000, true),
                new TlbInvalidation.NhVa(3, 4, 0x5000, Range.SINGLE, true, false)),
            Arguments.of(Commands.tlbiNhVa(3, 4, 0x5000, RANGE_4K, false),
                new TlbInvalidation.NhVa(3, 4, 0x5000, RANGE_4K, false, false)),
            Arguments.of(Commands.tlbiNhVaa(3, 0x6000, true),
                new TlbInvalidation.NhVaa(3, 0x6000, Range.SINGLE, true)),
            Arguments.of(Commands.tlbiNhVaa(3, 0x6000, new Range(16, 1, 2, 0), false),
                new TlbInvalidation.NhVaa(3, 0x6000, new Range(16, 1, 2, 0), false)),
            Arguments.of(Commands.tlbiS2Ipa(7, 0x8000, true),
                new TlbInvalidation.S2Ipa(7, 0x8000, Range.SINGLE, true)),
            Arguments.of(Commands.tlbiS2Ipa(7, 0x8000, new Range(14, 0, 3, 2), false),
                new TlbInvalidation.S2Ipa(7, 0x8000, new Range(14, 0, 3, 2), false)),
            Arguments.of(Commands.tlbiS12Vmall(7), new TlbInvalidation.S12Vmall(7)),
            Arguments.of(Commands.tlbiNsnhAll(), new TlbInvalidation.NsnhAll()),
            Arguments.of(Commands.tlbiEl2All(), new TlbInvalidation.El2All()),
            Arguments.of(Commands.tlbiEl2Asid(9), new TlbInvalidation.El2Asid(9)),
            Arguments.of(Commands.tlbiEl2Va(9, 0xA000, RANGE_4K, true),
                new TlbInvalidation.El2Va(9, 0xA000, RANGE_4K, true)),
            Arguments.of(Commands.tlbiEl2Vaa(0xB000, Range.SINGLE, false),
                new TlbInvalidation.El2Vaa(0xB000, Range.SINGLE, false)));
    }

    @ParameterizedTest
    @MethodSource("tlbiScopes")
    void every_tlbi_maps_to_its_scope_after_decoding(Command.Tlbi command, TlbInvalidation expected)
        throws Exception {
        Command decoded = DECODER.decode(command.encode());
        assertThat(decoded).isInstanceOf(Command.Tlbi.class);
        assertThat(((Command.Tlbi) decoded).invalidation()).isEqualTo(expected);
    }

    @Test
    void every_tlbi_opcode_has_a_scope_test() {
        List<CommandOpcode> tested = tlbiScopes().map(a -> ((Command) a.get()[0]).opcode()).distinct().toList();
        assertThat(tested).containsExactlyInAnyOrder(Stream.of(CommandOpcode.values())
            .filter(op -> op.name().startsWith("TLBI_")).toArray(CommandOpcode[]::new));
    }

    @Test
    void range_bytes_follow_num_scale_and_granule() throws Exception {
        long d0 = 0x12L | 4L << 12 | 2L << 20; // NUM = 4, SCALE = 2
        long d1 = 0x10_0000L | 3L << 10 | 2L << 8; // 64K, TTL = 2
        Command.TlbiNhVa c = (Command.TlbiNhVa) DECODER.decode(d0, d1);
        assertThat(c.range().bytes()).isEqualTo(5L * 4 * 65536);
        assertThat(c.address()).isEqualTo(0x10_0000L);
    }
}
