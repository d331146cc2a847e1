package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.core.CoreFixture.u32s;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;

/**
 * IOMMU_HWPT_INVALIDATE: generic core checks, entry_num always written back, and the mock's nested-HWPT and
 * vIOMMU paths (selftest alloc_hwpt_nested invalidation and vdevice_cache lists).
 */
class InvalidateTest {
    private static final int SELFTEST = MockIommu.INVALIDATE_DATA_SELFTEST;
    private final CoreFixture f = new CoreFixture();
    private final int ioas = f.ioas();
    private final int dev = f.bind(1);
    private final int parent = f.nestParent(dev, ioas);
    private final int nested = f.nested(0, dev, parent, MockIommu.IOTLB_DEFAULT);
    private final MockIommu.Nested domain = f.iommu0.nestedDomains.get(0);

    private int invalidate(int hwpt, long uptr, int type, int entryLen, int entryNum) {
        return f.core.hwptInvalidate(f.ctx, Requests.hwptInvalidate(hwpt, uptr, type, entryLen, entryNum, 0)).entryNum();
    }

    private static void fails(Errno errno, int entryNum, ThrowingCallable call) {
        IommufdException e = assertErrno(errno, call);
        assertThat(e.reply(IommuHwptInvalidate.class)).as("entry_num written back").get()
            .extracting(IommuHwptInvalidate::entryNum).isEqualTo(entryNum);
    }

    @Test
    void core_checks_write_back_entry_num_0() {
        long data = f.put(u32s(0, 1));
        fails(Errno.EOPNOTSUPP, 0, () -> f.core.hwptInvalidate(f.ctx, Requests.hwptInvalidate(nested, data, SELFTEST, 8,
            1, 1)));
        fails(Errno.EINVAL, 0, () -> invalidate(nested, 0, SELFTEST, 8, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(nested, data, SELFTEST, 0, 1));
        fails(Errno.ENOENT, 0, () -> invalidate(99, data, SELFTEST, 8, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(parent, data, SELFTEST, 8, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(ioas, data, SELFTEST, 8, 1));
    }

    @Test
    void zero_entries_probe_the_data_type() {
        assertThat(invalidate(nested, 0, SELFTEST, 0, 0)).isZero();
        fails(Errno.EINVAL, 0, () -> invalidate(nested, 0, SELFTEST + 1, 0, 0));
    }

    @Test
    void nested_entry_errnos_of_the_mock() {
        long ok = f.put(u32s(0, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(nested, ok, SELFTEST + 1, 8, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(nested, ok, SELFTEST, 9, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(nested, ok, SELFTEST, 1, 1));
        fails(Errno.EOPNOTSUPP, 0, () -> invalidate(nested, f.put(u32s(-1, 0)), SELFTEST, 8, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(nested, f.put(u32s(0, MockIommu.IOTLB_ID_MAX + 1)), SELFTEST, 8, 1));
        assertThat(domain.iotlb).containsOnly(MockIommu.IOTLB_DEFAULT);
    }

    @Test
    void a_partial_failure_reports_how_many_entries_were_handled() {
        fails(Errno.EOPNOTSUPP, 1, () -> invalidate(nested, f.put(u32s(0, 0, -1, 0)), SELFTEST, 8, 2));
        assertThat(domain.iotlb).containsExactly(0, MockIommu.IOTLB_DEFAULT, MockIommu.IOTLB_DEFAULT,
            MockIommu.IOTLB_DEFAULT);
        fails(Errno.EINVAL, 1, () -> invalidate(nested, f.put(u32s(0, 1, 0, 4)), SELFTEST, 8, 2));
        assertThat(invalidate(nested, f.put(u32s(0, 2, 0, 3)), SELFTEST, 8, 2)).isEqualTo(2);
        assertThat(domain.iotlb).containsOnly(0);
    }

    @Test
    void the_all_flag_clears_every_entry() {
        int second = f.nested(0, dev, parent, MockIommu.IOTLB_DEFAULT);
        assertThat(invalidate(second, f.put(u32s(MockIommu.INVALIDATE_FLAG_ALL, 0)), SELFTEST, 8, 1)).isEqualTo(1);
        assertThat(f.iommu0.nestedDomains.get(1).iotlb).containsOnly(0);
        assertThat(domain.iotlb).containsOnly(MockIommu.IOTLB_DEFAULT);
    }

    @Test
    void viommu_cache_invalidation_resolves_vdev_ids() {
        int viommu = f.viommu(dev, parent);
        f.core.vdeviceAlloc(f.ctx, Requests.vdeviceAlloc(viommu, dev, 0x99));
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        assertThat(invalidate(viommu, 0, SELFTEST, 0, 0)).isZero();
        fails(Errno.EINVAL, 0, () -> invalidate(viommu, f.put(u32s(0, 0x99, 0)), SELFTEST + 1, 12, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(viommu, f.put(u32s(0, 0x99, 4)), SELFTEST, 12, 1));
        fails(Errno.EINVAL, 0, () -> invalidate(viommu, f.put(u32s(0, 0x9, 0)), SELFTEST, 12, 1));
        fails(Errno.EOPNOTSUPP, 0, () -> invalidate(viommu, f.put(u32s(-1, 0x99, 0)), SELFTEST, 12, 1));
        // a longer entry with non-zero trailing bytes is E2BIG in the full-array helper
        fails(Errno.E2BIG, 0, () -> invalidate(viommu, f.put(u32s(0, 0x99, 0, 1)), SELFTEST, 16, 1));
        fails(Errno.EOPNOTSUPP, 1, () -> invalidate(viommu, f.put(u32s(0, 0x99, 0, -1, 0x99, 0)), SELFTEST, 12, 2));
        fails(Errno.EINVAL, 1, () -> invalidate(viommu, f.put(u32s(0, 0x99, 0, 0, 0x99, 4)), SELFTEST, 12, 2));
        assertThat(mock.cache).containsExactly(0, MockIommu.DEV_CACHE_DEFAULT, MockIommu.DEV_CACHE_DEFAULT,
            MockIommu.DEV_CACHE_DEFAULT);
        assertThat(invalidate(viommu, f.put(u32s(0, 0x99, 1, 0, 0x99, 2, 0, 0x99, 3)), SELFTEST, 12, 3))
            .isEqualTo(3);
        assertThat(mock.cache).containsOnly(0);
    }
}
