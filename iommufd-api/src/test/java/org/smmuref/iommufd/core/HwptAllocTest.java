package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.core.CoreFixture.u32s;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_PASID;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.uapi.Errno;

/** IOMMU_HWPT_ALLOC per iommufd-driver.md §1.4 and the selftest alloc_hwpt_nested list. */
class HwptAllocTest {
    private final CoreFixture f = new CoreFixture();
    private final int ioas = f.ioas();
    private final int dev = f.bind(1);

    private int alloc(int flags, int devId, int pt, int dataType, int dataLen, long uptr, int faultId) {
        return f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(flags, devId, pt, 0, dataType, dataLen, uptr, faultId, 0)).outHwptId();
    }

    @Test
    void generic_checks_come_before_any_lookup() {
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, 99, 99, 1, 0, 0, 0, 0, 0)));
        assertErrno(Errno.EINVAL, () -> alloc(0, 99, 99, 0, 4, 0, 0));
        assertErrno(Errno.EINVAL, () -> alloc(0, 99, 99, MockIommu.HWPT_DATA_SELFTEST, 0, 0, 0));
        assertErrno(Errno.ENOENT, () -> alloc(0, 99, 99, 0, 0, 0, 0));
    }

    @Test
    void dev_id_must_be_a_device_and_pt_id_an_ioas_hwpt_or_viommu() {
        assertErrno(Errno.ENOENT, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, ioas, dev)));
        assertErrno(Errno.EINVAL, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, dev)));
        assertErrno(Errno.EINVAL, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, 99)));
    }

    @Test
    void paging_flag_rules() {
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_FAULT_ID_VALID, dev, ioas, 0, 0, 0,
            0));
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(1 << 4, dev, ioas, 0, 0, 0, 0));
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dev, ioas, 0, 0, 0, 0));
        f.iommu0.addDevice(7, new DeviceCapabilities(true, 0, false, false), List.of());
        int dirty = f.bind(7);
        assertThat(alloc(IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_ALLOC_PASID, dirty, ioas, 0, 0, 0, 0)).isPositive();
        // driver data on a paging HWPT is for the driver to refuse
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(0, dev, ioas, MockIommu.HWPT_DATA_SELFTEST, 4, f.put(u32s(0)), 0));
    }

    @Test
    void nested_on_a_nest_parent() {
        int parent = f.nestParent(dev, ioas);
        int plain = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        long data = f.put(u32s(MockIommu.IOTLB_DEFAULT));
        // no data at all: the nested path needs it
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(0, dev, parent, 0, 0, 0, 0));
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(0, dev, parent, MockIommu.HWPT_DATA_SELFTEST + 1, 4, data, 0));
        assertErrno(Errno.EINVAL, () -> alloc(0, dev, parent, MockIommu.HWPT_DATA_SELFTEST, 3, data, 0));
        assertErrno(Errno.EINVAL, () -> alloc(0, dev, parent, MockIommu.HWPT_DATA_SELFTEST, 5, data, 0));
        assertErrno(Errno.EFAULT, () -> alloc(0, dev, parent, MockIommu.HWPT_DATA_SELFTEST, 4, 0, 0));
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(IOMMU_HWPT_ALLOC_NEST_PARENT, dev, parent, MockIommu.HWPT_DATA_SELFTEST,
            4, data, 0));
        assertErrno(Errno.EINVAL, () -> alloc(0, dev, plain, MockIommu.HWPT_DATA_SELFTEST, 4, data, 0));
        int n1 = f.nested(0, dev, parent, MockIommu.IOTLB_DEFAULT);
        int n2 = f.nested(0, dev, parent, MockIommu.IOTLB_DEFAULT);
        assertThat(n2).isNotEqualTo(n1);
        assertThat(f.iommu0.nestedDomains).allSatisfy(n -> assertThat(n.iotlb).containsOnly(
            MockIommu.IOTLB_DEFAULT));
        assertErrno(Errno.EINVAL, () -> alloc(0, dev, n1, MockIommu.HWPT_DATA_SELFTEST, 4, data, 0));
        assertErrno(Errno.EBUSY, () -> f.destroy(parent));
        f.destroy(n1);
        f.destroy(n2);
        f.destroy(parent);
    }

    @Test
    void an_automatic_domain_is_not_a_nest_parent() {
        int auto = f.core.attachDevice(f.ctx, dev, ioas);
        assertErrno(Errno.EINVAL, () -> alloc(0, dev, auto, MockIommu.HWPT_DATA_SELFTEST, 4,
            f.put(u32s(0)), 0));
    }

    @Test
    void a_missing_fault_queue_aborts_the_allocation_cleanly() {
        int parent = f.nestParent(dev, ioas);
        long data = f.put(u32s(0));
        int before = f.core.objects(f.ctx).size();
        assertErrno(Errno.ENOENT, () -> alloc(IOMMU_HWPT_FAULT_ID_VALID, dev, parent, MockIommu.HWPT_DATA_SELFTEST, 4,
            data, -1));
        assertThat(f.core.objects(f.ctx)).hasSize(before);
        assertThat(f.iommu0.nestedDomains).allSatisfy(n -> assertThat(n.freed).isTrue());
        assertThat(f.core.objects(f.ctx)).filteredOn(o -> o.id() == parent).singleElement()
            .extracting(IommufdCore.ObjectInfo::users).isEqualTo(0);
        assertThat(f.ioas()).isEqualTo(4);
    }

    @Test
    void a_driver_allocation_failure_passes_through_and_leaves_no_hwpt_and_no_reference() {
        int parent = f.nestParent(dev, ioas);
        long data = f.put(u32s(0));
        List<IommufdCore.ObjectInfo> before = f.core.objects(f.ctx);
        f.iommu0.failNextDomainAlloc.arm(Errno.ENOMEM);
        assertErrno(Errno.ENOMEM, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)));
        f.iommu0.failNextDomainAlloc.arm(Errno.ENOMEM);
        assertErrno(Errno.ENOMEM, () -> alloc(0, dev, parent, MockIommu.HWPT_DATA_SELFTEST, 4, data, 0));
        assertThat(f.core.objects(f.ctx)).isEqualTo(before);
        assertThat(f.iommu0.pagingDomains).hasSize(1);
        assertThat(f.iommu0.nestedDomains).isEmpty();
        // one shot: the next allocation succeeds and takes the lowest free id again
        assertThat(alloc(0, dev, parent, MockIommu.HWPT_DATA_SELFTEST, 4, data, 0)).isEqualTo(parent + 1);
    }

    @Test
    void a_fault_queue_is_held_by_its_hwpts() {
        int parent = f.nestParent(dev, ioas);
        int fault = f.core.faultQueueAlloc(f.ctx, Requests.faultQueueAlloc(0)).outFaultId();
        int nested = alloc(IOMMU_HWPT_FAULT_ID_VALID, dev, parent, MockIommu.HWPT_DATA_SELFTEST, 4, f.put(u32s(0)), fault);
        int paging = alloc(IOMMU_HWPT_FAULT_ID_VALID, dev, ioas, 0, 0, 0, fault);
        assertErrno(Errno.EBUSY, () -> f.destroy(fault));
        f.destroy(nested);
        f.destroy(paging);
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.faultQueueAlloc(f.ctx, Requests.faultQueueAlloc(1)));
    }

    @Test
    void without_devices_every_path_is_enoent() {
        f.core.unbindDevice(f.ctx, dev);
        assertErrno(Errno.ENOENT, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)));
        assertErrno(Errno.ENOENT, () -> f.core.replaceDevice(f.ctx, dev, ioas));
    }
}
