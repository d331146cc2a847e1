package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StreamTableTest {
    static final SmmuFeatures F = SmmuFeatures.reference().build(); // SIDSIZE 16, 2-level
    static final long RAM = 0x4000_0000L;
    final PhysicalMemory memory = new PhysicalMemory().addRam(RAM, 0x100_0000L);
    final DescriptorFetcher fetcher = DescriptorFetcher.direct(memory);

    static int cfg(int log2size, int split, int fmt) {
        return (int) SmmuLayouts.STRTAB_BASE_CFG.encode(Map.of("LOG2SIZE", (long) log2size, "SPLIT", (long) split,
            "FMT", (long) fmt))[0];
    }

    static long base(long address) {
        return SmmuLayouts.STRTAB_BASE.encode(Map.of("ADDR", address, "RA", 1L))[0];
    }

    static long l1std(int span, long l2) {
        return SmmuLayouts.L1STD.encode(Map.of("Span", (long) span, "L2Ptr", l2))[0];
    }

    long locate(int cfg, int sid) {
        return StreamTable.locate(base(RAM), cfg, F, sid, fetcher);
    }

    static void assertEvent(Runnable r, ConfigEvent event, String reason) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ConfigFault.class, e -> {
            assertThat(e.event()).isEqualTo(event);
            assertThat(e.reason()).contains(reason);
        });
    }

    @Test
    void linear_table_indexes_by_streamid() {
        assertThat(locate(cfg(8, 0, 0), 0)).isEqualTo(RAM);
        assertThat(locate(cfg(8, 0, 0), 255)).isEqualTo(RAM + 255 * 64);
        assertEvent(() -> locate(cfg(8, 0, 0), 256), ConfigEvent.C_BAD_STREAMID, "outside the stream table");
        assertEvent(() -> locate(cfg(8, 0, 0), -1), ConfigEvent.C_BAD_STREAMID, "0xffffffff");
    }

    @Test
    void linear_base_is_aligned_to_the_table_size_using_the_literal_log2size() {
        long misaligned = RAM + 0x1040;
        assertThat(StreamTable.locate(base(misaligned), cfg(8, 0, 0), F, 1, fetcher)).isEqualTo(RAM + 64);
        // LOG2SIZE 20 > SIDSIZE 16: the range is 2^16 but the base still aligns to 2^(20+6).
        assertThat(StreamTable.locate(base(RAM + 0x100_0000L), cfg(20, 0, 0), F, 5, fetcher)).isEqualTo(RAM + 5 * 64);
        assertEvent(() -> locate(cfg(20, 0, 0), 1 << 16), ConfigEvent.C_BAD_STREAMID, "effective LOG2SIZE 16");
    }

    @Test
    void reserved_fmt_and_linear_only_smmus_use_a_linear_table() {
        assertThat(locate(cfg(8, 6, 0b10), 3)).isEqualTo(RAM + 3 * 64);
        SmmuFeatures linearOnly = SmmuFeatures.reference().stLevel(0).sidSize(6).build();
        assertThat(StreamTable.locate(base(RAM), cfg(6, 6, 1), linearOnly, 3, fetcher)).isEqualTo(RAM + 3 * 64);
    }

    @ParameterizedTest(name = "SPLIT={0} behaves as {1}")
    @CsvSource({"6, 6", "8, 8", "10, 10", "0, 6", "7, 6", "9, 6", "11, 6", "31, 6"})
    void two_level_split(int split, int effective) {
        assertThat(StreamTable.effectiveSplit(split)).isEqualTo(effective);
        long l2 = RAM + 0x10_0000L;
        int sid = (3 << effective) | 5;
        memory.writeLong(RAM + 3 * 8, l1std(effective + 1, l2));
        assertThat(locate(cfg(16, split, 1), sid)).isEqualTo(l2 + 5 * 64);
    }

    @Test
    void span_0_is_invalid() {
        memory.writeLong(RAM, l1std(0, RAM + 0x10_0000L));
        assertEvent(() -> locate(cfg(16, 8, 1), 1), ConfigEvent.C_BAD_STREAMID, "Span=0");
    }

    @ParameterizedTest(name = "Span={0} holds 2^(Span-1) STEs")
    @ValueSource(ints = {1, 2, 5, 9})
    void span_limits_the_level2_array(int span) {
        long l2 = RAM + 0x10_0000L;
        memory.writeLong(RAM, l1std(span, l2));
        int entries = 1 << (span - 1);
        assertThat(locate(cfg(16, 8, 1), entries - 1)).isEqualTo(l2 + (entries - 1) * 64L);
        if (entries < 256) {
            assertEvent(() -> locate(cfg(16, 8, 1), entries), ConfigEvent.C_BAD_STREAMID, "beyond the level-2");
        }
    }

    @Test
    void span_11_is_the_largest_valid_value() {
        memory.writeLong(RAM, l1std(11, RAM + 0x10_0000L));
        assertThat(locate(cfg(16, 10, 1), 1023)).isEqualTo(RAM + 0x10_0000L + 1023 * 64);
    }

    @ParameterizedTest(name = "Span={0} is reserved")
    @ValueSource(ints = {12, 20, 31})
    void spans_12_to_31_are_reserved(int span) {
        memory.writeLong(RAM, l1std(span, RAM + 0x10_0000L));
        assertEvent(() -> locate(cfg(16, 10, 1), 0), ConfigEvent.C_BAD_STREAMID, "reserved");
    }

    @Test
    void span_above_split_plus_one_is_invalid() {
        memory.writeLong(RAM, l1std(8, RAM + 0x10_0000L));
        assertEvent(() -> locate(cfg(16, 6, 1), 0), ConfigEvent.C_BAD_STREAMID, "exceeds SPLIT+1=7");
        memory.writeLong(RAM, l1std(7, RAM + 0x10_0000L));
        assertThat(locate(cfg(16, 6, 1), 63)).isEqualTo(RAM + 0x10_0000L + 63 * 64);
    }

    @Test
    void level2_pointer_is_aligned_to_the_array_size() {
        memory.writeLong(RAM, l1std(3, RAM + 0x10_0000L + 0xC0)); // 4 STEs = 256 bytes
        assertThat(locate(cfg(16, 8, 1), 2)).isEqualTo(RAM + 0x10_0000L + 2 * 64);
    }

    @Test
    void level1_base_is_aligned_to_max_64_and_the_l1_size() {
        // LOG2SIZE 16, SPLIT 8: 256 L1STDs = 2 KB.
        memory.writeLong(RAM + 0x800 + 2 * 8, l1std(9, RAM + 0x20_0000L));
        long misaligned = RAM + 0x800 + 0x7C0;
        assertThat(StreamTable.locate(base(misaligned), cfg(16, 8, 1), F, (2 << 8) | 7, fetcher))
            .isEqualTo(RAM + 0x20_0000L + 7 * 64);
        // LOG2SIZE 8, SPLIT 8: one L1STD; the base keeps its 64-byte alignment.
        memory.writeLong(RAM + 0x40, l1std(9, RAM + 0x30_0000L));
        assertThat(StreamTable.locate(base(RAM + 0x40), cfg(8, 8, 1), F, 1, fetcher))
            .isEqualTo(RAM + 0x30_0000L + 64);
    }

    @Test
    void external_aborts_become_f_ste_fetch_with_the_address() {
        long outside = 0x1000_0000L;
        assertThatThrownBy(() -> StreamTable.locate(base(outside), cfg(16, 8, 1), F, 0x305, fetcher))
            .isInstanceOfSatisfying(ConfigFault.class, e -> {
                assertThat(e.event()).isEqualTo(ConfigEvent.F_STE_FETCH);
                assertThat(e.fetchAddress()).isEqualTo(outside + 3 * 8);
            });
        assertThatThrownBy(() -> StreamTable.fetchSte(base(outside), cfg(8, 0, 0), F, 2, fetcher))
            .isInstanceOfSatisfying(ConfigFault.class, e -> {
                assertThat(e.event()).isEqualTo(ConfigEvent.F_STE_FETCH);
                assertThat(e.fetchAddress()).isEqualTo(outside + 2 * 64);
            });
        memory.writeLong(RAM, l1std(9, 0x2000_0000L));
        assertThatThrownBy(() -> StreamTable.fetchSte(base(RAM), cfg(16, 8, 1), F, 1, fetcher))
            .isInstanceOfSatisfying(ConfigFault.class, e -> assertThat(e.fetchAddress()).isEqualTo(0x2000_0040L));
    }

    @Test
    void fetch_ste_reads_the_eight_dwords() {
        memory.writeLongs(RAM + 7 * 64, 1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(StreamTable.fetchSte(base(RAM), cfg(8, 0, 0), F, 7, fetcher)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }
}
