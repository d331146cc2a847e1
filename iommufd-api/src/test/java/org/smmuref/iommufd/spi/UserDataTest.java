package org.smmuref.iommufd.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.core.SimulatedUserMemory;
import org.smmuref.iommufd.uapi.Errno;

/** The kernel's user-data copy helpers (iommufd-driver.md §1.2). */
class UserDataTest {
    private final SimulatedUserMemory mem = new SimulatedUserMemory();
    private final long va = 0x40000;

    UserDataTest() {
        mem.mmap(va, 0x1000);
        mem.write(va, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 9});
    }

    private static void errno(Errno e, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(IommufdException.class,
            ex -> assertThat(ex.errno()).isEqualTo(e));
    }

    @Test
    void single_struct_rules() {
        assertThat(new UserData(mem, 2, 6, va).copyStruct(2, 4, 8)).containsExactly(1, 2, 3, 4, 5, 6, 0, 0);
        errno(Errno.EINVAL, () -> new UserData(mem, 3, 8, va).copyStruct(2, 4, 8));
        errno(Errno.EINVAL, () -> new UserData(mem, 2, 3, va).copyStruct(2, 4, 8));
        errno(Errno.EINVAL, () -> new UserData(mem, 2, 9, va).copyStruct(2, 4, 8));
        errno(Errno.EFAULT, () -> new UserData(mem, 2, 8, 0).copyStruct(2, 4, 8));
    }

    @Test
    void full_array_rules() {
        UserDataArray two = new UserDataArray(mem, 1, va, 4, 2);
        assertThat(two.copyFullArray(1, 4)).isDeepEqualTo(new byte[][] {{1, 2, 3, 4}, {5, 6, 7, 8}});
        assertThat(new UserDataArray(mem, 1, va, 2, 2).copyFullArray(1, 4))
            .isDeepEqualTo(new byte[][] {{1, 2, 0, 0}, {3, 4, 0, 0}});
        errno(Errno.EINVAL, () -> new UserDataArray(mem, 2, va, 4, 2).copyFullArray(1, 4));
        errno(Errno.EINVAL, () -> new UserDataArray(mem, 1, va, 4, 0).copyFullArray(1, 4));
        errno(Errno.E2BIG, () -> new UserDataArray(mem, 1, va, 6, 1).copyFullArray(1, 4));
        assertThat(new UserDataArray(mem, 1, va + 4, 8, 1).copyFullArray(1, 4)).isDeepEqualTo(
            new byte[][] {{5, 6, 7, 8}});
        errno(Errno.EFAULT, () -> new UserDataArray(mem, 1, 0, 4, 1).copyFullArray(1, 4));
    }

    @Test
    void per_index_rules_and_entry_num_reporting() {
        UserDataArray a = new UserDataArray(mem, 1, va, 4, 2);
        assertThat(a.copyEntry(1, 1, 4, 4)).containsExactly(5, 6, 7, 8);
        errno(Errno.EINVAL, () -> a.copyEntry(1, 2, 4, 4));
        errno(Errno.EINVAL, () -> new UserDataArray(mem, 1, va, 0, 2).copyEntry(1, 0, 0, 4));
        errno(Errno.EINVAL, () -> new UserDataArray(mem, 1, va, 3, 2).copyEntry(1, 0, 4, 4));
        errno(Errno.EINVAL, () -> new UserDataArray(mem, 1, va, 5, 2).copyEntry(1, 0, 4, 4));
        assertThat(a.entryNum()).isEqualTo(2);
        a.setEntryNum(1);
        assertThat(a.entryNum()).isEqualTo(1);
        assertThatThrownBy(() -> a.setEntryNum(3)).isInstanceOf(IllegalArgumentException.class);
    }
}
