package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;

/** Object ids, typed lookup and IOMMU_DESTROY (iommufd-driver.md §1.1, selftest cmd_fail / ioas_destroy). */
class ObjectsAndDestroyTest {
    private final CoreFixture f = new CoreFixture();

    @Test
    void destroy_of_id_0_is_enoent() {
        assertErrno(Errno.ENOENT, () -> f.destroy(0));
    }

    @Test
    void destroy_of_an_unknown_id_is_enoent() {
        f.ioas();
        assertErrno(Errno.ENOENT, () -> f.destroy(2));
        assertErrno(Errno.ENOENT, () -> f.destroy(-1));
    }

    @Test
    void ids_start_at_1_share_one_space_and_the_lowest_free_is_reused() {
        int a = f.ioas();
        int dev = f.bind(1);
        int b = f.ioas();
        assertThat(new int[] {a, dev, b}).containsExactly(1, 2, 3);
        f.destroy(a);
        assertThat(f.ioas()).isEqualTo(1);
    }

    @Test
    void destroy_removes_the_object_and_a_second_destroy_is_enoent() {
        int ioas = f.ioas();
        f.destroy(ioas);
        assertErrno(Errno.ENOENT, () -> f.destroy(ioas));
        assertErrno(Errno.ENOENT, () -> f.mapAnywhere(ioas, f.buffer(4096), 4096));
    }

    @Test
    void a_bound_device_cannot_be_destroyed() {
        int dev = f.bind(1);
        assertErrno(Errno.EBUSY, () -> f.destroy(dev));
    }

    @Test
    void an_ioas_in_use_by_a_hwpt_is_ebusy_until_the_hwpt_goes() {
        int ioas = f.ioas();
        int dev = f.bind(1);
        int hwpt = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        assertErrno(Errno.EBUSY, () -> f.destroy(ioas));
        f.destroy(hwpt);
        f.destroy(ioas);
    }

    @Test
    void an_ioas_in_use_by_an_attached_device_is_ebusy() {
        int ioas = f.ioas();
        int dev = f.bind(1);
        int hwpt = f.core.attachDevice(f.ctx, dev, ioas);
        assertErrno(Errno.EBUSY, () -> f.destroy(ioas));
        assertErrno(Errno.EBUSY, () -> f.destroy(hwpt));
        f.core.detachDevice(f.ctx, dev);
        assertErrno(Errno.ENOENT, () -> f.destroy(hwpt));
        f.destroy(ioas);
    }

    @Test
    void lookup_with_the_wrong_type_is_enoent() {
        int dev = f.bind(1);
        assertErrno(Errno.ENOENT, () -> f.mapAnywhere(dev, f.buffer(4096), 4096));
        assertErrno(Errno.ENOENT, () -> f.core.attachDevice(f.ctx, f.ioas(), dev));
    }

    @Test
    void an_unknown_context_fd_is_ebadf() {
        assertErrno(Errno.EBADF, () -> f.core.ioasAlloc(99, Requests.ioasAlloc(0)).outIoasId());
        assertErrno(Errno.EBADF, () -> f.core.close(99));
    }

    @Test
    void contexts_do_not_see_each_others_objects() {
        int ioas = f.ioas();
        int other = f.core.open();
        assertErrno(Errno.ENOENT, () -> f.core.destroy(other, Requests.destroy(ioas)));
        assertThat(f.core.ioasAlloc(other, Requests.ioasAlloc(0)).outIoasId()).isEqualTo(1);
    }
}
