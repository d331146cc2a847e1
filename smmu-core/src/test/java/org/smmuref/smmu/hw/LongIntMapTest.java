package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TLB's primitive {@code long -> int} map against {@link HashMap}, through growth and backward-shift removals. */
class LongIntMapTest {
    @Test
    void behaves_like_a_hash_map_over_random_puts_and_removes() {
        qt().withExamples(100).forAll(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 500))
            .checkAssert(ops -> {
                Tlb.LongIntMap m = new Tlb.LongIntMap();
                Map<Long, Integer> model = new HashMap<>();
                for (int op : ops) {
                    // Few distinct keys, some sharing low bits, so probe runs overlap and removals shift them.
                    long key = (long) (op >>> 8 & 63) << ((op >>> 14 & 1) * 32);
                    if ((op & 3) == 0) {
                        m.remove(key);
                        model.remove(key);
                    } else {
                        m.put(key, op >>> 16);
                        model.put(key, op >>> 16);
                    }
                    assertThat(m.size()).isEqualTo(model.size());
                }
                for (int k = 0; k < 64; k++) {
                    for (long key : new long[] {k, (long) k << 32}) {
                        assertThat(m.get(key)).isEqualTo(model.getOrDefault(key, -1));
                    }
                }
            });
    }

    @Test
    void negative_keys_are_refused() {
        assertThatThrownBy(() -> new Tlb.LongIntMap().put(-5, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
