package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.IommuVfioIoas;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * IOMMU_VFIO_IOAS and the VFIO type1 container ioctls on the iommufd fd (drivers/iommu/iommufd/vfio_compat.c; the
 * selftest's vfio_compat_mock_domain). The structs are built and parsed here with their own little-endian code from
 * include/uapi/linux/vfio.h, not with the uapi records under test.
 */
class VfioCompatTest {
    // include/uapi/linux/vfio.h, written out: _IO(';', 100 + n)
    private static final int GET_API_VERSION = 0x3b64;
    private static final int CHECK_EXTENSION = 0x3b65;
    private static final int SET_IOMMU = 0x3b66;
    private static final int IOMMU_GET_INFO = 0x3b70;
    private static final int IOMMU_MAP_DMA = 0x3b71;
    private static final int IOMMU_UNMAP_DMA = 0x3b72;
    private static final int IOMMU_DIRTY_PAGES = 0x3b75;
    private static final int TYPE1 = 1;
    private static final int TYPE1V2 = 3;
    private static final int GET = 0;
    private static final int SET = 1;
    private static final int CLEAR = 2;

    private final CoreFixture f = new CoreFixture();

    private IommuVfioIoas vfioIoas(int op, int ioasId, int reserved) {
        return f.core.vfioIoas(f.ctx, new IommuVfioIoas(12, ioasId, op, reserved));
    }

    private long vfio(int request, long arg) {
        return f.core.vfioIoctl(f.ctx, request, arg);
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private long dmaMap(int argsz, int flags, long vaddr, long iova, long size) {
        return f.put(le(32).putInt(argsz).putInt(flags).putLong(vaddr).putLong(iova).putLong(size).array());
    }

    private long dmaUnmap(int argsz, int flags, long iova, long size) {
        return f.put(le(24).putInt(argsz).putInt(flags).putLong(iova).putLong(size).array());
    }

    private ByteBuffer readBack(long va, int length) {
        return ByteBuffer.wrap(f.mem.read(va, length)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private int compatIoasWithDevice() {
        int ioas = f.ioas();
        vfioIoas(SET, ioas, 0);
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        return ioas;
    }

    // ------------------------------------------------------------------ IOMMU_VFIO_IOAS

    @Test
    void vfio_ioas_get_set_clear() {
        // iommufd_vfio_ioas / get_compat_ioas: GET is ENODEV until SET, SET needs an IOAS, CLEAR forgets it
        assertErrno(Errno.ENODEV, () -> vfioIoas(GET, 0, 0));
        assertErrno(Errno.ENOENT, () -> vfioIoas(SET, 77, 0));
        int dev = f.bind(1);
        assertErrno(Errno.ENOENT, () -> vfioIoas(SET, dev, 0));
        int ioas = f.ioas();
        assertThat(vfioIoas(SET, ioas, 0).ioasId()).isEqualTo(ioas);
        assertThat(vfioIoas(GET, 0, 0).ioasId()).isEqualTo(ioas);
        int other = f.ioas();
        vfioIoas(SET, other, 0);
        assertThat(vfioIoas(GET, 0, 0).ioasId()).isEqualTo(other);
        vfioIoas(CLEAR, 0, 0);
        assertErrno(Errno.ENODEV, () -> vfioIoas(GET, 0, 0));
        vfioIoas(CLEAR, 0, 0);
    }

    @Test
    void vfio_ioas_reserved_and_unknown_op_are_eopnotsupp() {
        // iommufd_vfio_ioas: __reserved before the op, an unknown op after
        int ioas = f.ioas();
        assertErrno(Errno.EOPNOTSUPP, () -> vfioIoas(SET, ioas, 1));
        assertErrno(Errno.EOPNOTSUPP, () -> vfioIoas(3, ioas, 0));
        assertErrno(Errno.ENODEV, () -> vfioIoas(GET, 0, 0));
    }

    @Test
    void a_destroyed_compat_ioas_is_forgotten_even_when_its_id_is_reused() {
        // iommufd_object_remove clears ictx->vfio_ioas when that IOAS goes away
        int ioas = f.ioas();
        vfioIoas(SET, ioas, 0);
        f.destroy(ioas);
        assertErrno(Errno.ENODEV, () -> vfioIoas(GET, 0, 0));
        assertThat(f.ioas()).isEqualTo(ioas);
        assertErrno(Errno.ENODEV, () -> vfioIoas(GET, 0, 0));
        assertErrno(Errno.ENODEV, () -> vfio(SET_IOMMU, TYPE1V2));
    }

    @Test
    void vfio_ioas_through_the_byte_level_ioctl() {
        // IOCTL_OP(IOMMU_VFIO_IOAS, ..., __reserved): the generic size rules, then the handler
        int ioas = f.ioas();
        byte[] arg = le(12).putInt(12).putInt(ioas).putShort((short) SET).putShort((short) 0).array();
        f.core.ioctl(f.ctx, IommufdConstants.ioctl(0x88), UserBuffer.wrap(arg));
        assertThat(vfioIoas(GET, 0, 0).ioasId()).isEqualTo(ioas);
    }

    // ------------------------------------------------------------------ version, extensions, SET_IOMMU

    @Test
    void api_version_and_extensions() {
        // iommufd_vfio_ioctl: VFIO_GET_API_VERSION is VFIO_API_VERSION (0); iommufd_vfio_check_extension
        assertThat(vfio(GET_API_VERSION, 0)).isZero();
        assertThat(vfio(CHECK_EXTENSION, TYPE1)).isEqualTo(1);
        assertThat(vfio(CHECK_EXTENSION, TYPE1V2)).isEqualTo(1);
        assertThat(vfio(CHECK_EXTENSION, 9)).as("VFIO_UNMAP_ALL").isEqualTo(1);
        assertThat(vfio(CHECK_EXTENSION, 6)).as("VFIO_TYPE1_NESTING_IOMMU").isZero();
        assertThat(vfio(CHECK_EXTENSION, 10)).as("VFIO_UPDATE_VADDR").isZero();
        assertThat(vfio(CHECK_EXTENSION, 2)).as("VFIO_SPAPR_TCE_IOMMU").isZero();
        assertThat(vfio(CHECK_EXTENSION, 8)).as("VFIO_NOIOMMU_IOMMU").isZero();
        assertThat(vfio(CHECK_EXTENSION, 1L << 40)).isZero();
    }

    @Test
    void dma_cc_iommu_asks_the_compat_ioas_domains() {
        // iommufd_vfio_cc_iommu: ENODEV without the IOAS; 1 unless a HWPT does not enforce coherency
        assertErrno(Errno.ENODEV, () -> vfio(CHECK_EXTENSION, 4));
        int ioas = f.ioas();
        vfioIoas(SET, ioas, 0);
        assertThat(vfio(CHECK_EXTENSION, 4)).isEqualTo(1);
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        assertThat(vfio(CHECK_EXTENSION, 4)).as("the mock's domains promise no coherency").isZero();
    }

    @Test
    void unknown_vfio_requests_are_enotty() {
        // iommufd_vfio_ioctl: VFIO_IOMMU_DIRTY_PAGES and the rest are ENOIOCTLCMD, ENOTTY at the fd
        assertErrno(Errno.ENOTTY, () -> vfio(IOMMU_DIRTY_PAGES, 0));
        assertErrno(Errno.ENOTTY, () -> vfio(0x3b67, 0));
        assertErrno(Errno.ENOTTY, () -> vfio(IommufdConstants.ioctl(0x80), 0));
    }

    @Test
    void set_iommu_takes_the_type_as_an_integer() {
        // iommufd_vfio_set_iommu: EINVAL for another type before ENODEV; TYPE1 disables large pages
        assertErrno(Errno.EINVAL, () -> vfio(SET_IOMMU, 2));
        assertErrno(Errno.ENODEV, () -> vfio(SET_IOMMU, TYPE1V2));
        int ioas = f.ioas();
        vfioIoas(SET, ioas, 0);
        assertThat(vfio(SET_IOMMU, TYPE1V2)).isZero();
        assertThat(hugePages(ioas)).isEqualTo(1);
        assertThat(vfio(SET_IOMMU, TYPE1)).isZero();
        assertThat(hugePages(ioas)).isZero();
    }

    @Test
    void set_iommu_type1_refuses_what_iopt_disable_large_pages_refuses() {
        // iopt_disable_large_pages: EINVAL while domains hold mappings
        int ioas = compatIoasWithDevice();
        f.mapFixed(ioas, f.buffer(PAGE), PAGE, 1L << 24);
        assertErrno(Errno.EINVAL, () -> vfio(SET_IOMMU, TYPE1));
        assertThat(hugePages(ioas)).isEqualTo(1);
    }

    private long hugePages(int ioas) {
        return f.core.option(f.ctx, Requests.option(IommufdConstants.IOMMU_OPTION_HUGE_PAGES,
            IommufdConstants.IOMMU_OPTION_OP_GET, 0, ioas, 0)).val64();
    }

    // ------------------------------------------------------------------ GET_INFO

    @Test
    void get_info_argument_errors() {
        // iommufd_vfio_iommu_get_info: copy_from_user of 16 bytes (EFAULT), argsz < 16 (EINVAL), then the IOAS
        assertErrno(Errno.EFAULT, () -> vfio(IOMMU_GET_INFO, 0x1000));
        long small = f.put(le(24).putInt(15).array());
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_GET_INFO, small));
        long ok = f.put(le(24).putInt(24).array());
        assertErrno(Errno.ENODEV, () -> vfio(IOMMU_GET_INFO, ok));
    }

    @Test
    void get_info_with_room_for_the_whole_chain() {
        int ioas = compatIoasWithDevice();
        long arg = f.put(le(PAGE).putInt(PAGE).array());
        assertThat(vfio(IOMMU_GET_INFO, arg)).isZero();
        ByteBuffer b = readBack(arg, 24 + 12 + 16 + 16);
        List<IovaRange> holes = List.of(MockIommu.APERTURE);
        int total = 24 + 12 + 16 + 16 * holes.size();
        assertThat(b.getInt(0)).as("argsz = the whole chain").isEqualTo(total);
        assertThat(b.getInt(4)).as("PGSIZES | CAPS").isEqualTo(3);
        assertThat(b.getLong(8)).as("iommufd_get_pagesizes of the mock domain").isEqualTo(PAGE | (1L << 21));
        assertThat(b.getInt(16)).as("cap_offset").isEqualTo(24);
        // DMA_AVAIL at 24: id 3, version 1, next -> the IOVA_RANGE capability at 36, avail U32_MAX
        assertThat(b.getShort(24)).isEqualTo((short) 3);
        assertThat(b.getShort(26)).isEqualTo((short) 1);
        assertThat(b.getInt(28)).isEqualTo(36);
        assertThat(b.getInt(32)).isEqualTo(-1);
        // IOVA_RANGE at 36: id 1, version 1, next 0, nr_iovas, then the holes of the reserved ranges
        assertThat(b.getShort(36)).isEqualTo((short) 1);
        assertThat(b.getShort(38)).isEqualTo((short) 1);
        assertThat(b.getInt(40)).isZero();
        assertThat(b.getInt(44)).isEqualTo(holes.size());
        assertThat(b.getLong(52)).isEqualTo(holes.get(0).start());
        assertThat(b.getLong(60)).isEqualTo(holes.get(0).last());
        assertThat(ioas).isPositive();
    }

    @Test
    void get_info_pagesizes_without_a_domain() {
        // iommufd_get_pagesizes: ULONG_MAX with bits below PAGE_SIZE cleared and PAGE_SIZE set
        int ioas = f.ioas();
        vfioIoas(SET, ioas, 0);
        long arg = f.put(le(PAGE).putInt(PAGE).array());
        vfio(IOMMU_GET_INFO, arg);
        ByteBuffer b = readBack(arg, 24 + 12 + 16 + 16);
        assertThat(b.getLong(8)).isEqualTo(-(long) PAGE);
        assertThat(b.getInt(44)).as("one hole: the whole space").isEqualTo(1);
        assertThat(b.getLong(52)).isZero();
        assertThat(b.getLong(60)).isEqualTo(-1L);
    }

    @Test
    void get_info_with_a_short_argsz_writes_only_what_fits() {
        compatIoasWithDevice();
        // argsz 16: only the first 16 bytes come back; argsz tells the size needed, cap_offset stays unwritten
        long arg16 = f.put(le(64).putInt(16).putInt(0).putLong(0).putInt(0x5a5a5a5a).putInt(0x7b7b7b7b)
            .array());
        vfio(IOMMU_GET_INFO, arg16);
        ByteBuffer b = readBack(arg16, 64);
        assertThat(b.getInt(0)).isEqualTo(24 + 12 + 32);
        assertThat(b.getInt(4)).isEqualTo(3);
        assertThat(b.getInt(16)).as("beyond argsz: untouched").isEqualTo(0x5a5a5a5a);
        assertThat(b.getInt(24)).as("no capability written").isZero();

        // argsz 40: room for DMA_AVAIL (and its next) but not the IOVA ranges; cap_offset 0
        long arg40 = f.put(le(64).putInt(40).array());
        vfio(IOMMU_GET_INFO, arg40);
        b = readBack(arg40, 64);
        assertThat(b.getInt(0)).isEqualTo(24 + 12 + 32);
        assertThat(b.getInt(16)).as("cap_offset: not all fit").isZero();
        assertThat(b.getShort(24)).isEqualTo((short) 3);
        assertThat(b.getInt(28)).as("next written: argsz covers the chain so far").isEqualTo(36);
        assertThat(b.getShort(36)).as("the IOVA_RANGE header did not fit").isZero();
    }

    // ------------------------------------------------------------------ MAP_DMA / UNMAP_DMA

    @Test
    void map_dma_argument_errors() {
        // iommufd_vfio_map_dma: EFAULT, then argsz < 32 or flags beyond READ|WRITE (VADDR included) EINVAL, ENODEV
        long va = f.buffer(PAGE);
        assertErrno(Errno.EFAULT, () -> vfio(IOMMU_MAP_DMA, 0x2000));
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_MAP_DMA, dmaMap(31, 3, va, 1L << 24, PAGE)));
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_MAP_DMA, dmaMap(32, 3 | 4, va, 1L << 24, PAGE)));
        assertErrno(Errno.ENODEV, () -> vfio(IOMMU_MAP_DMA, dmaMap(32, 3, va, 1L << 24, PAGE)));
    }

    @Test
    void map_dma_maps_at_the_fixed_iova_with_iopt_map_user_pages_rules() {
        int ioas = compatIoasWithDevice();
        long va = f.buffer(2 * PAGE);
        assertThat(vfio(IOMMU_MAP_DMA, dmaMap(32, 3, va, 1L << 24, 2 * PAGE))).isZero();
        assertThat(f.core.mappedAreas(f.ctx, ioas)).containsExactly(IovaRange.ofLength(1L << 24, 2 * PAGE));
        assertThat(f.iommu0.pagingDomains.get(0).pages).hasSize(2);
        // iopt_check_iova: EEXIST over a mapping, EINVAL outside the domain's aperture (reserved)
        assertErrno(Errno.EEXIST, () -> vfio(IOMMU_MAP_DMA, dmaMap(32, 3, va, 1L << 24, PAGE)));
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_MAP_DMA, dmaMap(32, 3, va, PAGE, PAGE)));
        // iopt_alloc_pages: length 0 is EINVAL; pinning unmapped memory is EFAULT
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_MAP_DMA, dmaMap(32, 3, va, 1L << 25, 0)));
        assertErrno(Errno.EFAULT, () -> vfio(IOMMU_MAP_DMA, dmaMap(32, 3, 0x7000_0000L, 1L << 25, PAGE)));
    }

    @Test
    void unmap_dma_argument_errors_and_unmap_all() {
        // iommufd_vfio_unmap_dma: argsz / flags EINVAL (GET_DIRTY_BITMAP and VADDR refused), ENODEV, ALL rules
        assertErrno(Errno.EFAULT, () -> vfio(IOMMU_UNMAP_DMA, 0x3000));
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_UNMAP_DMA, dmaUnmap(23, 0, 0, 0)));
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_UNMAP_DMA, dmaUnmap(24, 1, 0, 0)));
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_UNMAP_DMA, dmaUnmap(24, 4, 0, 0)));
        assertErrno(Errno.ENODEV, () -> vfio(IOMMU_UNMAP_DMA, dmaUnmap(24, 2, 0, 0)));
        int ioas = compatIoasWithDevice();
        f.mapFixed(ioas, f.buffer(PAGE), PAGE, 1L << 24);
        f.mapFixed(ioas, f.buffer(PAGE), PAGE, 1L << 25);
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_UNMAP_DMA, dmaUnmap(24, 2, 1L << 24, 0)));
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_UNMAP_DMA, dmaUnmap(24, 2, 0, PAGE)));
        long arg = dmaUnmap(24, 2, 0, 0);
        vfio(IOMMU_UNMAP_DMA, arg);
        assertThat(readBack(arg, 24).getLong(16)).as("size = bytes unmapped").isEqualTo(2 * PAGE);
        assertThat(f.core.mappedAreas(f.ctx, ioas)).isEmpty();
        assertThat(f.mem.totalPins()).isZero();
    }

    @Test
    void type1v2_cannot_unmap_part_of_a_mapping() {
        // iopt_unmap_iova: a range that would split an area is ENOENT; size comes back as 0
        int ioas = compatIoasWithDevice();
        f.mapFixed(ioas, f.buffer(4 * PAGE), 4 * PAGE, 1L << 24);
        long arg = dmaUnmap(24, 0, (1L << 24) + PAGE, PAGE);
        assertErrno(Errno.ENOENT, () -> vfio(IOMMU_UNMAP_DMA, arg));
        assertThat(readBack(arg, 24).getLong(16)).isZero();
        long whole = dmaUnmap(24, 0, 1L << 24, 4 * PAGE);
        vfio(IOMMU_UNMAP_DMA, whole);
        assertThat(readBack(whole, 24).getLong(16)).isEqualTo(4 * PAGE);
    }

    @Test
    void type1_cuts_mappings_so_any_range_can_be_unmapped() {
        // iommufd_vfio_set_iommu(TYPE1) disables large pages; iommufd_vfio_unmap_dma then iopt_cut_iova's both ends
        int ioas = f.ioas();
        vfioIoas(SET, ioas, 0);
        vfio(SET_IOMMU, TYPE1);
        f.core.attachDevice(f.ctx, f.bind(1), ioas);
        long va = f.buffer(4 * PAGE);
        vfio(IOMMU_MAP_DMA, dmaMap(32, 3, va, 1L << 24, 4 * PAGE));
        assertThat(f.mem.totalPins()).isEqualTo(4);
        long arg = dmaUnmap(24, 0, (1L << 24) + PAGE, 2 * PAGE);
        vfio(IOMMU_UNMAP_DMA, arg);
        assertThat(readBack(arg, 24).getLong(16)).isEqualTo(2 * PAGE);
        assertThat(f.core.mappedAreas(f.ctx, ioas)).containsExactly(IovaRange.ofLength(1L << 24, PAGE),
            IovaRange.ofLength((1L << 24) + 3 * PAGE, PAGE));
        assertThat(f.mem.totalPins()).as("the middle pages are unpinned, the ends stay").isEqualTo(2);
        assertThat(f.iommu0.pagingDomains.get(0).pages.keySet()).containsExactly(1L << 24, (1L << 24) + 3 * PAGE);
        // iopt_area_split: a cut that is not aligned to the IOAS's PAGE_SIZE alignment is EINVAL
        assertErrno(Errno.EINVAL, () -> vfio(IOMMU_UNMAP_DMA, dmaUnmap(24, 0, (1L << 24) + 3 * PAGE + 512, 512)));
        vfio(IOMMU_UNMAP_DMA, dmaUnmap(24, 2, 0, 0));
        assertThat(f.mem.totalPins()).isZero();
    }
}
