package org.smmuref.iommufd;

import org.smmuref.iommufd.IommufdCmd.Destroy;
import org.smmuref.iommufd.IommufdCmd.FaultQueueAlloc;
import org.smmuref.iommufd.IommufdCmd.FaultQueueAllocReply;
import org.smmuref.iommufd.IommufdCmd.GetHwInfo;
import org.smmuref.iommufd.IommufdCmd.HwInfoReply;
import org.smmuref.iommufd.IommufdCmd.HwptAlloc;
import org.smmuref.iommufd.IommufdCmd.HwptInvalidate;
import org.smmuref.iommufd.IommufdCmd.IoasAlloc;
import org.smmuref.iommufd.IommufdCmd.IoasAllowIovas;
import org.smmuref.iommufd.IommufdCmd.IoasCopy;
import org.smmuref.iommufd.IommufdCmd.IoasIovaRanges;
import org.smmuref.iommufd.IommufdCmd.IoasMap;
import org.smmuref.iommufd.IommufdCmd.IoasUnmap;
import org.smmuref.iommufd.IommufdCmd.IovaRangesReply;
import org.smmuref.iommufd.IommufdCmd.Option;
import org.smmuref.iommufd.IommufdCmd.VdeviceAlloc;
import org.smmuref.iommufd.IommufdCmd.VeventqAlloc;
import org.smmuref.iommufd.IommufdCmd.VeventqAllocReply;
import org.smmuref.iommufd.IommufdCmd.ViommuAlloc;

/**
 * The iommufd service: one method per ioctl of {@code /dev/iommu}, plus the VFIO cdev calls that bring devices in.
 *
 * <p>File descriptors are plain numbers: {@link #open} returns a context fd (an open {@code /dev/iommu}); vEVENTQ
 * and fault queue allocations return event fds that {@link #read} and {@link #close} take. Every failure is an
 * {@link IommufdException} carrying the errno the kernel would return; an unknown fd is EBADF.
 */
public interface Iommufd {

    /** Opens a new iommufd context and returns its fd. */
    int open();

    /** Closes an fd: a context (destroying everything in it) or an event queue fd. */
    void close(int fd);

    /** Reads at most {@code count} bytes of queued events from a vEVENTQ or fault fd (empty when none fit). */
    byte[] read(int fd, int count);

    /**
     * VFIO_DEVICE_BIND_IOMMUFD: binds the device with {@code streamId} behind IOMMU instance {@code iommuInstance}
     * to the context and returns its {@code dev_id}. EBUSY if it is bound anywhere; ENODEV if there is no such
     * device.
     */
    int bindDevice(int ctx, int iommuInstance, int streamId);

    /** Unbinds a device: detaches it, force-destroys its vDEVICE (leaving a tombstone id) and frees its id. */
    void unbindDevice(int ctx, int devId);

    /**
     * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attaches the device to a HWPT, or to an IOAS through an automatic domain, and
     * returns the HWPT id. Like VFIO, an already attached device is replaced onto the new page table.
     */
    int attachDevice(int ctx, int devId, int ptId);

    /** Replaces the page table of an attached device (EINVAL if it is not attached); returns the HWPT id. */
    int replaceDevice(int ctx, int devId, int ptId);

    /** VFIO_DEVICE_DETACH_IOMMUFD_PT: blocks the device's DMA; nothing happens if it is not attached. */
    void detachDevice(int ctx, int devId);

    /**
     * Associates the context with KVM VM {@code vmId} (the VMM's KVM_DEV_VFIO_FILE_ADD): vIOMMUs created afterwards
     * know their VM, which a VMID policy sharing KVM's VMIDs needs. EBUSY if it is associated with another VM.
     */
    void associateKvm(int ctx, int vmId);

    /** IOMMU_DESTROY. */
    void destroy(int ctx, Destroy cmd);

    /** IOMMU_IOAS_ALLOC; returns {@code out_ioas_id}. */
    int ioasAlloc(int ctx, IoasAlloc cmd);

    /** IOMMU_IOAS_ALLOW_IOVAS. */
    void ioasAllowIovas(int ctx, IoasAllowIovas cmd);

    /** IOMMU_IOAS_COPY; returns {@code dst_iova}. */
    long ioasCopy(int ctx, IoasCopy cmd);

    /** IOMMU_IOAS_IOVA_RANGES: writes the ranges to user memory; EMSGSIZE (carrying the reply) if they do not fit. */
    IovaRangesReply ioasIovaRanges(int ctx, IoasIovaRanges cmd);

    /** IOMMU_IOAS_MAP; returns the IOVA. */
    long ioasMap(int ctx, IoasMap cmd);

    /** IOMMU_IOAS_UNMAP; returns the bytes unmapped. */
    long ioasUnmap(int ctx, IoasUnmap cmd);

    /** IOMMU_OPTION; returns {@code val64}. */
    long option(int ctx, Option cmd);

    /** IOMMU_HWPT_ALLOC; returns {@code out_hwpt_id}. */
    int hwptAlloc(int ctx, HwptAlloc cmd);

    /** IOMMU_GET_HW_INFO: writes the driver's info struct to user memory. */
    HwInfoReply getHwInfo(int ctx, GetHwInfo cmd);

    /** IOMMU_HWPT_INVALIDATE; returns {@code entry_num}; a failure carries it too (as an {@code Integer} reply). */
    int hwptInvalidate(int ctx, HwptInvalidate cmd);

    /** IOMMU_FAULT_QUEUE_ALLOC. */
    FaultQueueAllocReply faultQueueAlloc(int ctx, FaultQueueAlloc cmd);

    /** IOMMU_VIOMMU_ALLOC; returns {@code out_viommu_id}. */
    int viommuAlloc(int ctx, ViommuAlloc cmd);

    /** IOMMU_VDEVICE_ALLOC; returns {@code out_vdevice_id}. */
    int vdeviceAlloc(int ctx, VdeviceAlloc cmd);

    /** IOMMU_VEVENTQ_ALLOC. */
    VeventqAllocReply veventqAlloc(int ctx, VeventqAlloc cmd);
}
