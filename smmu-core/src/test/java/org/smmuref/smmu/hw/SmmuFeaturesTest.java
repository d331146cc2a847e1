package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SmmuFeaturesTest {

    /** The minimal builder: stage 2 added so that S1P can be switched off and tested alone. */
    private static SmmuFeatures.Builder base() {
        return SmmuFeatures.builder().s2p(true);
    }

    /** One feature set alone on top of {@link #base()}, and the exact IDR bits the spec table gives it. */
    static Stream<Arguments> singleFeatures() {
        return Stream.of(
            feature("S1P off", b -> b.s1p(false), 0, -(1 << 1)),
            feature("COHACC", b -> b.cohacc(true), 0, 1 << 4),
            feature("BTM", b -> b.btm(true), 0, 1 << 5),
            feature("HYP", b -> b.hyp(true), 0, 1 << 9),
            feature("ATTR_PERMS_OVR", b -> b.attrPermsOvr(true), 1, 1 << 26),
            feature("ATS", b -> b.ats(true), 0, 1 << 10),
            feature("ASID16", b -> b.asid16(true), 0, 1 << 12),
            feature("MSI", b -> b.msi(true), 0, 1 << 13),
            feature("SEV", b -> b.sev(true), 0, 1 << 14),
            feature("VMW", b -> b.vmw(true), 0, 1 << 17),
            feature("VMID16", b -> b.vmid16(true), 0, 1 << 18),
            feature("CD2L", b -> b.cd2l(true), 0, 1 << 19),
            feature("TTENDIAN=LE", b -> b.ttendian(SmmuFeatures.TTENDIAN_LE), 0, 0b10 << 21),
            feature("TTENDIAN=BE", b -> b.ttendian(SmmuFeatures.TTENDIAN_BE), 0, 0b11 << 21),
            feature("STALL_MODEL=01", b -> b.stallModel(1), 0, 1 << 24),
            feature("STALL_MODEL=10", b -> b.stallModel(2), 0, 1 << 25),
            feature("TERM_MODEL", b -> b.termModel(true), 0, 1 << 26),
            feature("ST_LEVEL=01", b -> b.stLevel(1), 0, 1 << 27),
            feature("SIDSIZE=6", b -> b.sidSize(6), 1, 6),
            feature("SSIDSIZE=20", b -> b.ssidSize(20), 1, 20 << 6),
            feature("PRIQS=19", b -> b.priqs(19), 1, 19 << 11),
            feature("EVENTQS=19", b -> b.eventqs(19), 1, 19 << 16),
            feature("CMDQS=19", b -> b.cmdqs(19), 1, 19 << 21),
            feature("HAD", b -> b.had(true), 3, 1 << 2),
            feature("XNX", b -> b.xnx(true), 3, 1 << 4),
            feature("MPAM", b -> b.mpam(true), 3, 1 << 7),
            feature("FWB", b -> b.fwb(true), 3, 1 << 8),
            feature("STT", b -> b.stt(true), 3, 1 << 9),
            feature("RIL", b -> b.ril(true), 3, 1 << 10),
            feature("BBML=1", b -> b.bbml(1), 3, 1 << 11),
            feature("BBML=2", b -> b.bbml(2), 3, 1 << 12),
            feature("OAS=36", b -> b.oas(36), 5, 0b001),
            feature("OAS=40", b -> b.oas(40), 5, 0b010),
            feature("OAS=42", b -> b.oas(42), 5, 0b011),
            feature("OAS=44", b -> b.oas(44), 5, 0b100),
            feature("OAS=48", b -> b.oas(48), 5, 0b101),
            feature("OAS=52", b -> b.oas(52), 5, 0b110),
            feature("GRAN16K", b -> b.gran16k(true), 5, 1 << 5),
            feature("GRAN64K", b -> b.gran64k(true), 5, 1 << 6),
            feature("VAX=1", b -> b.vax(1), 5, 1 << 10));
    }

    private static Arguments feature(String name, UnaryOperator<SmmuFeatures.Builder> f, int idr, int delta) {
        return Arguments.of(name, f, idr, delta);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleFeatures")
    void each_feature_sets_exactly_its_spec_bits(String name, UnaryOperator<SmmuFeatures.Builder> f, int idr,
        int delta) {
        SmmuFeatures before = base().build();
        SmmuFeatures after = f.apply(base()).build();
        for (int n = 0; n < 6; n++) {
            int expected = n == idr ? (delta < 0 ? before.idr(n) & ~-delta : before.idr(n) | delta) : before.idr(n);
            assertThat(after.idr(n)).as("IDR%d for %s", n, name).isEqualTo(expected);
        }
        assertThat(SmmuFeatures.fromIdrs(after.idrs(), 0, 0)).isEqualTo(after);
    }

    @Test
    void base_has_stage_bits_ttf_and_gran4k_only() {
        SmmuFeatures f = base().build();
        assertThat(f.idr(0)).isEqualTo(0b1 | 0b10 | 0b10 << 2);
        assertThat(f.idr(1)).isZero();
        assertThat(f.idr(2)).isZero();
        assertThat(f.idr(3)).isZero();
        assertThat(f.idr(4)).isZero();
        assertThat(f.idr(5)).isEqualTo(1 << 4);
        assertThat(SmmuFeatures.builder().build().idr(0)).as("S2P is bit 0").isEqualTo(0b10 | 0b10 << 2);
    }

    @Test
    void pri_and_ns1ats_sit_at_bits_16_and_11() {
        SmmuFeatures ats = base().ats(true).build();
        assertThat(base().ats(true).pri(true).build().idr(0) ^ ats.idr(0)).isEqualTo(1 << 16);
        assertThat(base().ats(true).ns1ats(true).build().idr(0) ^ ats.idr(0)).isEqualTo(1 << 11);
    }

    @Test
    void gran4k_is_idr5_bit_4() {
        SmmuFeatures with64k = base().gran64k(true).build();
        assertThat(with64k.idr(5) ^ base().gran64k(true).gran4k(false).build().idr(5)).isEqualTo(1 << 4);
    }

    @Test
    void iidr_and_aidr_read_back() {
        SmmuFeatures f = base().iidr(0x1234_043b).aidr(0x02).bbml(1).build();
        assertThat(f.iidr()).isEqualTo(0x1234_043b);
        assertThat(f.aidr()).isEqualTo(2);
        assertThat(f.archMinorRevision()).isEqualTo(2);
        assertThat(SmmuFeatures.fromIdrs(f.idrs(), f.iidr(), f.aidr())).isEqualTo(f);
    }

    @Test
    void reference_round_trips_and_derives_sizes() {
        SmmuFeatures f = SmmuFeatures.reference().build();
        assertThat(SmmuFeatures.fromIdrs(f.idrs(), f.iidr(), f.aidr())).isEqualTo(f);
        assertThat(f.toBuilder().build()).isEqualTo(f);
        assertThat(f.iasBits()).isEqualTo(48);
        assertThat(f.oasBits()).isEqualTo(48);
        assertThat(f.vmidBits()).isEqualTo(16);
        assertThat(f.asidBits()).isEqualTo(16);
        SmmuFeatures small = base().build();
        assertThat(small.vmidBits()).isEqualTo(8);
        assertThat(small.asidBits()).isEqualTo(8);
        assertThat(small.iasBits()).isEqualTo(32);
    }

    @Test
    void any_accepted_register_set_round_trips_exactly() {
        // Only bits of fields the model describes; everything else must read back as zero and is masked out here.
        int mask0 = 0xFF | 0b111111 << 9 | 0b1111 << 16 | 0b11 << 21 | 0b11111 << 24;
        int mask1 = (1 << 26) - 1;
        int mask3 = 1 << 2 | 1 << 4 | 1 << 7 | 1 << 8 | 1 << 9 | 1 << 10 | 0b11 << 11;
        int mask5 = 0b111 | 0b111 << 4 | 0b11 << 10;
        int[] accepted = {0};
        qt().withExamples(3000).withFixedSeed(42)
            .forAll(integers().all(), integers().all(), integers().all(), integers().all())
            .checkAssert((a, b, c, d) -> {
                // Steer the random words towards valid encodings so most examples are accepted.
                int i0 = (a & mask0 & ~(0b11 << 2) & ~(0b11 << 6) & ~(1 << 28)) | SmmuFeatures.TTF_AARCH64 << 2;
                i0 = ((i0 >>> 21) & 0b11) == 0b01 ? i0 & ~(1 << 21) : i0;
                i0 = ((i0 >>> 24) & 0b11) == 0b11 ? i0 & ~(1 << 25) : i0;
                int i1 = (b & mask1 & ~0x7FF) | Integer.remainderUnsigned(a, 33) | Integer.remainderUnsigned(c, 21) << 6;
                for (int lsb = 11; lsb <= 21; lsb += 5) {
                    int q = (i1 >>> lsb) & 31;
                    i1 = (i1 & ~(31 << lsb)) | (q % 20) << lsb;
                }
                int i5 = (d & mask5 & ~0b111) | Integer.remainderUnsigned(d, 7) | 1 << 4;
                int i3 = c & mask3;
                i3 = ((i3 >>> 11) & 0b11) == 0b11 ? i3 & ~(1 << 12) : i3;
                int[] idrs = {i0, i1, 0, i3, 0, i5 & ~(1 << 11)};
                SmmuFeatures parsed;
                try {
                    parsed = SmmuFeatures.fromIdrs(idrs, 7, 1);
                } catch (IllegalArgumentException rejected) {
                    return;
                }
                accepted[0]++;
                assertThat(parsed.idrs()).containsExactly(idrs);
            });
        assertThat(accepted[0]).as("accepted examples").isGreaterThan(100);
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.s1p(false).s2p(false), "S1P and S2P"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.s2p(false).hyp(true), "HYP"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.s1p(false).hyp(true), "HYP"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.pri(true), "PRI requires ATS"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.sidSize(7), "SIDSIZE < 7"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.stLevel(1).sidSize(33), "SIDSIZE"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.stLevel(2), "ST_LEVEL"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.ssidSize(21), "SSIDSIZE"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.cmdqs(20), "CMDQS"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.eventqs(20), "EVENTQS"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.priqs(20), "PRIQS"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.ttf(0), "TTF"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.ttf(1), "TTF"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.ttendian(1), "TTENDIAN"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.stallModel(3), "STALL_MODEL"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.bbml(3), "BBML"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.oas(47), "OAS"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.gran4k(false), "granule"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.vax(2), "VAX"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.httu(4), "HTTU"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.httu(3), "not modelled"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.aidr(0x02), "BBML=0"),
            Arguments.of((UnaryOperator<SmmuFeatures.Builder>) b -> b.aidr(0x03).bbml(0), "BBML=0"));
    }

    @ParameterizedTest
    @MethodSource("rejected")
    void impossible_combinations_are_rejected(UnaryOperator<SmmuFeatures.Builder> f, String reason) {
        assertThatThrownBy(() -> f.apply(base()).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(reason);
    }

    /**
     * HTTU sits in IDR0[7:6] (SMMU 6.3.1). The walker performs leaf AF and dirty-state updates (SMMU 3.13), so 0b01
     * and 0b10 build and run; 0b11 adds AF updates of table descriptors (HAFT), which it does not perform: {@code
     * build()} (and so {@code fromIdrs}, the driver's probe) refuses it with the reason, and an {@link Smmu} refuses
     * features that carry it; the decoders can still be checked against it through {@code buildForDecoding()}.
     */
    @Test
    void httu_af_and_dirty_are_accepted_and_table_af_is_refused_smmu_6_3_1() {
        for (int httu = 1; httu <= 2; httu++) {
            SmmuFeatures f = base().httu(httu).build();
            assertThat(f.httu()).isEqualTo(httu);
            assertThat(SmmuFeatures.fromIdrs(f.idrs(), 0, 0).httu()).isEqualTo(httu);
            new Smmu(f, new PhysicalMemory(), new QueueFixtures.RecordingSink());
        }
        SmmuFeatures described = base().httu(3).buildForDecoding();
        assertThat(described.idr(0) ^ base().build().idr(0)).isEqualTo(3 << 6);
        assertThatThrownBy(() -> base().httu(3).build()).hasMessageContaining("IDR0.HTTU=3")
            .hasMessageContaining("not modelled");
        assertThatThrownBy(() -> SmmuFeatures.fromIdrs(described.idrs(), 0, 0))
            .hasMessageContaining("not modelled");
        assertThatThrownBy(() -> new Smmu(described, new PhysicalMemory(), new QueueFixtures.RecordingSink()))
            .hasMessageContaining("HTTU");
    }

    /**
     * IDR3.BBML is 1 or 2 from SMMUv3.2 on (SMMU 6.3.4, 3.21.1); the reference SMMU reports v3.2 with BBML = 2, the level the model behaves
     * as: a block-size change without break-before-make gives no TLB conflict, only the old or the new translation.
     */
    @Test
    void the_reference_reports_a_bbml_level_its_version_allows_and_the_model_keeps_it() {
        SmmuFeatures ref = SmmuFeatures.reference().build();
        assertThat(ref.archMinorRevision()).isEqualTo(2);
        assertThat(ref.bbml()).isEqualTo(2);
        assertThat(ref.idr(3) >>> 11 & 3).isEqualTo(2);
        assertThat(base().aidr(0x01).build().bbml()).as("v3.1 may report level 0").isZero();
        // Level 2 behaviour: a 2 MiB block replaced by 4K pages without break-before-make.
        Tlb tlb = new Tlb(16);
        Stage1Context c = TlbTest.s1(StreamWorld.NS_EL1, 1, false, 1);
        tlb.insertStage1(c, 1, null, TlbTest.entry(0x20_0000, 21, false), tlb.generation());
        Translation page = new Translation(0x20_1000, 12, 0x7000_0000L, 0x7000_0000L, Permissions.ALL,
            Permissions.ALL, MemoryAttributes.NONE, false, 3, Granule.G4K);
        tlb.insertStage1(c, 1, null, page, tlb.generation());
        Translation seen = tlb.lookupStage1(c, 1, null, 0x20_1008);
        assertThat(seen.sizeShift()).as("old block or new page, never a conflict").isIn(12, 21);
        tlb.invalidate(new TlbInvalidation.NhVa(1, 1, 0x20_1000, TlbInvalidation.Range.SINGLE, false, false));
        assertThat(tlb.lookupStage1(c, 1, null, 0x20_1008)).as("one TLBI at the page removes both").isNull();
    }

    @Test
    void two_level_stream_table_allows_large_sidsize() {
        assertThat(base().stLevel(1).sidSize(32).build().sidSize()).isEqualTo(32);
    }

    @Test
    void fifty_six_bit_oas_is_refused_when_parsing() {
        int[] idrs = base().build().idrs();
        idrs[5] |= 0b111;
        assertThatThrownBy(() -> SmmuFeatures.fromIdrs(idrs, 0, 0)).hasMessageContaining("56");
    }

    @Test
    void address_size_encodings() {
        assertThat(SmmuFeatures.addressSizeBits(0)).isEqualTo(32);
        assertThat(SmmuFeatures.addressSizeBits(5)).isEqualTo(48);
        assertThat(SmmuFeatures.addressSizeBits(6)).isEqualTo(52);
        assertThat(SmmuFeatures.addressSizeBits(7)).isEqualTo(56);
        assertThatThrownBy(() -> SmmuFeatures.addressSizeBits(8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmmuFeatures.fromIdrs(new int[5], 0, 0)).hasMessageContaining("6 values");
        assertThatThrownBy(() -> base().build().idr(6)).hasMessageContaining("IDR6");
    }
}
