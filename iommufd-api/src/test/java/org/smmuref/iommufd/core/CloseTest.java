package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;

/** Closing a context destroys everything in dependency order (selftest viommu_auto_destroy). */
class CloseTest {
    @Test
    void close_with_everything_alive_releases_every_driver_object_pin_device_and_fd() {
        CoreFixture f = new CoreFixture();
        int ioas = f.ioas();
        int dev = f.bind(1);
        int dev2 = f.bind(2);
        f.mapFixed(ioas, f.buffer(4 * PAGE), 4 * PAGE, 1L << 24);
        int parent = f.nestParent(dev, ioas);
        int viommu = f.viommu(dev, parent);
        int nested = f.nested(0, dev, viommu, 0);
        f.core.vdeviceAlloc(f.ctx, Requests.vdeviceAlloc(viommu, dev, 0x99));
        f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(0, viommu, MockIommu.VEVENTQ_TYPE_SELFTEST, 2, 0));
        f.core.faultQueueAlloc(f.ctx, Requests.faultQueueAlloc(0));
        f.core.attachDevice(f.ctx, dev, nested);
        f.core.attachDevice(f.ctx, dev2, ioas);
        f.nested(0, dev, parent, 0);
        assertThat(f.core.openFds()).hasSize(3);

        f.core.close(f.ctx);

        assertThat(f.core.openFds()).isEmpty();
        assertThat(f.iommu0.pagingDomains).allSatisfy(p -> assertThat(p.freed).isTrue());
        assertThat(f.iommu0.nestedDomains).allSatisfy(n -> assertThat(n.freed).isTrue());
        assertThat(f.iommu0.viommus).allSatisfy(v -> assertThat(v.destroyed).isTrue());
        assertThat(f.mem.totalPins()).isZero();
        for (int sid = 1; sid <= 2; sid++) {
            assertThat(((MockIommu.Device) f.iommu0.device(sid).orElseThrow()).blocked).isTrue();
        }
        assertErrno(Errno.EBADF, () -> f.core.objects(f.ctx));
        int again = f.core.open();
        assertThat(again).as("the lowest free fd, like POSIX").isEqualTo(f.ctx);
        assertThat(f.core.bindDevice(again, 0, 1)).isEqualTo(1);
        assertThat(f.core.objects(again)).hasSize(1);
    }
}
