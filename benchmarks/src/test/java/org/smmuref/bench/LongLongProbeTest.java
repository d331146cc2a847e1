package org.smmuref.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The baseline must be a correct map, or the comparison means nothing. */
class LongLongProbeTest {
    @Test
    void agrees_with_a_hash_map() {
        LongLongProbe probe = new LongLongProbe(5000);
        Map<Long, Long> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 5000; i++) {
            long k = random.nextLong(1 << 14);
            long v = random.nextLong();
            probe.put(k, v);
            model.put(k, v);
        }
        for (long k = 0; k < 1 << 14; k++) {
            assertThat(probe.get(k, -1)).isEqualTo(model.getOrDefault(k, -1L));
        }
    }

    @Test
    void refuses_the_empty_marker_and_overfill() {
        LongLongProbe probe = new LongLongProbe(2);
        assertThatThrownBy(() -> probe.put(Long.MIN_VALUE, 1)).isInstanceOf(IllegalArgumentException.class);
        probe.put(1, 1);
        probe.put(2, 2);
        assertThatThrownBy(() -> {
            for (int i = 3; i < 10; i++) {
                probe.put(i, i);
            }
        }).isInstanceOf(IllegalStateException.class);
    }
}
