package org.smmuref.server.inspector;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The queue index decoding of the platform view, against values built by hand from SMMUv3 spec 3.5.1's layout. */
class InspectorStateTest {
    @Test
    void a_queue_index_splits_into_the_index_below_log2size_and_the_wrap_bit_at_log2size() {
        // LOG2SIZE 8: PROD = wrap 1, index 0x12 -> 0x112; CONS = wrap 0, index 0xFF, and a bit above the wrap bit
        // (CMDQ_CONS.ERR lives there) that must not leak into either.
        JsonObject q = InspectorState.queue(8, 0x112, 0x0100_00FF & ~0x100 | 0x0200_0000);
        assertThat(q.getInteger("prod")).isEqualTo(0x12);
        assertThat(q.getInteger("prod_wrap")).isEqualTo(1);
        assertThat(q.getInteger("cons")).isEqualTo(0xFF);
        assertThat(q.getInteger("cons_wrap")).isZero();
        assertThat(q.getInteger("log2size")).isEqualTo(8);
    }

    @Test
    void a_log2size_of_zero_leaves_only_the_wrap_bit() {
        JsonObject q = InspectorState.queue(0, 1, 0);
        assertThat(q.getInteger("prod")).isZero();
        assertThat(q.getInteger("prod_wrap")).isEqualTo(1);
    }
}
