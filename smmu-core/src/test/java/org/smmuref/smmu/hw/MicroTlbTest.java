package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The micro-TLB on its own: tags, stamps, permitted accesses and its two ways. */
class MicroTlbTest {
    static final int READ = MicroTlb.accessBit(Access.READ);
    static final int WRITE = MicroTlb.accessBit(Access.WRITE);

    static Translation page(long va, long pa) {
        return new Translation(va & ~0xFFFL, 12, pa, pa, Permissions.ALL, Permissions.ALL, MemoryAttributes.NONE,
            false, 3, Granule.G4K);
    }

    @Test
    void a_filled_page_answers_only_its_stream_page_permitted_accesses_and_stamps() {
        MicroTlb m = new MicroTlb(64);
        Translation t = page(0x7000, 0x4000_0000L);
        m.fill(5, 0x7123, 3, 9, READ, t);
        MicroTlb.Entry e = m.lookup(5, 0x7FF8, READ, 3, 9);
        assertThat(e).isNotNull();
        assertThat(e.outputPage()).isEqualTo(0x4000_0000L);
        assertThat(e.translation()).isSameAs(t);
        assertThat(m.lookup(5, 0x7000, WRITE, 3, 9)).as("an access it does not permit").isNull();
        assertThat(m.lookup(6, 0x7000, READ, 3, 9)).as("another stream").isNull();
        assertThat(m.lookup(5, 0x8000, READ, 3, 9)).as("another page").isNull();
        assertThat(m.lookup(5, 0xAB00_0000_0000_7000L, READ, 3, 9)).as("another top byte").isNull();
        assertThat(m.lookup(5, 0x7000, READ, 4, 9)).as("after a TLB invalidation").isNull();
        assertThat(m.lookup(5, 0x7000, READ, 3, 10)).as("after any other invalidation").isNull();
    }

    @Test
    void a_block_is_cached_per_4k_page_with_the_block_offset_applied() {
        MicroTlb m = new MicroTlb(64);
        Translation block = new Translation(0x20_0000, 21, 0x4020_0000L, 0x4020_0000L, Permissions.ALL,
            Permissions.ALL, MemoryAttributes.NONE, false, 2, Granule.G4K);
        m.fill(1, 0x23_4567, 0, 0, READ, block);
        assertThat(m.lookup(1, 0x23_4FFF, READ, 0, 0).outputPage()).isEqualTo(0x4023_4000L);
        assertThat(m.lookup(1, 0x23_5000, READ, 0, 0)).isNull();
    }

    @Test
    void a_set_keeps_four_live_pages_and_a_fifth_replaces_the_oldest() {
        MicroTlb m = new MicroTlb(MicroTlb.WAYS); // one set: every page maps to it
        for (int p = 1; p <= 4; p++) {
            m.fill(1, p * 0x1000L, 0, 0, READ, page(p * 0x1000L, p * 0x10_0000L));
        }
        for (int p = 1; p <= 4; p++) {
            assertThat(m.lookup(1, p * 0x1000L, READ, 0, 0)).isNotNull();
        }
        m.fill(1, 0x5000, 0, 0, READ, page(0x5000, 0x50_0000));
        assertThat(m.lookup(1, 0x5000, READ, 0, 0)).isNotNull();
        assertThat(m.lookup(1, 0x1000, READ, 0, 0)).as("the oldest is gone").isNull();
        for (int p = 2; p <= 4; p++) {
            assertThat(m.lookup(1, p * 0x1000L, READ, 0, 0)).isNotNull();
        }
        // A refill of a page replaces its own way, not another page's.
        m.fill(1, 0x3000, 0, 0, READ | WRITE, page(0x3000, 0x60_0000));
        assertThat(m.lookup(1, 0x3000, WRITE, 0, 0).outputPage()).isEqualTo(0x60_0000L);
        for (int p : new int[] {2, 4, 5}) {
            assertThat(m.lookup(1, p * 0x1000L, READ, 0, 0)).isNotNull();
        }
        // Dead entries (an older stamp) are given up before live ones.
        m.fill(1, 0x7000, 1, 0, READ, page(0x7000, 0x70_0000));
        m.fill(1, 0x8000, 1, 0, READ, page(0x8000, 0x80_0000));
        assertThat(m.lookup(1, 0x7000, READ, 1, 0)).isNotNull();
        assertThat(m.lookup(1, 0x8000, READ, 1, 0)).isNotNull();
    }
}
