package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptGetDirtyBitmap;
import org.smmuref.iommufd.uapi.IommuHwptSetDirtyTracking;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * HWPT_SET_DIRTY_TRACKING and HWPT_GET_DIRTY_BITMAP over the mock's dirty ops: each errno rule names the kernel
 * function it follows (hw_pagetable.c, io_pagetable.c, iova_bitmap.c). The expected bitmaps come from a small
 * encoder of the uAPI's rule (bit n of the bitmap is page n of the range, bit n % 8 of byte n / 8).
 */
class DirtyTrackingTest {
    static final long BASE = 1L << 24;
    CoreFixture f;
    int ioas;
    int dev;
    int hwpt;
    MockIommu.Paging domain;

    @BeforeEach
    void world() {
        f = new CoreFixture();
        f.iommu0.addDevice(7, new DeviceCapabilities(true, 0, false, false), List.of());
        ioas = f.ioas();
        dev = f.core.bindDevice(f.ctx, 0, 7);
        hwpt = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dev, ioas)).outHwptId();
        domain = f.iommu0.pagingDomains.get(0);
        f.mapFixed(ioas, f.buffer(16 * PAGE), 16 * PAGE, BASE);
    }

    /** The oracle: the bitmap bytes for dirty page numbers {@code pages} (relative to the range start). */
    static byte[] bitmap(int bytes, int... pages) {
        byte[] b = new byte[bytes];
        for (int p : pages) {
            b[p / 8] |= (byte) (1 << (p % 8));
        }
        return b;
    }

    private IommuHwptSetDirtyTracking enable(int id) {
        return f.core.hwptSetDirtyTracking(f.ctx, Requests.setDirtyTracking(IOMMU_HWPT_DIRTY_TRACKING_ENABLE, id));
    }

    private IommuHwptGetDirtyBitmap get(int flags, long iova, long length, long pageSize, long data) {
        return f.core.hwptGetDirtyBitmap(f.ctx, Requests.getDirtyBitmap(hwpt, flags, iova, length, pageSize, data));
    }

    @Test
    void dirty_pages_are_reported_once_and_cleared_unless_no_clear() {
        enable(hwpt);
        domain.dmaWrite(BASE + 3 * PAGE, 1);
        domain.dmaWrite(BASE + 9 * PAGE, 2 * PAGE);
        long data = f.buffer(PAGE);
        get(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, BASE, 16 * PAGE, PAGE, data);
        assertThat(f.mem.read(data, 2)).isEqualTo(bitmap(2, 3, 9, 10));
        long again = f.buffer(PAGE);
        get(0, BASE, 16 * PAGE, PAGE, again);
        assertThat(f.mem.read(again, 2)).as("NO_CLEAR left them set").isEqualTo(bitmap(2, 3, 9, 10));
        long third = f.buffer(PAGE);
        get(0, BASE, 16 * PAGE, PAGE, third);
        assertThat(f.mem.read(third, 2)).as("the read before cleared them").isEqualTo(bitmap(2));
    }

    @Test
    void bits_are_only_set_never_cleared_and_the_bitmap_may_sit_at_any_byte() {
        enable(hwpt);
        domain.dmaWrite(BASE, 1);
        domain.dmaWrite(BASE + 15 * PAGE, 1);
        long data = f.buffer(PAGE) + 3;
        f.mem.write(data, new byte[] {0, 0x40});
        get(0, BASE, 16 * PAGE, PAGE, data);
        byte[] expected = bitmap(2, 0, 15);
        expected[1] |= 0x40;
        assertThat(f.mem.read(data, 2)).isEqualTo(expected);
    }

    @Test
    void a_larger_page_size_sets_one_bit_per_group_of_pages() {
        enable(hwpt);
        domain.dmaWrite(BASE + 5 * PAGE, 1);
        long data = f.buffer(PAGE);
        get(0, BASE, 16 * PAGE, 4 * PAGE, data);
        assertThat(f.mem.read(data, 1)).isEqualTo(bitmap(1, 1));
    }

    @Test
    void enabling_clears_what_was_dirty_before_iopt_set_dirty_tracking() {
        enable(hwpt);
        domain.dmaWrite(BASE, PAGE);
        f.core.hwptSetDirtyTracking(f.ctx, Requests.setDirtyTracking(0, hwpt));
        assertThat(domain.dirtyTracking).isFalse();
        enable(hwpt);
        assertThat(domain.dirty).as("iopt_clear_dirty_data before set_dirty_tracking").isEmpty();
        assertThat(domain.dirtyReads).last().satisfies(r -> assertThat(r[3]).as("read without a bitmap").isZero());
    }

    @Test
    void set_dirty_tracking_errnos_iommufd_hwpt_set_dirty_tracking() {
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwptSetDirtyTracking(f.ctx, Requests.setDirtyTracking(2, hwpt)));
        assertErrno(Errno.ENOENT, () -> enable(ioas));
        assertErrno(Errno.ENOENT, () -> enable(99));
        // __reserved is not checked by the kernel
        f.core.hwptSetDirtyTracking(f.ctx, new IommuHwptSetDirtyTracking(IommuHwptSetDirtyTracking.SIZE,
            IOMMU_HWPT_DIRTY_TRACKING_ENABLE, hwpt, 0x55));
        assertThat(domain.dirtyTracking).isTrue();
    }

    @Test
    void a_domain_without_dirty_ops_is_eopnotsupp_iopt_set_dirty_tracking() {
        int plain = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        assertErrno(Errno.EOPNOTSUPP, () -> enable(plain));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwptGetDirtyBitmap(f.ctx,
            Requests.getDirtyBitmap(plain, 0, BASE, PAGE, PAGE, f.buffer(PAGE))));
    }

    @Test
    void a_nested_hwpt_is_enoent_iommufd_get_hwpt_paging() {
        int devId = f.bind(1);
        int parent = f.nestParent(devId, ioas);
        int nested = f.nested(0, devId, parent, MockIommu.IOTLB_DEFAULT);
        assertErrno(Errno.ENOENT, () -> enable(nested));
        assertErrno(Errno.ENOENT, () -> f.core.hwptGetDirtyBitmap(f.ctx,
            Requests.getDirtyBitmap(nested, 0, BASE, PAGE, PAGE, f.buffer(PAGE))));
    }

    @Test
    void get_dirty_bitmap_flag_and_reserved_errnos_iommufd_hwpt_get_dirty_bitmap() {
        long data = f.buffer(PAGE);
        assertErrno(Errno.EOPNOTSUPP, () -> get(2, BASE, PAGE, PAGE, data));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwptGetDirtyBitmap(f.ctx, new IommuHwptGetDirtyBitmap(
            IommuHwptGetDirtyBitmap.SIZE, hwpt, 0, 1, BASE, PAGE, PAGE, data)));
        assertErrno(Errno.ENOENT, () -> f.core.hwptGetDirtyBitmap(f.ctx,
            Requests.getDirtyBitmap(ioas, 0, BASE, PAGE, PAGE, data)));
    }

    @Test
    void range_errnos_iommufd_check_iova_range() {
        enable(hwpt);
        long data = f.buffer(PAGE);
        // a zero length wraps length - 1 for any IOVA but 0
        assertErrno(Errno.EOVERFLOW, () -> get(0, BASE, 0, PAGE, data));
        assertErrno(Errno.EOVERFLOW, () -> get(0, -PAGE, 2 * PAGE, PAGE, data));
        // the IOAS's alignment (PAGE with the mock's domain), at either end
        assertErrno(Errno.EINVAL, () -> get(0, BASE + 1, PAGE, PAGE, data));
        assertErrno(Errno.EINVAL, () -> get(0, BASE, PAGE + 1, PAGE, data));
        assertErrno(Errno.EINVAL, () -> get(0, BASE, PAGE, 0, data));
        // page_size alignment, at either end
        assertErrno(Errno.EINVAL, () -> get(0, BASE + PAGE, 4 * PAGE, 2 * PAGE, data));
        assertErrno(Errno.EINVAL, () -> get(0, BASE, 3 * PAGE, 2 * PAGE, data));
        // the range checks come before the dirty-ops check (iopt_read_and_clear_dirty_data)
        int plain = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        assertErrno(Errno.EINVAL, () -> f.core.hwptGetDirtyBitmap(f.ctx,
            Requests.getDirtyBitmap(plain, 0, BASE, PAGE, 0, data)));
    }

    @Test
    void a_zero_length_at_iova_0_passes_the_checks_and_reads_nothing() {
        enable(hwpt);
        domain.dmaWrite(BASE, PAGE);
        long data = f.buffer(PAGE);
        get(0, 0, 0, PAGE, data);
        assertThat(f.mem.read(data, 8)).isEqualTo(new byte[8]);
        assertThat(domain.dirty).as("nothing is mapped at IOVA 0: the walk stops at once").hasSize(1);
    }

    @Test
    void walk_failures_are_dropped_as_iommu_read_and_clear_dirty_does() {
        enable(hwpt);
        domain.dmaWrite(BASE + 2 * PAGE, PAGE);
        // a hole after the mapping: the bits up to it are set, then the walk stops, and the ioctl succeeds
        long data = f.buffer(PAGE);
        get(0, BASE, 32 * PAGE, PAGE, data);
        assertThat(f.mem.read(data, 4)).isEqualTo(bitmap(4, 2));
        // an unmapped bitmap: nothing pinned, nothing read or cleared, still success
        domain.dmaWrite(BASE + 4 * PAGE, PAGE);
        get(0, BASE, 16 * PAGE, PAGE, 0x7000_0000_0000L);
        assertThat(domain.dirty).contains(BASE + 4 * PAGE);
        // tracking off: the mock's read fails with EINVAL, which the kernel drops too
        f.core.hwptSetDirtyTracking(f.ctx, Requests.setDirtyTracking(0, hwpt));
        long off = f.buffer(PAGE);
        get(0, BASE, 16 * PAGE, PAGE, off);
        assertThat(f.mem.read(off, 2)).isEqualTo(bitmap(2));
    }

    @Test
    void a_window_of_512_bitmap_pages_then_the_next_iova_bitmap_get() {
        // 512 pinned pages hold 512 * 4096 * 8 bits; with a 1-byte page_size... use the smallest IOAS alignment
        // instead: a bitmap that starts in the last bytes of a page whose next page is unmapped still gets the
        // bits of its first page
        enable(hwpt);
        domain.dmaWrite(BASE, PAGE);
        domain.dmaWrite(BASE + 15 * PAGE, PAGE);
        long page = f.buffer(PAGE);
        long data = page + PAGE - 1;
        get(0, BASE, 16 * PAGE, PAGE, data);
        assertThat(f.mem.read(data, 1)[0]).as("page 0's bit, in the pinned page").isEqualTo((byte) 1);
        assertThat(domain.dirty).as("page 15 was read and cleared; its bit fell beyond the pin and was lost")
            .isEmpty();
    }

    @Test
    void the_byte_level_entry_runs_the_same_commands() {
        enable(hwpt);
        domain.dmaWrite(BASE + PAGE, PAGE);
        long data = f.buffer(PAGE);
        byte[] arg = Requests.getDirtyBitmap(hwpt, 0, BASE, 16 * PAGE, PAGE, data).encode();
        f.core.ioctl(f.ctx, org.smmuref.iommufd.uapi.IommufdCommand.HWPT_GET_DIRTY_BITMAP.ioctl(), UserBuffer.wrap(arg));
        assertThat(f.mem.read(data, 1)).isEqualTo(bitmap(1, 1));
    }

    @Test
    void dirty_tracking_at_alloc_needs_the_capability_iommufd_hwpt_paging_alloc() {
        int plainDev = f.bind(1);
        IommufdException e = assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwptAlloc(f.ctx,
            Requests.hwptAlloc(IOMMU_HWPT_ALLOC_DIRTY_TRACKING, plainDev, ioas)));
        assertThat(e).hasMessageContaining("dirty");
    }
}
