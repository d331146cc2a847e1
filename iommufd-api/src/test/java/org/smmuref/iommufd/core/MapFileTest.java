package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.FIXED_RW;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.RW;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuIoasMapFile;

/**
 * IOMMU_IOAS_MAP_FILE over the simulated process's memfds (ioas.c iommufd_ioas_map_file, io_pagetable.c
 * iopt_map_file_pages, pages.c iopt_alloc_file_pages and the memfd pin path, mm/gup.c memfd_pin_folios).
 */
class MapFileTest {
    private static final long IOVA = 1L << 24;

    private final CoreFixture f = new CoreFixture();

    private long mapFile(int flags, int ioas, int fd, long start, long length, long iova) {
        return f.core.ioasMapFile(f.ctx, new IommuIoasMapFile(IommuIoasMapFile.SIZE, flags, ioas, fd, start, length,
            iova)).iova();
    }

    private int memfd(int pages) {
        int fd = f.mem.memfdCreate();
        for (int i = 0; i < pages; i++) {
            byte[] page = new byte[PAGE];
            Arrays.fill(page, (byte) (0x10 + i));
            f.mem.pwrite(fd, (long) i * PAGE, page);
        }
        return fd;
    }

    /** The live paging domain of instance 0 (a failed attach leaves a freed one before it). */
    private MockIommu.Paging domain() {
        return f.iommu0.pagingDomains.stream().filter(d -> !d.freed).reduce((a, b) -> b).orElseThrow();
    }

    private long pageAt(long iova) {
        return domain().pages.get(iova)[0];
    }

    @Test
    void argument_errors_in_the_kernels_order() {
        // iommufd_ioas_map_file: flags, then ULONG_MAX, then READ/WRITE, then the IOAS, then fget
        int fd = memfd(1);
        int ioas = f.ioas();
        assertErrno(Errno.EOPNOTSUPP, () -> mapFile(RW | 8, 99, -1, 0, PAGE, 0));
        assertErrno(Errno.EOVERFLOW, () -> mapFile(RW, 99, -1, 0, PAGE, -1L));
        assertErrno(Errno.EOVERFLOW, () -> mapFile(RW, 99, -1, 0, -1L, 0));
        assertErrno(Errno.EINVAL, () -> mapFile(0, 99, -1, 0, PAGE, 0));
        assertErrno(Errno.ENOENT, () -> mapFile(RW, 99, fd, 0, PAGE, 0));
        assertErrno(Errno.EBADF, () -> mapFile(RW, ioas, 77, 0, PAGE, 0));
        // iopt_alloc_file_pages: start + length - 1 wraps; iopt_alloc_pages: length 0
        assertErrno(Errno.EOVERFLOW, () -> mapFile(RW, ioas, fd, -PAGE, 2 * PAGE, 0));
        assertErrno(Errno.EINVAL, () -> mapFile(RW, ioas, fd, 0, 0, 0));
        assertThat(f.core.mappedAreas(f.ctx, ioas)).isEmpty();
    }

    @Test
    void mapping_a_file_range_pins_its_pages_when_a_domain_needs_them() {
        // pages.c: pinning is lazy (the first domain fills the area); the memfd's own pages back the domain
        int fd = memfd(3);
        int ioas = f.ioas();
        assertThat(mapFile(FIXED_RW, ioas, fd, PAGE, 2 * PAGE, IOVA)).isEqualTo(IOVA);
        assertThat(f.mem.totalPins()).as("no domain yet: nothing pinned").isZero();
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        assertThat(f.mem.totalPins()).isEqualTo(2);
        assertThat(f.mem.readPage(pageAt(IOVA), 0, 1)[0]).as("file page 1").isEqualTo((byte) 0x11);
        assertThat(f.mem.readPage(pageAt(IOVA + PAGE), 0, 1)[0]).as("file page 2").isEqualTo((byte) 0x12);
        f.unmap(ioas, IOVA, 2 * PAGE);
        assertThat(f.mem.totalPins()).isZero();
        assertThat(domain().pages).isEmpty();
    }

    @Test
    void a_file_offset_inside_a_page_keeps_its_offset_and_aligns_the_allocated_iova() {
        // iopt_alloc_area_pages: the allocated IOVA follows the file offset (start_byte + pages->start)
        int fd = memfd(4);
        int ioas = f.ioas();
        long iova = mapFile(RW, ioas, fd, 2 * PAGE, 2 * PAGE, 0);
        assertThat(iova % (2 * PAGE)).isZero();
        long sub = mapFile(RW, ioas, fd, 512, 512, 0);
        assertThat(sub & (PAGE - 1)).as("the page offset of the file start").isEqualTo(512);
    }

    @Test
    void truncating_below_a_mapped_range_makes_later_pins_fail() {
        // shmem_get_folio_gfp refuses a page at or past i_size (SGP_CACHE), so memfd_pin_folios fails: EINVAL
        int fd = memfd(2);
        int ioas = f.ioas();
        mapFile(FIXED_RW, ioas, fd, 0, 2 * PAGE, IOVA);
        f.mem.ftruncate(fd, PAGE);
        int dev = f.bind(1);
        assertErrno(Errno.EINVAL, () -> f.core.attachDevice(f.ctx, dev, ioas));
        assertThat(f.mem.totalPins()).as("the first page's pin was rolled back").isZero();
        assertThat(f.iommu0.pagingDomains.stream().filter(d -> !d.freed)).isEmpty();
        // growing the file again gives fresh zero pages: the old contents are gone
        f.mem.ftruncate(fd, 2 * PAGE);
        f.core.attachDevice(f.ctx, dev, ioas);
        assertThat(f.mem.readPage(pageAt(IOVA + PAGE), 0, 1)[0]).isZero();
        assertThat(f.mem.readPage(pageAt(IOVA), 0, 1)[0]).isEqualTo((byte) 0x10);
    }

    @Test
    void truncating_a_pinned_range_keeps_the_pinned_pages_but_a_new_map_of_it_fails() {
        int fd = memfd(2);
        int ioas = f.ioas();
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        mapFile(FIXED_RW, ioas, fd, 0, 2 * PAGE, IOVA);
        long pinned = pageAt(IOVA + PAGE);
        f.mem.ftruncate(fd, PAGE);
        assertThat(f.mem.pinCount(pinned)).as("the domain's pin keeps the page alive").isEqualTo(1);
        assertThat(f.mem.readPage(pinned, 0, 1)[0]).isEqualTo((byte) 0x11);
        // with a domain the map pins at once (iopt_area_fill_domains): past the end of the file is EINVAL
        assertErrno(Errno.EINVAL, () -> mapFile(FIXED_RW, ioas, fd, PAGE, PAGE, IOVA + 16 * PAGE));
        f.unmap(ioas, IOVA, 2 * PAGE);
        assertThat(f.mem.pinCount(pinned)).isZero();
        assertThat(f.mem.totalPins()).isZero();
    }

    @Test
    void a_memfd_mapped_in_two_places_shares_its_pages() {
        int fd = memfd(1);
        int ioas = f.ioas();
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        mapFile(FIXED_RW, ioas, fd, 0, PAGE, IOVA);
        mapFile(FIXED_RW, ioas, fd, 0, PAGE, IOVA + 8 * PAGE);
        assertThat(pageAt(IOVA)).isEqualTo(pageAt(IOVA + 8 * PAGE));
        assertThat(f.mem.pinCount(pageAt(IOVA))).isEqualTo(2);
        // the same memfd mmap'ed into the process: IOAS_MAP of that user range reaches the same page
        long va = 0x20_0000_0000L;
        f.mem.mmapFile(va, fd, 0, PAGE);
        f.mapFixed(ioas, va, PAGE, IOVA + 16 * PAGE);
        assertThat(pageAt(IOVA + 16 * PAGE)).isEqualTo(pageAt(IOVA));
        f.mem.write(va + 5, new byte[] {0x77});
        assertThat(f.mem.pread(fd, 5, 1)[0]).isEqualTo((byte) 0x77);
        assertThat(f.mem.readPage(pageAt(IOVA), 5, 1)[0]).isEqualTo((byte) 0x77);
        // past the end of the file the shared mapping no longer resolves (SIGBUS in a real process)
        f.mem.ftruncate(fd, 0);
        assertErrno(Errno.EFAULT, () -> f.mem.read(va, 1));
        assertThat(f.mem.pinCount(pageAt(IOVA))).as("three pins keep it").isEqualTo(3);
    }

    @Test
    void the_mapping_holds_the_file_after_its_fd_is_closed() {
        // iopt_alloc_file_pages takes get_file(): a later close of the fd does not matter
        int fd = memfd(1);
        int ioas = f.ioas();
        mapFile(FIXED_RW, ioas, fd, 0, PAGE, IOVA);
        f.mem.closeMemfd(fd);
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        assertThat(f.mem.readPage(pageAt(IOVA), 0, 1)[0]).isEqualTo((byte) 0x10);
        assertErrno(Errno.EBADF, () -> mapFile(FIXED_RW, ioas, fd, 0, PAGE, IOVA + PAGE));
    }

    @Test
    void a_file_that_is_not_a_memfd_maps_but_cannot_be_pinned() {
        // fget succeeds on the iommufd fd itself; memfd_pin_folios refuses a file that is not shmem / hugetlbfs
        int ioas = f.ioas();
        mapFile(FIXED_RW, ioas, f.ctx, 0, PAGE, IOVA);
        assertErrno(Errno.EINVAL, () -> f.core.attachDevice(f.ctx, f.bind(1), ioas));
        int other = f.ioas();
        f.core.attachDevice(f.ctx, f.bind(2), other);
        assertErrno(Errno.EINVAL, () -> mapFile(FIXED_RW, other, f.ctx, 0, PAGE, IOVA));
        assertThat(f.core.mappedAreas(f.ctx, other)).isEmpty();
    }

    @Test
    void ioas_copy_of_a_file_mapping_shares_the_file_pages() {
        // iopt_get_pages / iopt_map_pages: the copy refers to the same iopt_pages
        int fd = memfd(2);
        int src = f.ioas();
        int dst = f.ioas();
        mapFile(FIXED_RW, src, fd, 0, 2 * PAGE, IOVA);
        f.core.attachDevice(f.ctx, f.bind(1), dst);
        f.core.ioasCopy(f.ctx, Requests.ioasCopy(FIXED_RW, dst, src, 2 * PAGE, IOVA, IOVA));
        assertThat(f.core.mappedAreas(f.ctx, dst)).containsExactly(IovaRange.ofLength(IOVA, 2 * PAGE));
        assertThat(f.mem.readPage(pageAt(IOVA + PAGE), 0, 1)[0]).isEqualTo((byte) 0x11);
        assertThat(f.mem.totalPins()).isEqualTo(2);
    }
}
