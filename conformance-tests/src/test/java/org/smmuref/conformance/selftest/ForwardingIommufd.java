package org.smmuref.conformance.selftest;

import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.uapi.IommuDestroy;
import org.smmuref.iommufd.uapi.IommuFaultAlloc;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommuHwQueueAlloc;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuHwptGetDirtyBitmap;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.IommuHwptSetDirtyTracking;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommuIoasAllowIovas;
import org.smmuref.iommufd.uapi.IommuIoasChangeProcess;
import org.smmuref.iommufd.uapi.IommuIoasCopy;
import org.smmuref.iommufd.uapi.IommuIoasIovaRanges;
import org.smmuref.iommufd.uapi.IommuIoasMap;
import org.smmuref.iommufd.uapi.IommuIoasMapFile;
import org.smmuref.iommufd.uapi.IommuIoasUnmap;
import org.smmuref.iommufd.uapi.IommuOption;
import org.smmuref.iommufd.uapi.IommuVdeviceAlloc;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommuVfioIoas;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.iommufd.uapi.IommuViommuAlloc;
import org.smmuref.iommufd.uapi.UserBuffer;

/** An {@link Iommufd} that forwards every call; a broken target overrides the one call it breaks. */
class ForwardingIommufd implements Iommufd {
    final Iommufd delegate;

    ForwardingIommufd(Iommufd delegate) {
        this.delegate = delegate;
    }

    @Override
    public int open() {
        return delegate.open();
    }

    @Override
    public int open(IommufdAbi abi) {
        return delegate.open(abi);
    }

    @Override
    public int open(IommufdAbi abi, KernelProfile profile) {
        return delegate.open(abi, profile);
    }

    @Override
    public void close(int fd) {
        delegate.close(fd);
    }

    @Override
    public byte[] read(int fd, int count) {
        return delegate.read(fd, count);
    }

    @Override
    public int write(int fd, byte[] data) {
        return delegate.write(fd, data);
    }

    @Override
    public int poll(int fd) {
        return delegate.poll(fd);
    }

    @Override
    public void ioctl(int ctx, int request, UserBuffer arg) {
        delegate.ioctl(ctx, request, arg);
    }

    @Override
    public int bindDevice(int ctx, int iommuInstance, int streamId) {
        return delegate.bindDevice(ctx, iommuInstance, streamId);
    }

    @Override
    public void unbindDevice(int ctx, int devId) {
        delegate.unbindDevice(ctx, devId);
    }

    @Override
    public int attachDevice(int ctx, int devId, int ptId) {
        return delegate.attachDevice(ctx, devId, ptId);
    }

    @Override
    public int replaceDevice(int ctx, int devId, int ptId) {
        return delegate.replaceDevice(ctx, devId, ptId);
    }

    @Override
    public void detachDevice(int ctx, int devId) {
        delegate.detachDevice(ctx, devId);
    }

    @Override
    public long vfioIoctl(int ctx, int request, long arg) {
        return delegate.vfioIoctl(ctx, request, arg);
    }

    @Override
    public org.smmuref.iommufd.uapi.IommuVfioIoas vfioIoas(int ctx, org.smmuref.iommufd.uapi.IommuVfioIoas cmd) {
        return delegate.vfioIoas(ctx, cmd);
    }

    @Override
    public org.smmuref.iommufd.uapi.IommuIoasMapFile ioasMapFile(int ctx,
            org.smmuref.iommufd.uapi.IommuIoasMapFile cmd) {
        return delegate.ioasMapFile(ctx, cmd);
    }

    @Override
    public int attachDevicePasid(int ctx, int devId, int pasid, int ptId) {
        return delegate.attachDevicePasid(ctx, devId, pasid, ptId);
    }

    @Override
    public int replaceDevicePasid(int ctx, int devId, int pasid, int ptId) {
        return delegate.replaceDevicePasid(ctx, devId, pasid, ptId);
    }

    @Override
    public void detachDevicePasid(int ctx, int devId, int pasid) {
        delegate.detachDevicePasid(ctx, devId, pasid);
    }

    @Override
    public org.smmuref.iommufd.uapi.IommuIoasChangeProcess ioasChangeProcess(int ctx,
            org.smmuref.iommufd.uapi.IommuIoasChangeProcess cmd) {
        return delegate.ioasChangeProcess(ctx, cmd);
    }

    @Override
    public void associateKvm(int ctx, KvmVmFile vm) {
        delegate.associateKvm(ctx, vm);
    }

    @Override
    public IommuDestroy destroy(int ctx, IommuDestroy cmd) {
        return delegate.destroy(ctx, cmd);
    }

    @Override
    public IommuIoasAlloc ioasAlloc(int ctx, IommuIoasAlloc cmd) {
        return delegate.ioasAlloc(ctx, cmd);
    }

    @Override
    public IommuIoasAllowIovas ioasAllowIovas(int ctx, IommuIoasAllowIovas cmd) {
        return delegate.ioasAllowIovas(ctx, cmd);
    }

    @Override
    public IommuIoasCopy ioasCopy(int ctx, IommuIoasCopy cmd) {
        return delegate.ioasCopy(ctx, cmd);
    }

    @Override
    public IommuIoasIovaRanges ioasIovaRanges(int ctx, IommuIoasIovaRanges cmd) {
        return delegate.ioasIovaRanges(ctx, cmd);
    }

    @Override
    public IommuIoasMap ioasMap(int ctx, IommuIoasMap cmd) {
        return delegate.ioasMap(ctx, cmd);
    }

    @Override
    public IommuIoasUnmap ioasUnmap(int ctx, IommuIoasUnmap cmd) {
        return delegate.ioasUnmap(ctx, cmd);
    }

    @Override
    public IommuOption option(int ctx, IommuOption cmd) {
        return delegate.option(ctx, cmd);
    }

    @Override
    public IommuHwptAlloc hwptAlloc(int ctx, IommuHwptAlloc cmd) {
        return delegate.hwptAlloc(ctx, cmd);
    }

    @Override
    public IommuHwInfo getHwInfo(int ctx, IommuHwInfo cmd) {
        return delegate.getHwInfo(ctx, cmd);
    }

    @Override
    public IommuHwptInvalidate hwptInvalidate(int ctx, IommuHwptInvalidate cmd) {
        return delegate.hwptInvalidate(ctx, cmd);
    }

    @Override
    public IommuFaultAlloc faultQueueAlloc(int ctx, IommuFaultAlloc cmd) {
        return delegate.faultQueueAlloc(ctx, cmd);
    }

    @Override
    public IommuViommuAlloc viommuAlloc(int ctx, IommuViommuAlloc cmd) {
        return delegate.viommuAlloc(ctx, cmd);
    }

    @Override
    public IommuVdeviceAlloc vdeviceAlloc(int ctx, IommuVdeviceAlloc cmd) {
        return delegate.vdeviceAlloc(ctx, cmd);
    }

    @Override
    public IommuVeventqAlloc veventqAlloc(int ctx, IommuVeventqAlloc cmd) {
        return delegate.veventqAlloc(ctx, cmd);
    }

    @Override
    public IommuHwQueueAlloc hwQueueAlloc(int ctx, IommuHwQueueAlloc cmd) {
        return delegate.hwQueueAlloc(ctx, cmd);
    }

    @Override
    public IommuHwptSetDirtyTracking hwptSetDirtyTracking(int ctx, IommuHwptSetDirtyTracking cmd) {
        return delegate.hwptSetDirtyTracking(ctx, cmd);
    }

    @Override
    public IommuHwptGetDirtyBitmap hwptGetDirtyBitmap(int ctx, IommuHwptGetDirtyBitmap cmd) {
        return delegate.hwptGetDirtyBitmap(ctx, cmd);
    }
}
