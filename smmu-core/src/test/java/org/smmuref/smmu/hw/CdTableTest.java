package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CdTableTest {
    static final SmmuFeatures F = SmmuFeatures.reference().build(); // SSIDSIZE 20, CD2L
    static final long RAM = 0x4000_0000L;
    static final long TABLE = RAM + 0x10_0000L;
    final PhysicalMemory memory = new PhysicalMemory().addRam(RAM, 0x100_0000L);
    final DescriptorFetcher fetcher = DescriptorFetcher.direct(memory);

    static Ste ste(int config, int s1Fmt, int cdMax, int dss, long ptr) {
        Map<String, Long> m = new HashMap<>(Map.of("V", 1L, "Config", (long) config, "S1Fmt", (long) s1Fmt,
            "S1CDMax", (long) cdMax, "S1DSS", (long) dss, "S1ContextPtr", ptr));
        if ((config & 0b10) != 0) {
            m.putAll(Map.of("S2T0SZ", 24L, "S2SL0", 1L, "S2PS", 5L, "S2AA64", 1L, "S2TTB", RAM));
        }
        return Ste.decode(SmmuLayouts.STE.encode(m), F);
    }

    static long l1cd(boolean valid, long l2) {
        return SmmuLayouts.L1CD.encode(Map.of("V", valid ? 1L : 0L, "L2Ptr", l2))[0];
    }

    CdTable.Lookup lookup(Ste ste, boolean ssv, int ssid) {
        return CdTable.lookup(ste, F, ssv, ssid, fetcher);
    }

    long address(Ste ste, boolean ssv, int ssid) {
        CdTable.Lookup l = lookup(ste, ssv, ssid);
        assertThat(l).isInstanceOf(CdTable.Descriptor.class);
        return ((CdTable.Descriptor) l).address();
    }

    void assertEvent(Ste ste, boolean ssv, int ssid, ConfigEvent event, String reason) {
        assertThatThrownBy(() -> lookup(ste, ssv, ssid)).isInstanceOfSatisfying(ConfigFault.class, e -> {
            assertThat(e.event()).isEqualTo(event);
            assertThat(e.reason()).contains(reason);
        });
    }

    @Test
    void single_cd_without_substreams() {
        Ste s = ste(0b101, 0, 0, 0, TABLE);
        memory.writeLongs(TABLE, 11, 12, 13, 14, 15, 16, 17, 18);
        CdTable.Descriptor d = (CdTable.Descriptor) lookup(s, false, 0);
        assertThat(d.address()).isEqualTo(TABLE);
        assertThat(d.index()).isZero();
        assertThat(d.dwords()).containsExactly(11, 12, 13, 14, 15, 16, 17, 18);
        assertEvent(s, true, 0, ConfigEvent.C_BAD_SUBSTREAMID, "S1CDMax=0");
    }

    @Test
    void ssid_on_an_smmu_without_substreams() {
        SmmuFeatures none = SmmuFeatures.reference().ssidSize(0).build();
        Ste s = Ste.decode(SmmuLayouts.STE.encode(Map.of("V", 1L, "Config", 0b101L, "S1ContextPtr", TABLE,
            "S1CDMax", 5L)), none);
        assertThatThrownBy(() -> CdTable.lookup(s, none, true, 1, fetcher))
            .isInstanceOfSatisfying(ConfigFault.class, e -> {
                assertThat(e.event()).isEqualTo(ConfigEvent.C_BAD_SUBSTREAMID);
                assertThat(e.reason()).contains("SSIDSIZE=0");
            });
        assertThat(((CdTable.Descriptor) CdTable.lookup(s, none, false, 0, fetcher)).address()).isEqualTo(TABLE);
    }

    @Test
    void ssid_with_stage1_disabled() {
        Ste s2only = ste(0b110, 0, 0, 0, 0);
        assertThat(lookup(s2only, false, 0)).isInstanceOf(CdTable.Stage1Bypass.class);
        assertEvent(s2only, true, 3, ConfigEvent.C_BAD_SUBSTREAMID, "stage 1 is not enabled");
        Ste bypass = ste(0b100, 0, 0, 0, 0);
        assertEvent(bypass, true, 3, ConfigEvent.C_BAD_SUBSTREAMID, "stage 1 is not enabled");
        assertThatThrownBy(() -> lookup(ste(0b000, 0, 0, 0, 0), false, 0))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void linear_table_indexes_by_ssid_and_checks_s1cdmax() {
        Ste s = ste(0b101, 0, 4, 0b10, TABLE + 0x3C0); // table of 16 CDs aligned to 1 KB
        assertThat(address(s, true, 5)).isEqualTo(TABLE + 5 * 64);
        assertThat(address(s, true, 15)).isEqualTo(TABLE + 15 * 64);
        assertEvent(s, true, 16, ConfigEvent.C_BAD_SUBSTREAMID, "2^S1CDMax");
        assertEvent(s, true, 1 << 20, ConfigEvent.C_BAD_SUBSTREAMID, "2^S1CDMax");
    }

    @Test
    void s1dss_terminate() {
        Ste s = ste(0b101, 0, 4, 0b00, TABLE);
        assertEvent(s, false, 0, ConfigEvent.F_STREAM_DISABLED, "S1DSS=0b00");
        assertThat(address(s, true, 0)).as("SSID 0 is an ordinary substream").isEqualTo(TABLE);
        Ste reserved = ste(0b101, 0, 4, 0b11, TABLE);
        assertEvent(reserved, false, 0, ConfigEvent.F_STREAM_DISABLED, "terminate");
    }

    @Test
    void s1dss_bypass() {
        Ste s = ste(0b101, 0, 4, 0b01, TABLE);
        assertThat(lookup(s, false, 0)).isInstanceOf(CdTable.Stage1Bypass.class);
        assertThat(address(s, true, 0)).isEqualTo(TABLE);
    }

    @Test
    void s1dss_substream0() {
        Ste s = ste(0b101, 0, 4, 0b10, TABLE);
        assertThat(address(s, false, 0)).isEqualTo(TABLE);
        assertEvent(s, true, 0, ConfigEvent.F_STREAM_DISABLED, "SubstreamID 0");
        assertThat(address(s, true, 1)).isEqualTo(TABLE + 64);
    }

    @ParameterizedTest(name = "S1Fmt={0} S1CDMax={1} SSID={2}")
    @CsvSource({
        // 4 KB leaves: L1 index SSID[CDMax-1:6], L2 index SSID[5:0]
        "1, 20, 0x12345, 0x48D, 0x05",
        "1, 6, 63, 0, 63",
        "1, 10, 64, 1, 0",
        // 64 KB leaves: L1 index SSID[CDMax-1:10], L2 index SSID[9:0]
        "2, 20, 0x12345, 0x48, 0x345",
        "2, 10, 1023, 0, 1023",
        "2, 12, 0xC01, 3, 1"})
    void two_level_tables(int fmt, int cdMax, int ssid, int l1Index, int l2Index) {
        long l2 = RAM + 0x80_0000L;
        memory.writeLong(TABLE + l1Index * 8L, l1cd(true, l2));
        Ste s = ste(0b101, fmt, cdMax, 0, TABLE);
        assertThat(address(s, true, ssid)).isEqualTo(l2 + l2Index * 64L);
    }

    @Test
    void invalid_l1cd_is_c_bad_substreamid() {
        memory.writeLong(TABLE + 8, l1cd(false, RAM + 0x80_0000L));
        Ste s = ste(0b101, 1, 8, 0b10, TABLE);
        assertEvent(s, true, 64, ConfigEvent.C_BAD_SUBSTREAMID, "V=0");
        assertEvent(s, false, 0, ConfigEvent.C_BAD_SUBSTREAMID, "V=0"); // SSID 0 via S1DSS: L1CD 0 is zero
    }

    @Test
    void l1cd_pointer_beyond_the_address_size_is_c_bad_substreamid() {
        memory.writeLong(TABLE, l1cd(true, 1L << 48));
        assertEvent(ste(0b101, 1, 8, 0, TABLE), true, 3, ConfigEvent.C_BAD_SUBSTREAMID, "OAS");
    }

    @Test
    void l2_pointer_of_64k_leaves_ignores_bits_15_to_12() {
        memory.writeLong(TABLE, l1cd(true, RAM + 0x81_F000L));
        assertThat(address(ste(0b101, 2, 12, 0, TABLE), true, 2)).isEqualTo(RAM + 0x81_0000L + 128);
    }

    @Test
    void external_aborts_become_f_cd_fetch_with_the_address() {
        long outside = 0x2000_0000L;
        assertThatThrownBy(() -> lookup(ste(0b101, 0, 4, 0, outside), true, 3))
            .isInstanceOfSatisfying(ConfigFault.class, e -> {
                assertThat(e.event()).isEqualTo(ConfigEvent.F_CD_FETCH);
                assertThat(e.fetchAddress()).isEqualTo(outside + 3 * 64);
            });
        assertThatThrownBy(() -> lookup(ste(0b101, 1, 12, 0, outside), true, 0x85))
            .isInstanceOfSatisfying(ConfigFault.class, e -> assertThat(e.fetchAddress()).isEqualTo(outside + 2 * 8));
    }

    @Test
    void nested_pointers_go_through_the_fetcher_which_may_translate_them() {
        // A stand-in for the integration's stage-2 translation: IPA + offset. The CD table is reached by IPA.
        long offset = 0x100_0000L;
        DescriptorFetcher s2 = (ipa, n) -> memory.readLongs(ipa - offset + RAM, n);
        memory.writeLong(RAM + 8, l1cd(true, offset + 0x2000L)); // L1CD 1 holds an IPA too
        memory.writeLongs(RAM + 0x2000 + 3 * 64, 7, 7, 7, 7, 7, 7, 7, 7);
        Ste nested = ste(0b111, 1, 8, 0, offset);
        CdTable.Descriptor d = (CdTable.Descriptor) CdTable.lookup(nested, F, true, 64 + 3, s2);
        assertThat(d.address()).as("the CD address as the STE sees it: an IPA").isEqualTo(offset + 0x2000 + 3 * 64);
        assertThat(d.dwords()).containsOnly(7);
    }
}
