package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_PASID;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.uapi.Errno;

/**
 * VFIO cdev PASID attach / replace / detach (drivers/vfio/device_cdev.c {@code vfio_df_ioctl_attach_pt} with
 * VFIO_DEVICE_ATTACH_PASID) through the core's {@code iommufd_device_attach/replace/detach} with a PASID.
 */
class PasidAttachTest {
    private static final int SID = 9;
    private final CoreFixture f = new CoreFixture();
    private final MockIommu.Device mock;
    private final int dev;
    private final int ioas;

    PasidAttachTest() {
        f.iommu0.addDevice(SID, new DeviceCapabilities(false, 16, false, false), List.of());
        mock = (MockIommu.Device) f.iommu0.device(SID).orElseThrow();
        dev = f.bind(SID);
        ioas = f.ioas();
    }

    private int paging(int flags) {
        return f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(flags, dev, ioas)).outHwptId();
    }

    @Test
    void attach_replace_detach_at_a_pasid_reach_the_driver_and_leave_the_rid_alone() {
        int a = paging(IOMMU_HWPT_ALLOC_PASID);
        int b = paging(IOMMU_HWPT_ALLOC_PASID);
        assertThat(f.core.attachDevicePasid(f.ctx, dev, 3, a)).isEqualTo(a);
        assertThat(mock.pasidDomains).containsOnlyKeys(3);
        assertThat(mock.blocked).isTrue();
        // The HWPT is in use at the PASID: DESTROY is EBUSY (the attach holds a user).
        assertErrno(Errno.EBUSY, () -> f.destroy(a));
        assertThat(f.core.replaceDevicePasid(f.ctx, dev, 3, b)).isEqualTo(b);
        f.destroy(a);
        // VFIO's pasid_attach_ioas replaces an attached PASID too.
        assertThat(f.core.attachDevicePasid(f.ctx, dev, 3, b)).isEqualTo(b);
        f.core.detachDevicePasid(f.ctx, dev, 3);
        assertThat(mock.pasidDomains).isEmpty();
        // vfio_iommufd_physical_pasid_detach_ioas: detaching a PASID that is not attached does nothing.
        f.core.detachDevicePasid(f.ctx, dev, 3);
        f.destroy(b);
    }

    @Test
    void pasid_range_errnos_follow_iommu_attach_device_pasid() {
        int a = paging(IOMMU_HWPT_ALLOC_PASID);
        assertErrno(Errno.EINVAL, () -> f.core.attachDevicePasid(f.ctx, dev, 0, a));
        assertErrno(Errno.EINVAL, () -> f.core.attachDevicePasid(f.ctx, dev, 16, a));
        assertErrno(Errno.EINVAL, () -> f.core.attachDevicePasid(f.ctx, dev, -1, a));
        assertThat(f.core.attachDevicePasid(f.ctx, dev, 15, a)).isEqualTo(a);
        int plain = f.bind(1);
        assertErrno(Errno.EINVAL, () -> f.core.attachDevicePasid(f.ctx, plain, 1, a));
        assertErrno(Errno.ENOENT, () -> f.core.attachDevicePasid(f.ctx, 99, 1, a));
        assertErrno(Errno.ENOENT, () -> f.core.attachDevicePasid(f.ctx, dev, 1, 99));
        assertErrno(Errno.EINVAL, () -> f.core.attachDevicePasid(f.ctx, dev, 1, dev));
    }

    @Test
    void replace_of_an_unattached_pasid_is_einval_as_iommufd_device_replace() {
        int a = paging(IOMMU_HWPT_ALLOC_PASID);
        assertErrno(Errno.EINVAL, () -> f.core.replaceDevicePasid(f.ctx, dev, 2, a));
        assertThat(mock.pasidDomains).isEmpty();
    }

    @Test
    void iommufd_hwpt_pasid_compat_pasid_side() {
        int plainHwpt = paging(0);
        int pasidHwpt = paging(IOMMU_HWPT_ALLOC_PASID);
        // The HWPT itself must be PASID-compatible.
        assertErrno(Errno.EINVAL, () -> f.core.attachDevicePasid(f.ctx, dev, 1, plainHwpt));
        // The RID's HWPT must be PASID-compatible too.
        f.core.attachDevice(f.ctx, dev, plainHwpt);
        assertErrno(Errno.EINVAL, () -> f.core.attachDevicePasid(f.ctx, dev, 1, pasidHwpt));
        assertThat(mock.pasidDomains).isEmpty();
        f.core.replaceDevice(f.ctx, dev, pasidHwpt);
        assertThat(f.core.attachDevicePasid(f.ctx, dev, 1, pasidHwpt)).isEqualTo(pasidHwpt);
    }

    @Test
    void iommufd_hwpt_pasid_compat_rid_side() {
        int plainHwpt = paging(0);
        int pasidHwpt = paging(IOMMU_HWPT_ALLOC_PASID);
        f.core.attachDevicePasid(f.ctx, dev, 4, pasidHwpt);
        // With a PASID attached, the RID may only take a PASID-compatible HWPT.
        assertErrno(Errno.EINVAL, () -> f.core.attachDevice(f.ctx, dev, plainHwpt));
        assertThat(mock.blocked).isTrue();
        assertThat(f.core.attachDevice(f.ctx, dev, pasidHwpt)).isEqualTo(pasidHwpt);
        assertErrno(Errno.EINVAL, () -> f.core.replaceDevice(f.ctx, dev, plainHwpt));
        // Once the PASID is gone the RID may take any HWPT again.
        f.core.detachDevicePasid(f.ctx, dev, 4);
        assertThat(f.core.replaceDevice(f.ctx, dev, plainHwpt)).isEqualTo(plainHwpt);
    }

    @Test
    void an_ioas_at_a_pasid_gets_a_pasid_capable_automatic_domain_that_goes_with_its_detach() {
        int rid = f.core.attachDevice(f.ctx, dev, ioas);
        // The RID's automatic domain is not PASID-compatible (iommufd_hwpt_pasid_compat, PASID side).
        assertErrno(Errno.EINVAL, () -> f.core.attachDevicePasid(f.ctx, dev, 1, ioas));
        f.core.detachDevice(f.ctx, dev);
        assertThat(f.core.objects(f.ctx)).noneMatch(o -> o.id() == rid);
        int auto = f.core.attachDevicePasid(f.ctx, dev, 1, ioas);
        assertThat(f.core.attachDevicePasid(f.ctx, dev, 2, ioas)).isEqualTo(auto);
        // The automatic PASID domain is PASID-compatible, so the RID can share it.
        assertThat(f.core.attachDevice(f.ctx, dev, ioas)).isEqualTo(auto);
        f.core.detachDevice(f.ctx, dev);
        f.core.detachDevicePasid(f.ctx, dev, 1);
        assertThat(f.core.objects(f.ctx)).anyMatch(o -> o.id() == auto);
        f.core.detachDevicePasid(f.ctx, dev, 2);
        assertThat(f.core.objects(f.ctx)).noneMatch(o -> o.id() == auto);
    }

    @Test
    void a_driver_without_set_dev_pasid_answers_eopnotsupp_and_a_failed_attach_keeps_the_old_domain() {
        int a = paging(IOMMU_HWPT_ALLOC_PASID);
        int b = paging(IOMMU_HWPT_ALLOC_PASID);
        f.core.attachDevicePasid(f.ctx, dev, 5, a);
        mock.failNextAttach.arm(Errno.ENOMEM);
        assertErrno(Errno.ENOMEM, () -> f.core.attachDevicePasid(f.ctx, dev, 5, b));
        assertThat(f.core.attachDevicePasid(f.ctx, dev, 5, a)).isEqualTo(a);
        f.destroy(b);
        mock.supportsPasid = false;
        int c = paging(IOMMU_HWPT_ALLOC_PASID);
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.attachDevicePasid(f.ctx, dev, 6, c));
    }

    @Test
    void unbinding_blocks_every_pasid_and_releases_its_hwpts() {
        int a = paging(IOMMU_HWPT_ALLOC_PASID);
        f.core.attachDevicePasid(f.ctx, dev, 1, a);
        f.core.attachDevicePasid(f.ctx, dev, 2, a);
        f.core.unbindDevice(f.ctx, dev);
        assertThat(mock.pasidDomains).isEmpty();
        f.destroy(a);
    }
}
