package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.FIXED_RW;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuIoasAllowIovas;
import org.smmuref.iommufd.uapi.IommuIoasChangeProcess;
import org.smmuref.iommufd.uapi.IommuIoasMapFile;
import org.smmuref.iommufd.uapi.IommuIovaRange;

/**
 * IOMMU_IOAS_CHANGE_PROCESS and several processes (ioas.c iommufd_ioas_change_process, charge_current, change_mm;
 * pages.c pinning from a process that is gone): a VMM that forks, hands its iommufd to the child and exits.
 */
class ChangeProcessTest {
    private static final long IOVA = 1L << 24;

    private final CoreFixture f = new CoreFixture();

    private void changeProcess(int reserved) {
        f.core.ioasChangeProcess(f.ctx, new IommuIoasChangeProcess(IommuIoasChangeProcess.SIZE, reserved));
    }

    private void mapFile(int ioas, int fd, long start, long length, long iova) {
        f.core.ioasMapFile(f.ctx, new IommuIoasMapFile(IommuIoasMapFile.SIZE, FIXED_RW, ioas, fd, start, length,
            iova));
    }

    private int memfd(int pages) {
        int fd = f.mem.memfdCreate();
        f.mem.ftruncate(fd, (long) pages * PAGE);
        return fd;
    }

    @Test
    void reserved_is_eopnotsupp_and_an_empty_context_changes_nothing() {
        // iommufd_ioas_change_process: __reserved first
        assertErrno(Errno.EOPNOTSUPP, () -> changeProcess(1));
        changeProcess(0);
        f.ioas();
        changeProcess(0);
        assertThat(f.mem.pinnedVm()).isZero();
    }

    @Test
    void a_user_address_mapping_in_any_ioas_is_einval_and_nothing_moves() {
        // iommufd_ioas_change_process: every area of every IOAS must be IOPT_ADDRESS_FILE
        int fileIoas = f.ioas();
        int vaIoas = f.ioas();
        f.core.attachDevice(f.ctx, f.bind(1), fileIoas);
        mapFile(fileIoas, memfd(2), 0, 2 * PAGE, IOVA);
        f.mapFixed(vaIoas, f.buffer(PAGE), PAGE, IOVA);
        SimulatedUserMemory child = f.mem.fork();
        assertErrno(Errno.EINVAL, () -> f.core.callAs(child, f.ctx, () -> {
            changeProcess(0);
            return null;
        }));
        assertThat(f.mem.pinnedVm()).isEqualTo(2);
        assertThat(child.pinnedVm()).isZero();
    }

    @Test
    void pinning_charges_the_process_that_mapped() {
        // iopt_pages_update_pinned: pages are charged as they are pinned and uncharged as they are unpinned
        int ioas = f.ioas();
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        f.mapFixed(ioas, f.buffer(3 * PAGE), 3 * PAGE, IOVA);
        assertThat(f.mem.pinnedVm()).isEqualTo(3);
        f.unmap(ioas, IOVA, 3 * PAGE);
        assertThat(f.mem.pinnedVm()).isZero();
    }

    @Test
    void a_vmm_that_forks_moves_its_pinned_pages_to_the_child_and_exits() {
        // change_mm: the file-backed guest RAM's pins are charged to current; the parent's mm can then go away
        int fd = memfd(4);
        int a = f.ioas();
        int b = f.ioas();
        f.core.attachDevice(f.ctx, f.bind(1), a);
        f.core.attachDevice(f.ctx, f.bind(2), b);
        mapFile(a, fd, 0, 4 * PAGE, IOVA);
        f.core.ioasCopy(f.ctx, Requests.ioasCopy(FIXED_RW, b, a, 2 * PAGE, IOVA, IOVA));
        assertThat(f.mem.pinnedVm()).as("one iopt_pages, pinned once").isEqualTo(4);

        SimulatedUserMemory child = f.mem.fork();
        f.core.callAs(child, f.ctx, () -> {
            changeProcess(0);
            return null;
        });
        assertThat(child.pinnedVm()).isEqualTo(4);
        assertThat(f.mem.pinnedVm()).isZero();

        f.mem.exit();
        // the file outlives the parent: a new domain pins from it and charges the child
        int c = f.ioas();
        f.core.attachDevice(f.ctx, f.bind(3), c);
        f.core.callAs(child, f.ctx, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(FIXED_RW, c, a, PAGE, IOVA,
            IOVA)));
        assertThat(child.pinnedVm()).as("the shared pages are pinned already").isEqualTo(4);
        f.core.callAs(child, f.ctx, () -> {
            mapFile(c, fd, 0, PAGE, IOVA + 8 * PAGE);
            return null;
        });
        assertThat(child.pinnedVm()).isEqualTo(5);
        // the child's own pointers resolve in its memory, the parent's are gone
        long childVa = 0x30_0000_0000L;
        child.mmap(childVa, PAGE);
        child.write(childVa, new IommuIovaRange(1L << 30, (1L << 31) - 1).encode());
        f.core.callAs(child, f.ctx, () -> f.core.ioasAllowIovas(f.ctx, new IommuIoasAllowIovas(
            IommuIoasAllowIovas.SIZE, c, 1, 0, childVa)));
        assertErrno(Errno.EFAULT, () -> f.core.ioasAllowIovas(f.ctx, new IommuIoasAllowIovas(
            IommuIoasAllowIovas.SIZE, c, 1, 0, childVa)));
        f.core.close(f.ctx);
        assertThat(child.pinnedVm()).isZero();
        assertThat(f.mem.totalPins()).isZero();
    }

    @Test
    void pages_of_a_process_that_exited_cannot_be_pinned() {
        // pages.c: the source mm is gone, so the lazy pin of an IOAS_MAP range fails with EFAULT
        int ioas = f.ioas();
        f.mapFixed(ioas, f.buffer(2 * PAGE), 2 * PAGE, IOVA);
        f.mem.exit();
        int dev = f.bind(1);
        assertErrno(Errno.EFAULT, () -> f.core.attachDevice(f.ctx, dev, ioas));
        assertThat(f.mem.totalPins()).isZero();
        assertThat(f.core.mappedAreas(f.ctx, ioas)).containsExactly(IovaRange.ofLength(IOVA, 2 * PAGE));
    }

    @Test
    void pages_pinned_before_the_exit_stay_mapped() {
        // pin_user_pages keeps the pages: the domain still maps them after the process is gone
        int ioas = f.ioas();
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        long va = f.buffer(PAGE);
        f.mem.write(va, new byte[] {0x5a});
        f.mapFixed(ioas, va, PAGE, IOVA);
        long page = f.iommu0.pagingDomains.get(0).pages.get(IOVA)[0];
        f.mem.exit();
        assertThat(f.mem.readPage(page, 0, 1)[0]).isEqualTo((byte) 0x5a);
        f.unmap(ioas, IOVA, PAGE);
        assertThat(f.mem.livePages()).isZero();
    }
}
