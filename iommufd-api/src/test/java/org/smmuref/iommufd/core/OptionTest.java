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
import org.smmuref.iommufd.uapi.Errno;

/** IOMMU_OPTION: RLIMIT_MODE and HUGE_PAGES (selftest global_options). */
class OptionTest {
    private final CoreFixture f = new CoreFixture();

    private long option(int id, int op, int object, long val) {
        return f.core.option(f.ctx, Requests.option(id, op, 0, object, val)).val64();
    }

    @Test
    void rlimit_mode_gets_and_sets_while_the_context_is_empty() {
        assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0)).isZero();
        option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 1);
        assertThat(option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0)).isEqualTo(1);
        assertErrno(Errno.EINVAL, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 2));
        assertErrno(Errno.EOPNOTSUPP, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 1, 0));
        assertErrno(Errno.EOPNOTSUPP, () -> option(IOMMU_OPTION_RLIMIT_MODE, 2, 0, 0));
        f.ioas();
        assertErrno(Errno.EBUSY, () -> option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 0));
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
    void huge_pages_cannot_be_disabled_once_domains_hold_mappings() {
        int ioas = f.ioas();
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(1), ioas));
        f.mapFixed(ioas, f.buffer(PAGE), PAGE, 1L << 24);
        assertErrno(Errno.EINVAL, () -> option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 0));
        option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas, 1);
    }
}
