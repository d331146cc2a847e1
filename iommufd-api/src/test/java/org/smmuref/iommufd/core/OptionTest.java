package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_OPTION_HUGE_PAGES;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_OPTION_OP_GET;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_OPTION_OP_SET;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_OPTION_RLIMIT_MODE;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.ProcessCapability;
import org.smmuref.iommufd.uapi.Errno;

/** IOMMU_OPTION: RLIMIT_MODE and HUGE_PAGES (selftest global_options). */
class OptionTest {
    private final CoreFixture f = new CoreFixture();

    private long option(int id, int op, int object, long val) {
        return f.core.option(f.ctx, Requests.option(id, op, 0, object, val)).val64();
    }

    @Test
    void rlimit_mode_set_needs_cap_sys_resource() {
        // iommufd_option_rlimit_mode: capable(CAP_SYS_RESOURCE) before anything else of SET; GET needs nothing
        assertErrno(Errno.EPERM, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 1));
        assertErrno(Errno.EOPNOTSUPP, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 1, 1));
        f.ioas();
        assertErrno(Errno.EPERM, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 2));
        assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0)).isZero();
    }

    @Test
    void rlimit_mode_gets_and_sets_while_the_context_is_empty() {
        f.mem.grant(ProcessCapability.CAP_SYS_RESOURCE);
        assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0)).isZero();
        option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 1);
        assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0)).isEqualTo(1);
        assertErrno(Errno.EINVAL, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 2));
        assertErrno(Errno.EOPNOTSUPP, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 1, 0));
        assertErrno(Errno.EOPNOTSUPP, () -> option(IOMMU_OPTION_RLIMIT_MODE, 2, 0, 0));
        f.ioas();
        assertErrno(Errno.EBUSY, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 0));
        f.mem.revoke(ProcessCapability.CAP_SYS_RESOURCE);
        assertErrno(Errno.EPERM, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 0));
    }

    @Test
    void reserved_and_unknown_options_are_eopnotsupp() {
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.option(f.ctx, Requests.option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 1, 0,
            0)));
        assertErrno(Errno.EOPNOTSUPP, () -> option(7, IOMMU_OPTION_OP_GET, 0, 0));
    }

    @Test
    void huge_pages_is_per_ioas() {
        assertErrno(Errno.ENOENT, () -> option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, 0, 0));
        int a = f.ioas();
        int b = f.ioas();
        assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, a, 0)).isEqualTo(1);
        option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, a, 0);
        assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, a, 0)).isZero();
        assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, b, 0)).isEqualTo(1);
        assertErrno(Errno.EINVAL, () -> option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, a, 2));
        assertErrno(Errno.EOPNOTSUPP, () -> option(IOMMU_OPTION_HUGE_PAGES, 3, a, 0));
    }

    @Test
    void huge_pages_off_raises_the_alignment_to_page_size_and_back() {
        // iopt_disable_large_pages / iopt_enable_large_pages -> iopt_calculate_iova_alignment
        int ioas = f.ioas();
        assertThat(alignment(ioas)).isEqualTo(1);
        option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 0);
        assertThat(alignment(ioas)).isEqualTo(PAGE);
        option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 0);
        option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 1);
        assertThat(alignment(ioas)).isEqualTo(1);
    }

    @Test
    void huge_pages_off_is_eaddrinuse_while_a_mapping_is_not_page_aligned() {
        // iopt_disable_large_pages: iopt_check_iova_alignment refuses, and the option stays on
        int ioas = f.ioas();
        long va = f.buffer(2 * PAGE);
        f.mapFixed(ioas, va + 0x10, PAGE, 0x100010);
        assertErrno(Errno.EADDRINUSE, () -> option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 0));
        assertThat(option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, ioas, 0)).isEqualTo(1);
        assertThat(alignment(ioas)).isEqualTo(1);
        f.unmap(ioas, 0, -1L);
        f.mapFixed(ioas, va, PAGE, 0x100000);
        option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 0);
        assertThat(alignment(ioas)).isEqualTo(PAGE);
    }

    private long alignment(int ioas) {
        return f.core.ioasIovaRanges(f.ctx, Requests.ioasIovaRanges(ioas, 16, 0, f.buffer(PAGE)))
            .outIovaAlignment();
    }

    @Test
    void huge_pages_cannot_be_disabled_once_domains_hold_mappings() {
        int ioas = f.ioas();
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(1), ioas));
        f.mapFixed(ioas, f.buffer(PAGE), PAGE, 1L << 24);
        assertErrno(Errno.EINVAL, () -> option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 0));
        option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 1);
    }
}
