package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BitsAndFieldsTest {

    @Test
    void masks_and_ranges() {
        assertThat(Bits.mask(0)).isZero();
        assertThat(Bits.mask(5)).isEqualTo(0x1f);
        assertThat(Bits.mask(64)).isEqualTo(-1L);
        assertThat(Bits.range(55, 6)).isEqualTo(0x00ff_ffff_ffff_ffc0L);
        assertThat(Bits.range(63, 59)).isEqualTo(0xf800_0000_0000_0000L);
        assertThatThrownBy(() -> Bits.range(3, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Bits.mask(65)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void insert_then_extract_returns_the_field_and_leaves_the_rest() {
        qt().withExamples(2000).forAll(longs().all(), integers().between(0, 63), integers().between(1, 64),
                longs().all())
            .checkAssert((word, lsb, w, v) -> {
                int width = Math.min(w, 64 - lsb);
                long value = v & Bits.mask(width);
                long out = Bits.insert(word, lsb, width, value);
                assertThat(Bits.extract(out, lsb, width)).isEqualTo(value);
                long outside = ~(Bits.mask(width) << lsb);
                assertThat(out & outside).isEqualTo(word & outside);
            });
    }

    @Test
    void fields_may_span_two_dwords() {
        long[] d = new long[2];
        Bits.insert(d, 60, 8, 0xabL);
        assertThat(d[0]).isEqualTo(0xbL << 60);
        assertThat(d[1]).isEqualTo(0xaL);
        assertThat(Bits.extract(d, 60, 8)).isEqualTo(0xabL);
    }

    @Test
    void insert_rejects_values_that_do_not_fit() {
        assertThatThrownBy(() -> Bits.insert(0, 0, 4, 0x10)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("does not fit in 4 bits");
    }

    @Test
    void sign_extension() {
        assertThat(Bits.signExtend(0x80, 8)).isEqualTo(-128);
        assertThat(Bits.signExtend(0x7f, 8)).isEqualTo(127);
        assertThat(Bits.signExtend(0x0080_0000_0000_0000L, 56)).isEqualTo(0xff80_0000_0000_0000L);
    }

    @Test
    void address_fields_display_as_byte_addresses() {
        // STE S1ContextPtr: dword 0 bits [55:6].
        Field ptr = Field.address("S1ContextPtr", 55, 6);
        long[] ste = new long[8];
        ptr.setDisplay(ste, 0x8_1234_5640L);
        assertThat(ste[0]).isEqualTo(0x8_1234_5640L);
        assertThat(ptr.get(ste)).isEqualTo(0x8_1234_5640L >>> 6);
        assertThat(ptr.display(ste)).isEqualTo(0x8_1234_5640L);
        assertThatThrownBy(() -> ptr.setDisplay(ste, 0x1001)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("aligned");
        // An address field in a later dword keeps its in-dword position: CD TTB0 is dword 1 bits [55:4].
        Field ttb0 = Field.address("TTB0", 64 + 55, 64 + 4);
        long[] cd = new long[8];
        ttb0.setDisplay(cd, 0x4000_1000L);
        assertThat(cd[1]).isEqualTo(0x4000_1000L);
        assertThat(ttb0.display(cd)).isEqualTo(0x4000_1000L);
    }

    @Test
    void layouts_decode_and_encode_by_name() {
        FieldLayout layout = new FieldLayout("TEST", 2, List.of(
            Field.value("V", 0, 0), Field.value("Config", 3, 1), Field.address("Ptr", 55, 6),
            Field.value("VMID", 64 + 15, 64)));
        long[] d = layout.encode(Map.of("V", 1L, "Config", 7L, "Ptr", 0x1000L, "VMID", 0xbeefL));
        assertThat(d).containsExactly(0x1000L | 0xfL, 0xbeefL);
        assertThat(layout.decode(d)).containsExactly(
            Map.entry("V", 1L), Map.entry("Config", 7L), Map.entry("Ptr", 0x1000L), Map.entry("VMID", 0xbeefL));
        assertThatThrownBy(() -> layout.field("Nope")).hasMessageContaining("no field Nope");
        assertThatThrownBy(() -> layout.decode(new long[1])).hasMessageContaining("takes 2 dwords");
    }

    @Test
    void layouts_reject_overlaps_duplicates_and_overruns() {
        assertThatThrownBy(() -> new FieldLayout("X", 1, List.of(Field.value("A", 3, 0), Field.value("B", 4, 3))))
            .hasMessageContaining("overlaps");
        assertThatThrownBy(() -> new FieldLayout("X", 1, List.of(Field.value("A", 3, 0), Field.value("A", 7, 4))))
            .hasMessageContaining("two fields named A");
        assertThatThrownBy(() -> new FieldLayout("X", 1, List.of(Field.value("A", 64, 60))))
            .hasMessageContaining("outside");
        assertThatThrownBy(() -> Field.address("A", 70, 60)).hasMessageContaining("one dword");
    }
}
