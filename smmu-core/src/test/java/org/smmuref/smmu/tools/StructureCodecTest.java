package org.smmuref.smmu.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.Bits;
import org.smmuref.smmu.hw.Field;
import org.smmuref.smmu.hw.FieldLayout;

class StructureCodecTest {
    private final StructureCodec codec = new StructureCodec(StructureRegistry.standard());

    /** The dwords with only the bits some field of the layout covers. */
    private static long[] fieldBitsOnly(FieldLayout layout, long[] dwords) {
        long[] out = new long[layout.dwords()];
        for (Field f : layout.fields()) {
            f.set(out, f.get(dwords));
        }
        return out;
    }

    private static List<String> assignments(Map<String, Long> fields) {
        List<String> out = new ArrayList<>();
        fields.forEach((k, v) -> out.add(k + "=0x" + Long.toHexString(v)));
        return out;
    }

    @Test
    void decode_of_encode_is_the_identity_for_every_kind() {
        // Fixed-layout kinds only; QueueStructuresTest covers the kinds whose layout depends on their contents.
        List<String> kinds = codec.registry().kinds().stream()
            .filter(k -> codec.registry().selector(k).isEmpty()).toList();
        qt().withExamples(2000).withFixedSeed(11)
            .forAll(integers().between(0, kinds.size() - 1), longs().all(), longs().all(), longs().all())
            .checkAssert((k, a, b, c) -> {
                String kind = kinds.get(k);
                FieldLayout layout = codec.registry().layout(kind);
                long[] raw = new long[layout.dwords()];
                for (int i = 0; i < raw.length; i++) {
                    raw[i] = (i % 3 == 0 ? a : i % 3 == 1 ? b : c) * (i + 1) ^ Long.rotateLeft(c, i * 7);
                }
                long[] x = fieldBitsOnly(layout, raw);
                Map<String, Long> decoded = codec.decode(kind, StructureCodec.toHex(x));
                long[] back = codec.encode(kind, assignments(decoded));
                assertThat(back).containsExactly(x);
                assertThat(codec.decode(kind, StructureCodec.toHex(back))).isEqualTo(decoded);
            });
    }

    @Test
    void addresses_decode_as_byte_addresses_and_json_is_ordered() {
        long[] ste = codec.encode("ste", List.of("V=1", "Config=5",
            "S1ContextPtr=0x80001000", "S2VMID=4660"));
        assertThat(ste[0]).isEqualTo(0x8000_1000L | 0b1011);
        Map<String, Long> m = codec.decode("ste", StructureCodec.toHex(ste));
        assertThat(m.get("S1ContextPtr")).isEqualTo(0x8000_1000L);
        assertThat(m.get("S2VMID")).isEqualTo(0x1234L);
        String json = StructureCodec.toJson(m);
        assertThat(json).startsWith("{\"V\": 1, \"Config\": 5, \"S1Fmt\": 0, \"S1ContextPtr\": 2147487744,");
        assertThat(json).endsWith("\"S2POI\": 0}");
        assertThat(StructureCodec.toJson(Map.of("S2POI", -1L))).isEqualTo("{\"S2POI\": 18446744073709551615}");
    }

    @Test
    void text_table_shows_bits_and_hex_addresses() {
        Map<String, Long> m = codec.decode("l1cd", List.of("0x0000000012345001"));
        String text = codec.toText("l1cd", m);
        assertThat(text).contains("V      0          1").contains("L2Ptr  55:12      0x12345000");
    }

    @Test
    void hex_accepts_prefix_underscores_and_no_prefix() {
        assertThat(codec.decode("l1std", List.of("0x4000_0000_0000_0003")).get("Span")).isEqualTo(3);
        assertThat(codec.decode("l1std", List.of("ABCDEF")).get("Span")).isEqualTo(0xF);
    }

    @Test
    void clear_errors() {
        assertThatThrownBy(() -> codec.decode("ste", List.of("1", "2"))).hasMessageContaining("ste takes 8 dwords, got 2");
        assertThatThrownBy(() -> codec.decode("l1cd", List.of("0xZZ"))).hasMessageContaining("not a 64-bit hex value");
        assertThatThrownBy(() -> codec.decode("l1cd", List.of("0x11112222333344445"))).hasMessageContaining("dword 0");
        assertThatThrownBy(() -> codec.decode("xyz", List.of("0"))).hasMessageContaining("unknown kind 'xyz'")
            .hasMessageContaining("ste, cd");
        assertThatThrownBy(() -> codec.encode("cd", List.of("Bogus=1"))).hasMessageContaining("no field Bogus");
        assertThatThrownBy(() -> codec.encode("cd", List.of("T0SZ"))).hasMessageContaining("field=value");
        assertThatThrownBy(() -> codec.encode("cd", List.of("T0SZ=64"))).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> codec.encode("cd", List.of("T0SZ=abc"))).hasMessageContaining("not a number");
        assertThatThrownBy(() -> codec.encode("cd", List.of("TTB0=0x1001"))).hasMessageContaining("aligned");
        assertThatThrownBy(() -> codec.encode("cd", List.of("V=1", "V=0"))).hasMessageContaining("twice");
    }

    @Test
    void registry_is_extensible_by_kind_and_rejects_duplicates() {
        StructureRegistry r = StructureRegistry.configuration();
        FieldLayout cmd = new FieldLayout("CMD_SYNC", 2, List.of(Field.value("Opcode", 7, 0),
            Field.value("CS", 13, 12), Field.address("MSIAddress", 119, 66)));
        r.register("cmd", cmd);
        StructureCodec c = new StructureCodec(r);
        long[] d = c.encode("cmd", List.of("Opcode=0x46", "CS=1", "MSIAddress=0x1000"));
        assertThat(d).containsExactly(0x1046L, 0x1000L);
        assertThat(Bits.extract(d, 0, 8)).isEqualTo(0x46);
        assertThatThrownBy(() -> r.register("cmd", cmd)).hasMessageContaining("already registered");
        assertThatThrownBy(() -> r.register("Bad Kind", cmd)).hasMessageContaining("lower-case");
    }
}
