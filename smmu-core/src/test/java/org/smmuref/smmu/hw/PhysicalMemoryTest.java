package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** RAM bounds, external aborts, byte/int helpers and 64-bit single-copy atomicity. */
class PhysicalMemoryTest {
    final PhysicalMemory memory = new PhysicalMemory().addRam(0x4000_0000L, 0x10_0000L).addRam(0x4010_0000L, 0x1000);

    @Test
    void ram_reads_zero_until_written_and_round_trips_little_endian() {
        assertThat(memory.readLong(0x4000_0008L)).isZero();
        memory.writeLong(0x4000_0008L, 0x1122_3344_5566_7788L);
        assertThat(memory.readInt(0x4000_0008L)).isEqualTo(0x5566_7788);
        assertThat(memory.readInt(0x4000_000CL)).isEqualTo(0x1122_3344);
        assertThat(memory.readByte(0x4000_0008L)).isEqualTo((byte) 0x88);
        assertThat(memory.readByte(0x4000_000FL)).isEqualTo((byte) 0x11);
        memory.writeInt(0x4000_000CL, 0xCAFE_BABE);
        memory.writeByte(0x4000_0009L, (byte) 0xEE);
        assertThat(memory.readLong(0x4000_0008L)).isEqualTo(0xCAFE_BABE_5566_EE88L);
        byte[] buf = {1, 2, 3, 4, 5};
        memory.write(0x4000_0FFEL, buf, 0, 5); // crosses a page boundary
        byte[] back = new byte[5];
        memory.read(0x4000_0FFEL, back, 0, 5);
        assertThat(back).containsExactly(1, 2, 3, 4, 5);
        memory.zero(0x4000_0FFFL, 3);
        memory.read(0x4000_0FFEL, back, 0, 5);
        assertThat(back).containsExactly(1, 0, 0, 0, 5);
        assertThat(memory.compareAndSetLong(0x4000_0010L, 0, 7)).isTrue();
        assertThat(memory.compareAndSetLong(0x4000_0010L, 0, 8)).isFalse();
        assertThat(memory.readLongs(0x4000_0008L, 2)[1]).isEqualTo(7);
    }

    @Test
    void accesses_outside_ram_are_external_aborts_at_the_first_bad_byte() {
        assertThatThrownBy(() -> memory.readLong(0x3FFF_FFF8L)).isInstanceOf(ExternalAbortException.class);
        assertThatThrownBy(() -> memory.writeLong(0x4010_1000L, 1)).isInstanceOf(ExternalAbortException.class)
            .satisfies(e -> assertThat(((ExternalAbortException) e).address()).isEqualTo(0x4010_1000L));
        // Two adjacent RAM ranges behave as one; the abort names the first byte beyond them.
        assertThat(memory.isRam(0x400F_FFF0L, 0x20)).isTrue();
        byte[] buf = new byte[32];
        assertThatThrownBy(() -> memory.read(0x4010_0FF0L, buf, 0, 32)).isInstanceOf(ExternalAbortException.class)
            .satisfies(e -> assertThat(((ExternalAbortException) e).address()).isEqualTo(0x4010_1000L));
        assertThat(memory.isRam(0x4010_1000L)).isFalse();
    }

    @Test
    void bad_ram_ranges_and_unaligned_accesses_are_rejected() {
        assertThatThrownBy(() -> memory.addRam(0x4000_0000L, 0x1000)).hasMessageContaining("overlaps");
        assertThatThrownBy(() -> memory.addRam(0x123, 0x1000)).hasMessageContaining("aligned");
        assertThatThrownBy(() -> memory.addRam(1L << 52, 0x1000)).hasMessageContaining("52-bit");
        assertThatThrownBy(() -> memory.readLong(0x4000_0004L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> memory.readInt(0x4000_0002L)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrent_64_bit_accesses_are_single_copy_atomic() throws Exception {
        long pa = 0x4000_2000L;
        long a = 0x0000_0000_FFFF_FFFFL;
        long b = 0xFFFF_FFFF_0000_0000L;
        AtomicReference<Long> torn = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            long value = t == 0 ? a : b;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 200_000; i++) {
                    memory.writeLong(pa, value);
                }
            }));
        }
        threads.add(new Thread(() -> {
            for (int i = 0; i < 200_000; i++) {
                long v = memory.readLong(pa);
                if (v != 0 && v != a && v != b) {
                    torn.set(v);
                }
            }
        }));
        // Byte writers to the other half of the word must not lose each other's updates.
        long word = 0x4000_3000L;
        for (int t = 0; t < 4; t++) {
            int lane = t;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    memory.writeByte(word + lane, (byte) i);
                }
                memory.writeByte(word + lane, (byte) (0x10 + lane));
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(torn.get()).isNull();
        assertThat(memory.readInt(word)).isEqualTo(0x1312_1110);
    }
}
