package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.uapi.Errno;

/** The simulated process address space: EFAULT where nothing is mapped, pins outliving munmap. */
class SimulatedUserMemoryTest {
    private final SimulatedUserMemory mem = new SimulatedUserMemory();

    @Test
    void reads_and_writes_cross_pages_and_fault_outside_mappings() {
        mem.mmap(0x10000, 0x2000);
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        mem.write(0x10fd0, data);
        assertThat(mem.read(0x10fd0, 100)).containsExactly(data);
        assertErrno(Errno.EFAULT, () -> mem.read(0x11f90, 0x80));
        assertErrno(Errno.EFAULT, () -> mem.write(0x0, new byte[1]));
        assertErrno(Errno.EFAULT, () -> mem.read(-16, 32));
    }

    @Test
    void pinned_pages_survive_munmap_until_unpinned() {
        mem.mmap(0x10000, 0x2000);
        mem.write(0x10000, new byte[] {7});
        long[] pages = mem.pin(0x10000, 0x2000);
        assertThat(pages).hasSize(2);
        mem.munmap(0x10000, 0x2000);
        assertErrno(Errno.EFAULT, () -> mem.read(0x10000, 1));
        assertThat(mem.livePages()).isEqualTo(2);
        assertThat(mem.readPage(pages[0], 0, 1)).containsExactly(7);
        mem.unpin(pages);
        assertThat(mem.livePages()).isZero();
        assertThatThrownBy(() -> mem.unpin(pages)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pin_of_a_partly_unmapped_range_pins_nothing() {
        mem.mmap(0x10000, 0x1000);
        assertErrno(Errno.EFAULT, () -> mem.pin(0x10000, 0x2000));
        assertThat(mem.totalPins()).isZero();
    }

    @Test
    void bad_mmap_requests_are_rejected() {
        mem.mmap(0x10000, 0x1000);
        assertThatThrownBy(() -> mem.mmap(0x10000, 0x1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mem.mmap(0x20001, 0x1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SimulatedUserMemory(3000)).isInstanceOf(IllegalArgumentException.class);
    }
}
