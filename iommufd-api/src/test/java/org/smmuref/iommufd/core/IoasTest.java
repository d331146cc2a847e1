package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.FIXED_RW;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.RW;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuIoasIovaRanges;
import org.smmuref.iommufd.uapi.IommufdConstants;

/** IOAS_ALLOC / MAP / UNMAP / COPY / IOVA_RANGES / ALLOW_IOVAS errno paths and domain synchronisation. */
class IoasTest {
    private static final long U64_MAX = -1L;
    private final CoreFixture f = new CoreFixture();
    private final int ioas = f.ioas();

    @Test
    void ioas_alloc_with_flags_is_eopnotsupp() {
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.ioasAlloc(f.ctx, Requests.ioasAlloc(1)).outIoasId());
    }

    // ------------------------------------------------------------------ MAP

    @Test
    void map_checks_flags_and_reserved_first_then_overflow_then_permissions_then_the_ioas() {
        long va = f.buffer(PAGE);
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.ioasMap(f.ctx, Requests.ioasMap(RW | 8, 99, 0, va, PAGE, 0)));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.ioasMap(f.ctx, Requests.ioasMap(RW, 99, 1, va, PAGE, 0)));
        assertErrno(Errno.EOVERFLOW, () -> f.core.ioasMap(f.ctx, Requests.ioasMap(0, 99, 0, va, PAGE, U64_MAX)));
        assertErrno(Errno.EOVERFLOW, () -> f.core.ioasMap(f.ctx, Requests.ioasMap(0, 99, 0, va, U64_MAX, 0)));
        assertErrno(Errno.EINVAL, () -> f.core.ioasMap(f.ctx, Requests.ioasMap(IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA,
            99, 0, va, PAGE, 0)));
        assertErrno(Errno.ENOENT, () -> f.core.ioasMap(f.ctx, Requests.ioasMap(RW, 99, 0, va, PAGE, 0)));
    }

    @Test
    void with_a_domain_map_rejects_zero_length_unaligned_and_wrapping_ranges() {
        // iopt_check_iova / iopt_alloc_area_pages / iopt_insert_area against the domain's 4 KiB alignment
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(1), ioas));
        long va = f.buffer(2 * PAGE);
        assertErrno(Errno.EINVAL, () -> f.mapFixed(ioas, va, 0, 1L << 24));
        assertErrno(Errno.EINVAL, () -> f.mapFixed(ioas, va, PAGE, (1L << 24) + 1));
        assertErrno(Errno.EINVAL, () -> f.mapFixed(ioas, va, 100, 1L << 24));
        assertErrno(Errno.EINVAL, () -> f.mapFixed(ioas, va + 8, PAGE, 1L << 24));
        assertErrno(Errno.EINVAL, () -> f.mapAnywhere(ioas, va + 8, PAGE));
        assertErrno(Errno.EOVERFLOW, () -> f.mapFixed(ioas, va, 2 * PAGE, -PAGE));
        assertThat(f.core.mappedAreas(f.ctx, ioas)).isEmpty();
    }

    @Test
    void without_a_domain_the_alignment_is_one_and_sub_page_ranges_map() {
        // iopt_init_table starts at iova_alignment 1; iopt_check_iova and iopt_insert_area then accept any offset
        long va = f.buffer(2 * PAGE);
        assertThat(rangesReply(ioas).outIovaAlignment()).isEqualTo(1);
        assertErrno(Errno.EINVAL, () -> f.mapFixed(ioas, va, 0, 0x100000));
        assertThat(f.mapFixed(ioas, va + 8, 100, 0x100001)).isEqualTo(0x100001);
        assertThat(f.core.mappedAreas(f.ctx, ioas)).containsExactly(IovaRange.ofLength(0x100001, 100));
        assertErrno(Errno.EOVERFLOW, () -> f.mapFixed(ioas, va, 2 * PAGE, -PAGE));
    }

    @Test
    void an_allocated_iova_carries_the_user_address_offset_in_its_page() {
        // iopt_alloc_iova: ALIGN(hole, min(roundup_pow_of_two(length), 1 << ffs(uptr))) | (uptr % PAGE_SIZE)
        long va = f.buffer(4 * PAGE);
        long iova = f.mapAnywhere(ioas, va + 0x800, 2 * PAGE);
        assertThat(iova % PAGE).isEqualTo(0x800);
        assertThat(iova).isGreaterThanOrEqualTo(PAGE);
        long small = f.mapAnywhere(ioas, va + 0x10, 0x10);
        assertThat(small & 0xfff).isEqualTo(0x10);
        assertThat(f.core.mappedAreas(f.ctx, ioas)).contains(IovaRange.ofLength(iova, 2 * PAGE),
            IovaRange.ofLength(small, 0x10));
    }

    @Test
    void a_huge_lazy_mapping_gets_an_iova_aligned_to_2_to_the_63() {
        // iopt_alloc_iova in unsigned arithmetic: roundup_pow_of_two(2^62 + 4 KiB) = 2^63; nothing is pinned
        assertThat(f.mapAnywhere(ioas, 0, (1L << 62) + PAGE)).isEqualTo(1L << 63);
        assertErrno(Errno.EOVERFLOW, () -> f.mapAnywhere(ioas, 0, Long.MAX_VALUE));
        assertThat(f.mem.totalPins()).isZero();
    }

    @Test
    void the_area_keeps_the_page_offset_and_a_4k_domain_maps_the_offset_into_the_page() {
        // iopt_insert_area keeps page_offset; the domain gets the backing page's address plus that offset
        f.core.option(f.ctx, Requests.option(IommufdConstants.IOMMU_OPTION_HUGE_PAGES,
            IommufdConstants.IOMMU_OPTION_OP_SET, 0, ioas, 0));
        assertThat(rangesReply(ioas).outIovaAlignment()).isEqualTo(PAGE);
        long va = f.buffer(2 * PAGE);
        assertErrno(Errno.EINVAL, () -> f.mapFixed(ioas, va + 0x800, PAGE, 1L << 24));
        f.core.option(f.ctx, Requests.option(IommufdConstants.IOMMU_OPTION_HUGE_PAGES,
            IommufdConstants.IOMMU_OPTION_OP_SET, 0, ioas, 1));
        assertThat(rangesReply(ioas).outIovaAlignment()).isEqualTo(1);
        f.mapFixed(ioas, va + 0x800, PAGE, (1L << 24) + 0x800);
        // a 4 KiB domain cannot take an area at a sub-page offset: iopt_check_iova_alignment's EADDRINUSE
        int dev = f.bind(1);
        assertErrno(Errno.EADDRINUSE, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)));
        assertThat(f.mem.totalPins()).isZero();
    }

    @Test
    void map_without_a_domain_takes_only_a_reference_and_attach_pins_or_fails_with_efault() {
        // iopt_map_user_pages sets up a lazy reference; iopt_table_add_domain -> iopt_fill_domain pins
        long va = f.buffer(PAGE);
        f.mapFixed(ioas, va, 2 * PAGE, 1L << 24); // the second page is the guard page: nothing mapped there
        assertThat(f.mem.totalPins()).isZero();
        int dev = f.bind(1);
        assertErrno(Errno.EFAULT, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)));
        assertThat(f.iommu0.pagingDomains).allSatisfy(p -> assertThat(p.pages).isEmpty());
        assertThat(f.mem.totalPins()).isZero();
        assertThat(rangesReply(ioas).outIovaAlignment()).isEqualTo(1);
        assertErrno(Errno.EFAULT, () -> f.core.attachDevice(f.ctx, dev, ioas));
        f.unmap(ioas, 0, U64_MAX);
        f.mapFixed(ioas, va, PAGE, 1L << 24);
        f.core.attachDevice(f.ctx, dev, ioas);
        assertThat(f.mem.totalPins()).isEqualTo(1);
        assertThat(rangesReply(ioas).outIovaAlignment()).isEqualTo(PAGE);
    }

    @Test
    void map_with_a_domain_pins_at_once_and_unmapped_user_memory_is_efault_leaving_nothing() {
        // iopt_map_pages -> iopt_area_fill_domains pins when a domain exists
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(1), ioas));
        long va = f.buffer(PAGE);
        assertErrno(Errno.EFAULT, () -> f.mapFixed(ioas, va, 2 * PAGE, 1L << 24));
        assertThat(f.core.mappedAreas(f.ctx, ioas)).isEmpty();
        assertThat(f.mem.totalPins()).isZero();
        f.mapFixed(ioas, va, PAGE, 1L << 24);
        assertThat(f.mem.totalPins()).isEqualTo(1);
    }

    @Test
    void removing_the_last_domain_unpins_and_lowers_the_alignment_again() {
        // iopt_table_remove_domain: iopt_unfill_domain unpins, iopt_calculate_iova_alignment drops back to 1
        int dev = f.bind(1);
        long va = f.buffer(2 * PAGE);
        f.mapFixed(ioas, va, 2 * PAGE, 1L << 24);
        int hwpt = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        assertThat(f.mem.totalPins()).isEqualTo(2);
        f.destroy(hwpt);
        assertThat(f.mem.totalPins()).isZero();
        assertThat(rangesReply(ioas).outIovaAlignment()).isEqualTo(1);
    }

    @Test
    void a_fixed_map_over_an_existing_one_is_eexist() {
        long va = f.buffer(4 * PAGE);
        f.mapFixed(ioas, va, 2 * PAGE, 0x100000);
        assertErrno(Errno.EEXIST, () -> f.mapFixed(ioas, va, 2 * PAGE, 0x100000 + PAGE));
        assertErrno(Errno.EEXIST, () -> f.mapFixed(ioas, va, 4 * PAGE, 0x100000 - PAGE));
        f.mapFixed(ioas, va, 2 * PAGE, 0x100000 + 2 * PAGE);
    }

    @Test
    void an_allocated_iova_is_aligned_to_the_rounded_size_and_never_overlaps() {
        long va = f.buffer(8 * PAGE);
        f.mapFixed(ioas, va, PAGE, PAGE);
        long a = f.mapAnywhere(ioas, va, 3 * PAGE);
        long b = f.mapAnywhere(ioas, va, 3 * PAGE);
        assertThat(a % (4 * PAGE)).isZero();
        assertThat(b % (4 * PAGE)).isZero();
        assertThat(IovaRange.ofLength(a, 3 * PAGE).intersects(IovaRange.ofLength(b, 3 * PAGE))).isFalse();
        assertThat(a).isNotEqualTo(PAGE);
    }

    @Test
    void allocation_stays_inside_the_allowed_ranges_and_fails_with_enospc_when_full() {
        allow(new IovaRange(0x200000, 0x200000 + 2 * PAGE - 1));
        long va = f.buffer(2 * PAGE);
        assertThat(f.mapAnywhere(ioas, va, PAGE)).isEqualTo(0x200000);
        assertThat(f.mapAnywhere(ioas, va, PAGE)).isEqualTo(0x200000 + PAGE);
        assertErrno(Errno.ENOSPC, () -> f.mapAnywhere(ioas, va, PAGE));
    }

    @Test
    void mapped_pages_are_pinned_until_unmapped_even_if_the_process_unmaps_them() {
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(1), ioas));
        long va = f.buffer(2 * PAGE);
        f.mem.write(va, new byte[] {42});
        long[] pages = f.mem.pin(va, PAGE);
        f.mem.unpin(pages);
        f.mapFixed(ioas, va, 2 * PAGE, 1L << 24);
        assertThat(f.mem.pinCount(pages[0])).isEqualTo(1);
        f.mem.munmap(va, 2 * PAGE);
        assertThat(f.mem.readPage(pages[0], 0, 1)).containsExactly(42);
        assertThat(f.unmap(ioas, 1L << 24, 2 * PAGE)).isEqualTo(2 * PAGE);
        assertThat(f.mem.livePages()).isZero();
    }

    // ------------------------------------------------------------------ UNMAP

    @Test
    void unmap_of_nothing_or_a_split_is_enoent_and_whole_areas_return_their_bytes() {
        long va = f.buffer(4 * PAGE);
        assertErrno(Errno.ENOENT, () -> f.unmap(ioas, 0x100000, PAGE));
        f.mapFixed(ioas, va, 2 * PAGE, 0x100000);
        f.mapFixed(ioas, va + 2 * PAGE, 2 * PAGE, 0x100000 + 2 * PAGE);
        assertErrno(Errno.ENOENT, () -> f.unmap(ioas, 0x100000, PAGE));
        assertErrno(Errno.ENOENT, () -> f.unmap(ioas, 0x100000, 3 * PAGE));
        assertErrno(Errno.ENOENT, () -> f.unmap(ioas, 0x100000 + PAGE, 2 * PAGE));
        assertThat(f.core.mappedAreas(f.ctx, ioas)).hasSize(2);
        assertThat(f.unmap(ioas, 0x100000 - PAGE, 6 * PAGE)).isEqualTo(4 * PAGE);
        assertThat(f.core.mappedAreas(f.ctx, ioas)).isEmpty();
    }

    @Test
    void unmap_checks_the_ioas_then_overflow_then_length() {
        assertErrno(Errno.ENOENT, () -> f.unmap(99, U64_MAX, 1));
        assertErrno(Errno.EOVERFLOW, () -> f.unmap(ioas, U64_MAX, 1));
        assertErrno(Errno.EOVERFLOW, () -> f.unmap(ioas, 1, U64_MAX));
        assertErrno(Errno.EOVERFLOW, () -> f.unmap(ioas, -PAGE, 2 * PAGE));
        assertErrno(Errno.EINVAL, () -> f.unmap(ioas, PAGE, 0));
    }

    @Test
    void unmap_all_works_twice_and_when_empty() {
        long va = f.buffer(2 * PAGE);
        f.mapFixed(ioas, va, PAGE, 0x100000);
        f.mapFixed(ioas, va + PAGE, PAGE, 0x300000);
        assertThat(f.unmap(ioas, 0, U64_MAX)).isEqualTo(2 * PAGE);
        assertThat(f.unmap(ioas, 0, U64_MAX)).isZero();
    }

    // ------------------------------------------------------------------ COPY

    @Test
    void copy_shares_pages_across_ioases_and_keeps_them_pinned_until_both_are_gone() {
        int dst = f.ioas();
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(1), ioas));
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(2), dst));
        long va = f.buffer(4 * PAGE);
        long base = 1L << 24;
        f.mapFixed(ioas, va, 2 * PAGE, base);
        f.mapFixed(ioas, va + 2 * PAGE, 2 * PAGE, base + 2 * PAGE);
        long at = f.core.ioasCopy(f.ctx, Requests.ioasCopy(FIXED_RW, dst, ioas, 2 * PAGE, base + 0x500000, base + PAGE))
            .dstIova();
        assertThat(at).isEqualTo(base + 0x500000);
        assertThat(f.core.mappedAreas(f.ctx, dst)).containsExactly(IovaRange.ofLength(base + 0x500000, PAGE),
            IovaRange.ofLength(base + 0x500000 + PAGE, PAGE));
        assertThat(f.mem.totalPins()).isEqualTo(4);
        f.unmap(ioas, 0, U64_MAX);
        // pins are per page (pages.c): only the two copied pages stay pinned, by the destination's domain
        assertThat(f.mem.totalPins()).isEqualTo(2);
        f.unmap(dst, 0, U64_MAX);
        assertThat(f.mem.totalPins()).isZero();
    }

    @Test
    void a_writeable_copy_of_a_read_only_mapping_is_eperm() {
        // iopt_insert_area: (iommu_prot & IOMMU_WRITE) && !pages->writable
        int dst = f.ioas();
        long va = f.buffer(PAGE);
        f.core.ioasMap(f.ctx, Requests.ioasMap(IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA
            | IommufdConstants.IOMMU_IOAS_MAP_READABLE, ioas, 0, va, PAGE, 1L << 24));
        assertErrno(Errno.EPERM, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(RW, dst, ioas, PAGE, 0, 1L << 24)));
        assertThat(f.core.mappedAreas(f.ctx, dst)).isEmpty();
        f.core.ioasCopy(f.ctx, Requests.ioasCopy(IommufdConstants.IOMMU_IOAS_MAP_READABLE, dst, ioas, PAGE, 0,
            1L << 24));
        assertThat(f.core.mappedAreas(f.ctx, dst)).hasSize(1);
    }

    @Test
    void copy_of_an_unaligned_source_range_is_fine_and_the_destination_checks_its_own_alignment() {
        // iopt_get_pages has no alignment rule; iopt_alloc_area_pages / iopt_insert_area check the destination's
        int dst = f.ioas();
        long va = f.buffer(2 * PAGE);
        f.mapFixed(ioas, va, 2 * PAGE, 1L << 24);
        long src = (1L << 24) + 0x800;
        long anywhere = f.core.ioasCopy(f.ctx, Requests.ioasCopy(RW, dst, ioas, PAGE, 0, src)).dstIova();
        assertThat(anywhere % PAGE).isEqualTo(0x800);
        assertErrno(Errno.ENOENT, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(RW, dst, ioas, 2 * PAGE, 0, src)));
        int aligned = f.ioas();
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(1), aligned));
        assertErrno(Errno.EINVAL, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(FIXED_RW, aligned, ioas, PAGE,
            1L << 25, src)));
        assertErrno(Errno.EINVAL, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(RW, aligned, ioas, PAGE, 0, src)));
        assertErrno(Errno.EINVAL, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(FIXED_RW, aligned, ioas, 0x800,
            1L << 25, 1L << 24)));
        assertThat(f.core.ioasCopy(f.ctx, Requests.ioasCopy(FIXED_RW, aligned, ioas, PAGE, 1L << 25, 1L << 24))
            .dstIova()).isEqualTo(1L << 25);
    }

    @Test
    void copy_errnos_follow_the_kernel_order() {
        int dst = f.ioas();
        long va = f.buffer(2 * PAGE);
        f.mapFixed(ioas, va, PAGE, 0x100000);
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(16, dst, ioas, PAGE, 0, 0x100000)));
        assertErrno(Errno.EOVERFLOW, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(RW, dst, ioas, U64_MAX, 0, 0)));
        assertErrno(Errno.EINVAL, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(0, dst, ioas, PAGE, 0, 0x100000)));
        assertErrno(Errno.ENOENT, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(RW, dst, 99, PAGE, 0, 0x100000)));
        assertErrno(Errno.ENOENT, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(RW, dst, ioas, 2 * PAGE, 0, 0x100000)));
        assertErrno(Errno.ENOENT, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(RW, 99, ioas, PAGE, 0, 0x100000)));
        f.mapFixed(dst, va + PAGE, PAGE, 0x700000);
        assertErrno(Errno.EEXIST, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(FIXED_RW, dst, ioas, PAGE, 0x700000,
            0x100000)));
    }

    // ------------------------------------------------------------------ IOVA_RANGES and ALLOW_IOVAS

    @Test
    void iova_ranges_reports_everything_without_domains_and_the_aperture_with_one() {
        assertThat(ranges(ioas)).containsExactly(IovaRange.ALL);
        assertThat(rangesReply(ioas).outIovaAlignment()).isEqualTo(1);
        int dev = f.bind(1);
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas));
        assertThat(ranges(ioas)).containsExactly(MockIommu.APERTURE);
        assertThat(rangesReply(ioas).outIovaAlignment()).isEqualTo(PAGE);
    }

    @Test
    void iova_ranges_ignores_the_allowed_ranges() {
        // iommufd_ioas_iova_ranges walks the holes of reserved_itree over [0, ULONG_MAX] only
        allow(new IovaRange(0x100000, 0x1fffff));
        assertThat(ranges(ioas)).containsExactly(IovaRange.ALL);
    }

    @Test
    void iova_ranges_with_a_small_array_is_emsgsize_with_the_needed_count() {
        // the device's reserved region splits the space into two holes
        f.iommu0.addDevice(9, DeviceCapabilities.NONE,
            List.of(new IovaRange(0x2000000, 0x2ffffff)));
        f.core.attachDevice(f.ctx, f.core.bindDevice(f.ctx, 0, 9), ioas);
        long out = f.buffer(PAGE);
        IommufdException e = assertErrno(Errno.EMSGSIZE, () -> f.core.ioasIovaRanges(f.ctx,
            Requests.ioasIovaRanges(ioas, 1, 0, out)));
        IommuIoasIovaRanges written = e.reply(IommuIoasIovaRanges.class).orElseThrow();
        assertThat(written.numIovas()).isEqualTo(2);
        assertThat(written.outIovaAlignment()).isEqualTo(PAGE);
        assertThat(readRanges(out, 1)).containsExactly(new IovaRange(1L << 24, 0x1ffffff));
        IommuIoasIovaRanges probe = assertErrno(Errno.EMSGSIZE, () -> f.core.ioasIovaRanges(f.ctx,
            Requests.ioasIovaRanges(ioas, 0, 0, 0))).reply(IommuIoasIovaRanges.class).orElseThrow();
        assertThat(probe.numIovas()).isEqualTo(2);
    }

    @Test
    void iova_ranges_errnos() {
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.ioasIovaRanges(f.ctx, Requests.ioasIovaRanges(ioas, 0, 1, 0)));
        assertErrno(Errno.ENOENT, () -> f.core.ioasIovaRanges(f.ctx, Requests.ioasIovaRanges(99, 0, 0, 0)));
        assertErrno(Errno.EFAULT, () -> f.core.ioasIovaRanges(f.ctx, Requests.ioasIovaRanges(ioas, 1, 0, 0x40)));
    }

    @Test
    void allow_iovas_rejects_reserved_overlap_bad_ranges_and_conflicts_with_reservations() {
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.ioasAllowIovas(f.ctx, Requests.ioasAllowIovas(ioas, 0, 1, 0)));
        assertErrno(Errno.ENOENT, () -> f.core.ioasAllowIovas(f.ctx, Requests.ioasAllowIovas(99, 0, 0, 0)));
        assertErrno(Errno.EINVAL, () -> allow(new IovaRange(0x1000, 0x2fff), new IovaRange(0x2000, 0x4fff)));
        long bad = f.put(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(4).array());
        assertErrno(Errno.EINVAL, () -> f.core.ioasAllowIovas(f.ctx, Requests.ioasAllowIovas(ioas, 1, 0, bad)));
        // iommufd_ioas_load_iovas refuses start >= last: a one-byte range too
        assertErrno(Errno.EINVAL, () -> allow(new IovaRange(5, 5)));
        allow(new IovaRange(5, 6));
        allow();
        assertErrno(Errno.EFAULT, () -> f.core.ioasAllowIovas(f.ctx, Requests.ioasAllowIovas(ioas, 1, 0, 0x40)));
        int dev = f.bind(1);
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas));
        // The mock aperture starts at 16 MiB, so [0, 4 KiB) is reserved.
        assertErrno(Errno.EADDRINUSE, () -> allow(new IovaRange(0, 0xfff)));
        allow(new IovaRange(1L << 24, (1L << 25) - 1));
        assertThat(ranges(ioas)).containsExactly(MockIommu.APERTURE);
        allow();
        assertThat(ranges(ioas)).containsExactly(MockIommu.APERTURE);
    }

    @Test
    void a_fixed_map_into_a_reserved_range_is_einval() {
        int dev = f.bind(1);
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas));
        assertErrno(Errno.EINVAL, () -> f.mapFixed(ioas, f.buffer(PAGE), PAGE, 0x1000));
    }

    // ------------------------------------------------------------------ domains kept in sync

    @Test
    void every_domain_mirrors_the_areas_through_map_copy_and_unmap() {
        int dev = f.bind(1);
        int dev2 = f.bind(2);
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas));
        long va = f.buffer(4 * PAGE);
        f.mapFixed(ioas, va, 2 * PAGE, 1L << 24);
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, dev2, ioas));
        long copied = f.core.ioasCopy(f.ctx, Requests.ioasCopy(IommufdConstants.IOMMU_IOAS_MAP_READABLE, ioas, ioas, PAGE, 0,
            1L << 24)).dstIova();
        assertThat(f.iommu0.pagingDomains).hasSize(2);
        long[] pinned = f.mem.pin(va, PAGE);
        f.mem.unpin(pinned);
        for (MockIommu.Paging p : f.iommu0.pagingDomains) {
            assertThat(p.pages).containsOnlyKeys(1L << 24, (1L << 24) + PAGE, copied);
            assertThat(p.pages.get(copied)).containsExactly(pinned[0], 1);
            assertThat(p.pages.get(1L << 24)).containsExactly(pinned[0], 3);
        }
        f.unmap(ioas, 0, U64_MAX);
        for (MockIommu.Paging p : f.iommu0.pagingDomains) {
            assertThat(p.pages).isEmpty();
        }
    }

    @Test
    void a_driver_map_failure_leaves_no_area_no_pin_and_no_partial_mapping_in_any_domain() {
        int dev = f.bind(1);
        int dev2 = f.bind(2);
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas));
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev2, ioas));
        long va = f.buffer(2 * PAGE);
        f.core.option(f.ctx, Requests.option(IommufdConstants.IOMMU_OPTION_HUGE_PAGES,
            IommufdConstants.IOMMU_OPTION_OP_SET, 0, ioas, 1));
        f.iommu0.failNextMap.arm(Errno.ENOMEM);
        // the first domain maps, the second fails: everything must be rolled back
        f.iommu0.pagingDomains.get(0).mapCalls = 0;
        assertErrno(Errno.ENOMEM, () -> f.mapFixed(ioas, va, 2 * PAGE, 1L << 24));
        assertThat(f.core.mappedAreas(f.ctx, ioas)).isEmpty();
        assertThat(f.mem.totalPins()).isZero();
        for (MockIommu.Paging p : f.iommu0.pagingDomains) {
            assertThat(p.pages).isEmpty();
        }
    }

    @Test
    void huge_pages_off_maps_page_by_page() {
        int dev = f.bind(1);
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas));
        MockIommu.Paging domain = f.iommu0.pagingDomains.get(0);
        f.mapFixed(ioas, f.buffer(4 * PAGE), 4 * PAGE, 1L << 24);
        assertThat(domain.mapCalls).isEqualTo(1);
        f.unmap(ioas, 0, U64_MAX);
        f.core.option(f.ctx, Requests.option(IommufdConstants.IOMMU_OPTION_HUGE_PAGES,
            IommufdConstants.IOMMU_OPTION_OP_SET, 0, ioas, 0));
        f.mapFixed(ioas, f.buffer(4 * PAGE), 4 * PAGE, 1L << 24);
        assertThat(domain.mapCalls).isEqualTo(1 + 4);
    }

    // ------------------------------------------------------------------ helpers

    private void allow(IovaRange... ranges) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(16, ranges.length * 16)).order(ByteOrder.LITTLE_ENDIAN);
        for (IovaRange r : ranges) {
            b.putLong(r.start()).putLong(r.last());
        }
        long uptr = f.put(b.array());
        f.core.ioasAllowIovas(f.ctx, Requests.ioasAllowIovas(ioas, ranges.length, 0, uptr));
    }

    private List<IovaRange> ranges(int id) {
        long out = f.buffer(PAGE);
        IommuIoasIovaRanges reply = f.core.ioasIovaRanges(f.ctx, Requests.ioasIovaRanges(id, 16, 0, out));
        return readRanges(out, reply.numIovas());
    }

    private IommuIoasIovaRanges rangesReply(int id) {
        return f.core.ioasIovaRanges(f.ctx, Requests.ioasIovaRanges(id, 16, 0, f.buffer(PAGE)));
    }

    private List<IovaRange> readRanges(long uptr, int n) {
        ByteBuffer b = ByteBuffer.wrap(f.mem.read(uptr, n * 16)).order(ByteOrder.LITTLE_ENDIAN);
        List<IovaRange> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new IovaRange(b.getLong(), b.getLong()));
        }
        return out;
    }
}
