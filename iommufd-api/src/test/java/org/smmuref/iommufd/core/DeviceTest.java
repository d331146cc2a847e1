package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.uapi.Errno;

/** Binding, attach / replace / detach, automatic domains and reserved regions. */
class DeviceTest {
    private final CoreFixture f = new CoreFixture();

    @Test
    void a_device_binds_in_exactly_one_context() {
        int other = f.core.open();
        f.bind(1);
        assertErrno(Errno.EBUSY, () -> f.bind(1));
        assertErrno(Errno.EBUSY, () -> f.core.bindDevice(other, 0, 1));
        assertThat(f.core.bindDevice(other, 1, 1)).isEqualTo(1);
        assertErrno(Errno.ENODEV, () -> f.core.bindDevice(other, 7, 1));
        assertErrno(Errno.ENODEV, () -> f.core.bindDevice(other, 0, 99));
    }

    @Test
    void a_bound_device_is_blocked_and_unbinding_frees_it_for_another_context() {
        int dev = f.bind(1);
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        assertThat(mock.blocked).isTrue();
        f.core.unbindDevice(f.ctx, dev);
        assertErrno(Errno.ENOENT, () -> f.core.unbindDevice(f.ctx, dev));
        assertThat(f.core.bindDevice(f.core.open(), 0, 1)).isEqualTo(1);
    }

    @Test
    void attaching_to_an_ioas_makes_one_shared_automatic_domain_that_goes_with_its_last_device() {
        int ioas = f.ioas();
        int d1 = f.bind(1);
        int d2 = f.bind(2);
        int hwpt = f.core.attachDevice(f.ctx, d1, ioas);
        assertThat(f.core.attachDevice(f.ctx, d2, ioas)).isEqualTo(hwpt);
        assertThat(f.iommu0.pagingDomains).hasSize(1);
        f.core.detachDevice(f.ctx, d1);
        assertThat(f.core.objects(f.ctx)).anyMatch(o -> o.id() == hwpt);
        f.core.detachDevice(f.ctx, d2);
        assertThat(f.core.objects(f.ctx)).noneMatch(o -> o.id() == hwpt);
        assertThat(f.iommu0.pagingDomains.get(0).freed).isTrue();
    }

    @Test
    void devices_of_different_instances_get_different_automatic_domains() {
        int ioas = f.ioas();
        int d1 = f.bind(1);
        int other = f.core.bindDevice(f.ctx, 1, 1);
        int h1 = f.core.attachDevice(f.ctx, d1, ioas);
        int h2 = f.core.attachDevice(f.ctx, other, ioas);
        assertThat(h2).isNotEqualTo(h1);
        assertErrno(Errno.EINVAL, () -> f.core.attachDevice(f.ctx, other, h1));
    }

    @Test
    void attach_errnos() {
        int ioas = f.ioas();
        int dev = f.bind(1);
        assertErrno(Errno.ENOENT, () -> f.core.attachDevice(f.ctx, dev, 99));
        assertErrno(Errno.ENOENT, () -> f.core.attachDevice(f.ctx, ioas, ioas));
        assertErrno(Errno.EINVAL, () -> f.core.attachDevice(f.ctx, dev, dev));
        assertErrno(Errno.EINVAL, () -> f.core.replaceDevice(f.ctx, dev, ioas));
        f.core.detachDevice(f.ctx, dev);
    }

    @Test
    void a_driver_attach_failure_passes_through_and_keeps_the_old_domain() {
        int ioas = f.ioas();
        int dev = f.bind(1);
        int first = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        int second = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        f.core.attachDevice(f.ctx, dev, first);
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        mock.failNextAttach.arm(Errno.ENOMEM);
        assertErrno(Errno.ENOMEM, () -> f.core.replaceDevice(f.ctx, dev, second));
        assertThat(mock.domain).isSameAs(f.iommu0.pagingDomains.get(0));
        assertErrno(Errno.EBUSY, () -> f.destroy(first));
        f.destroy(second);
        assertThat(f.core.replaceDevice(f.ctx, dev, first)).isEqualTo(first);
    }

    @Test
    void a_failed_automatic_attach_leaves_no_hwpt_behind() {
        int ioas = f.ioas();
        int dev = f.bind(1);
        ((MockIommu.Device) f.iommu0.device(1).orElseThrow()).failNextAttach.arm(Errno.ENOMEM);
        assertErrno(Errno.ENOMEM, () -> f.core.attachDevice(f.ctx, dev, ioas));
        assertThat(f.core.objects(f.ctx)).extracting(IommufdCore.ObjectInfo::type)
            .containsExactly(ObjectType.IOAS, ObjectType.DEVICE);
        assertThat(f.iommu0.pagingDomains.get(0).freed).isTrue();
        f.destroy(ioas);
    }

    @Test
    void replace_moves_between_ioases_and_the_old_automatic_domain_goes() {
        int a = f.ioas();
        int b = f.ioas();
        int dev = f.bind(1);
        int ha = f.core.attachDevice(f.ctx, dev, a);
        int hb = f.core.replaceDevice(f.ctx, dev, b);
        assertThat(hb).isNotEqualTo(ha);
        assertThat(f.core.objects(f.ctx)).noneMatch(o -> o.id() == ha);
        f.destroy(a);
        assertErrno(Errno.EBUSY, () -> f.destroy(b));
    }

    @Test
    void the_device_reserved_regions_are_reserved_while_it_is_attached() {
        IovaRange msi = new IovaRange(0x800_0000, 0x80f_ffff);
        MockIommu extra = f.iommu0;
        extra.addDevice(9, DeviceCapabilities.NONE, List.of(msi));
        int ioas = f.ioas();
        int dev = f.bind(9);
        long va = f.buffer(PAGE);
        f.core.attachDevice(f.ctx, dev, ioas);
        assertErrno(Errno.EINVAL, () -> f.mapFixed(ioas, va, PAGE, 0x800_0000));
        f.core.detachDevice(f.ctx, dev);
        f.mapFixed(ioas, va, PAGE, 0x800_0000);
        // now the region is mapped: attaching the device cannot reserve it
        assertErrno(Errno.EADDRINUSE, () -> f.core.attachDevice(f.ctx, dev, ioas));
        assertThat(f.core.objects(f.ctx)).extracting(IommufdCore.ObjectInfo::type)
            .containsExactly(ObjectType.IOAS, ObjectType.DEVICE);
    }
}
