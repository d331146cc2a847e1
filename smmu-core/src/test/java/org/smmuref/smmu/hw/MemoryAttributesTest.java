package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The shared attribute values the walker uses instead of allocating one per walk. */
class MemoryAttributesTest {
    @Test
    void of_gives_one_shared_value_per_field_combination_and_the_same_fields() {
        for (int attr = -1; attr <= 7; attr++) {
            for (int s2 = -1; s2 <= 15; s2++) {
                MemoryAttributes a = MemoryAttributes.of(attr, 2, attr % 2 == 0, s2, 3);
                assertThat(a).isEqualTo(new MemoryAttributes(attr, 2, attr % 2 == 0, s2, 3));
                assertThat(MemoryAttributes.of(attr, 2, attr % 2 == 0, s2, 3)).isSameAs(a);
            }
        }
        assertThat(MemoryAttributes.of(0, 0, false, 1, 0)).isNotSameAs(MemoryAttributes.of(0, 0, false, 2, 0));
    }

    @Test
    void values_outside_the_architectural_ranges_are_still_represented_exactly() {
        assertThat(MemoryAttributes.of(9, 7, true, 20, 5)).isEqualTo(new MemoryAttributes(9, 7, true, 20, 5));
    }

    @Test
    void combining_stages_keeps_stage_1_fields_and_takes_stage_2_fields() {
        MemoryAttributes s1 = MemoryAttributes.of(3, 2, true, -1, -1);
        MemoryAttributes s2 = MemoryAttributes.of(-1, -1, false, 0b1111, 3);
        assertThat(s1.withStage2(s2)).isEqualTo(new MemoryAttributes(3, 2, true, 0b1111, 3));
    }
}
