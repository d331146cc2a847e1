package org.smmuref.conformance.suites;

import org.junit.jupiter.api.Test;
import org.smmuref.conformance.tck.Verification;
import org.smmuref.conformance.tck.Vmm;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuDestroy;
import org.smmuref.iommufd.uapi.IommuIoasUnmap;

/** Object lifecycle and errnos (drivers/iommu/iommufd/main.c object table; spec sheet §1.4). */
public class LifecycleVerification extends Verification {

    /** iommufd_destroy: an id that names no object is ENOENT. */
    @Test
    public void required_life_0101_destroyUnknownIdIsEnoent() {
        Vmm v = vmm();
        checkErrno("DESTROY id=4242", Errno.ENOENT,
            () -> v.iommufd.destroy(v.ctx, new IommuDestroy(IommuDestroy.SIZE, 4242)));
    }

    /** iommufd_object_remove: an IOAS a device's HWPT still uses is EBUSY. */
    @Test
    public void required_life_0102_destroyIoasInUseIsEbusy() {
        Vmm v = vmm();
        int dev = v.bind(0);
        v.iommufd.attachDevice(v.ctx, dev, v.ioas);
        checkErrno("DESTROY of the attached IOAS", Errno.EBUSY,
            () -> v.iommufd.destroy(v.ctx, new IommuDestroy(IommuDestroy.SIZE, v.ioas)));
    }

    /** iommufd_get_object: an id of another type is ENOENT. */
    @Test
    public void required_life_0103_wrongObjectTypeIsEnoent() {
        Vmm v = vmm();
        int dev = v.bind(0);
        int hwpt = v.nestParent(dev);
        checkErrno("IOAS_UNMAP on a HWPT id", Errno.ENOENT,
            () -> v.iommufd.ioasUnmap(v.ctx, new IommuIoasUnmap(IommuIoasUnmap.SIZE, hwpt, 0, 0)));
    }

    /** fdget: an fd that is not open is EBADF. */
    @Test
    public void required_life_0104_unknownFdIsEbadf() {
        checkErrno("close(99999)", Errno.EBADF, () -> target.iommufd().close(99999));
    }

    /** vfio_iommufd_bind: a device bound already is EBUSY. */
    @Test
    public void required_life_0105_bindingABoundDeviceIsEbusy() {
        Vmm v = vmm();
        v.bind(0);
        checkErrno("second bind of the same device", Errno.EBUSY, () -> v.bind(0));
    }
}
