package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;

/** IOMMU_HW_QUEUE_ALLOC's checks in iommufd_hw_queue_alloc_ioctl's order, over the mock's vIOMMU (no HW queue ops). */
class HwQueueAllocTest {
    static final int CMDQV = IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV;

    @Test
    void the_kernels_checks_in_order_then_eopnotsupp_for_a_vIOMMU_without_hw_queue_ops() {
        CoreFixture f = new CoreFixture();
        int ioas = f.ioas();
        int dev = f.bind(1);
        int viommu = f.viommu(dev, f.nestParent(dev, ioas));
        // flags, then the DEFAULT type, before anything else (even a missing vIOMMU)
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwQueueAlloc(f.ctx, Requests.hwQueueAlloc(1, 99, CMDQV, 0, 0,
            0)));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwQueueAlloc(f.ctx, Requests.hwQueueAlloc(0, 99, 0, 0, 0, 0)));
        assertErrno(Errno.EINVAL, () -> f.core.hwQueueAlloc(f.ctx, Requests.hwQueueAlloc(0, 99, CMDQV, 0, 0, 0)));
        assertErrno(Errno.EOVERFLOW, () -> f.core.hwQueueAlloc(f.ctx, Requests.hwQueueAlloc(0, 99, CMDQV, 0, -PAGE,
            2 * PAGE)));
        // iommufd_get_viommu: any other object is ENOENT
        assertErrno(Errno.ENOENT, () -> f.core.hwQueueAlloc(f.ctx, Requests.hwQueueAlloc(0, ioas, CMDQV, 0, 0,
            PAGE)));
        IommufdException e = assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwQueueAlloc(f.ctx, Requests.hwQueueAlloc(0,
            viommu, CMDQV, 0, 1L << 24, PAGE)));
        assertThat(e).hasMessageContaining("get_hw_queue_size");
        assertThat(f.core.objects(f.ctx)).noneMatch(o -> o.id() > viommu);
    }
}
