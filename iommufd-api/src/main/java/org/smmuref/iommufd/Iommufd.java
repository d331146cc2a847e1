package org.smmuref.iommufd;

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
import org.smmuref.iommufd.uapi.IommuViommuAlloc;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * The iommufd service: the ioctls of {@code /dev/iommu} (at the byte level and one typed method per ioctl), plus the
 * VFIO cdev calls that bring devices in, KVM association, and the event fds.
 *
 * <p>File descriptors are plain numbers: {@link #open} returns a context fd (an open {@code /dev/iommu}); vEVENTQ
 * and fault queue allocations return event fds that {@link #read} and {@link #close} take. Every failure is an
 * {@link IommufdException} carrying the errno the kernel would return; an unknown fd is EBADF.
 *
 * <p>Typed ioctls take the command's uAPI struct as the caller filled it, {@code size} included, and return it as the
 * caller sees it afterwards: the kernel writes the first {@code min(size, sizeof)} bytes back, so the out fields are
 * set there. The extensible-struct rules apply exactly as in {@link #ioctl}: {@code size} below min_size is EINVAL,
 * members beyond {@code size} are read as zero. A command that writes its out fields back even when it fails
 * (IOAS_IOVA_RANGES with EMSGSIZE, HWPT_INVALIDATE's {@code entry_num}) carries that struct in
 * {@link IommufdException#reply}.
 */
public interface Iommufd {

    /** Opens a new iommufd context for the upstream uAPI ({@link IommufdAbi#UPSTREAM}) and returns its fd. */
    int open();

    /**
     * Opens a new iommufd context for the uAPI generation {@code abi} and returns its fd; the choice is fixed for
     * the context's life ({@link IommufdAbi#V1_2023} serves the March 2023 v1 nesting structs besides upstream's).
     */
    int open(IommufdAbi abi);

    /**
     * Opens a context for {@code abi} that behaves as kernel release {@code profile} for its whole life: its command
     * table, struct sizes, capability bits and driver contracts ({@link KernelProfile}).
     */
    int open(IommufdAbi abi, KernelProfile profile);

    /** Closes an fd: a context (destroying everything in it) or an event queue fd. */
    void close(int fd);

    /** Reads at most {@code count} bytes of queued events from a vEVENTQ or fault fd (empty when none fit). */
    byte[] read(int fd, int count);

    /**
     * Writes {@code iommu_hwpt_page_response} records to a fault fd and returns the bytes taken (the kernel's
     * partial-write rule: an error after the first record ends the write with what was taken). A vEVENTQ fd is not
     * open for writing (EBADF); the context fd has no write (EINVAL).
     */
    int write(int fd, byte[] data);

    /**
     * The fd's poll mask ({@code EPOLLIN | EPOLLRDNORM} while something can be read; a fault fd is always
     * {@code EPOLLOUT}); a context fd polls 0.
     */
    int poll(int fd);

    /**
     * The byte-level ioctl, like the kernel's {@code iommufd_fops_ioctl}: {@code arg} is the caller's memory at the
     * argument pointer. A command number outside the table is ENOTTY; then the u32 {@code size} is read (EFAULT);
     * another ioctl value with that number is ENOTTY; {@code size} below min_size is EINVAL; bytes beyond the
     * kernel's struct must be zero (E2BIG); a shorter struct is zero-filled. The handler runs, and the command's
     * struct is written back to {@code arg} ({@code min(size, sizeof)} bytes) on success and for the commands that
     * answer on failure. Embedded user pointers ({@code allowed_iovas}, {@code data_uptr}, ...) are addresses in the
     * context's process memory. Commands smmuref does not implement are EOPNOTSUPP after the generic checks.
     */
    void ioctl(int ctx, int request, UserBuffer arg);

    /**
     * The VFIO type1 container ioctls an iommufd fd serves ({@code iommufd_vfio_ioctl}): VFIO_GET_API_VERSION,
     * VFIO_CHECK_EXTENSION and VFIO_SET_IOMMU take {@code arg} as an integer; VFIO_IOMMU_GET_INFO, _MAP_DMA and
     * _UNMAP_DMA as a pointer into the context's process memory. Returns the ioctl's result (the API version, 1/0 for
     * an extension, else 0). Any other request is ENOTTY. They act on the IOAS chosen with IOMMU_VFIO_IOAS (ENODEV
     * when none is).
     */
    long vfioIoctl(int ctx, int request, long arg);

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
     * VFIO_DEVICE_ATTACH_IOMMUFD_PT with VFIO_DEVICE_ATTACH_PASID: attaches the device's DMA tagged with
     * {@code pasid} to a HWPT, or to an IOAS through an automatic PASID-capable domain, and returns the HWPT id; an
     * attached PASID is replaced, as VFIO does. The HWPT must be PASID-compatible (IOMMU_HWPT_ALLOC_PASID) and so
     * must the one on the device's RID, if any (EINVAL); {@code pasid} must be non-zero and below the device's
     * PASID count (EINVAL); a driver without PASID support answers EOPNOTSUPP.
     */
    int attachDevicePasid(int ctx, int devId, int pasid, int ptId);

    /** Replaces the page table at an attached PASID (EINVAL if that PASID is not attached); returns the HWPT id. */
    int replaceDevicePasid(int ctx, int devId, int pasid, int ptId);

    /** VFIO_DEVICE_DETACH_IOMMUFD_PT with VFIO_DEVICE_DETACH_PASID: blocks that PASID; nothing if not attached. */
    void detachDevicePasid(int ctx, int devId, int pasid);

    /**
     * Associates the context with the KVM VM behind {@code vm}, an open VM file its VMM holds (the VMM's
     * KVM_DEV_VFIO_FILE_ADD, which hands KVM the device file and gives VFIO the VM): vIOMMUs created afterwards know
     * their VM, which a VMID policy sharing KVM's VMIDs needs. The context takes a VM reference
     * ({@code kvm_get_kvm}) that it drops when it closes. Associating again with the same file does nothing.
     * EBADF if the file was not issued by this machine (a forged or foreign object) or is closed, as {@code fdget}
     * fails on such an fd; EBUSY if the context is associated with another VM.
     */
    void associateKvm(int ctx, KvmVmFile vm);

    /** IOMMU_DESTROY. */
    IommuDestroy destroy(int ctx, IommuDestroy cmd);

    /** IOMMU_IOAS_ALLOC: sets {@code out_ioas_id}. */
    IommuIoasAlloc ioasAlloc(int ctx, IommuIoasAlloc cmd);

    /** IOMMU_IOAS_ALLOW_IOVAS: reads {@code num_iovas} ranges at {@code allowed_iovas}. */
    IommuIoasAllowIovas ioasAllowIovas(int ctx, IommuIoasAllowIovas cmd);

    /** IOMMU_IOAS_COPY: sets {@code dst_iova} when it was allocated. */
    IommuIoasCopy ioasCopy(int ctx, IommuIoasCopy cmd);

    /**
     * IOMMU_IOAS_IOVA_RANGES: writes the ranges to {@code allowed_iovas} and sets {@code num_iovas} and
     * {@code out_iova_alignment}; EMSGSIZE (carrying the struct) if they do not fit.
     */
    IommuIoasIovaRanges ioasIovaRanges(int ctx, IommuIoasIovaRanges cmd);

    /** IOMMU_VFIO_IOAS: gets ({@code ioas_id} set), sets or clears the IOAS the VFIO compatibility ioctls use. */
    IommuVfioIoas vfioIoas(int ctx, IommuVfioIoas cmd);

    /** IOMMU_IOAS_MAP: sets {@code iova} when it was allocated. */
    IommuIoasMap ioasMap(int ctx, IommuIoasMap cmd);

    /**
     * IOMMU_IOAS_MAP_FILE: maps {@code [start, +length)} of the memfd open on {@code fd} (EBADF if none); sets
     * {@code iova} when it was allocated. The pages are pinned when a domain needs them (EINVAL past the file's end).
     */
    IommuIoasMapFile ioasMapFile(int ctx, IommuIoasMapFile cmd);

    /**
     * IOMMU_IOAS_CHANGE_PROCESS: charges the pinned pages of every IOAS of the context to the calling process; EINVAL
     * if any IOAS maps user addresses rather than files.
     */
    IommuIoasChangeProcess ioasChangeProcess(int ctx, IommuIoasChangeProcess cmd);

    /** IOMMU_IOAS_UNMAP: sets {@code length} to the bytes unmapped. */
    IommuIoasUnmap ioasUnmap(int ctx, IommuIoasUnmap cmd);

    /** IOMMU_OPTION: sets {@code val64} for GET. */
    IommuOption option(int ctx, IommuOption cmd);

    /** IOMMU_HWPT_ALLOC: sets {@code out_hwpt_id}. */
    IommuHwptAlloc hwptAlloc(int ctx, IommuHwptAlloc cmd);

    /**
     * IOMMU_GET_HW_INFO: writes the driver's info struct to {@code data_uptr} and sets {@code data_len},
     * {@code out_data_type}, {@code out_max_pasid_log2} and {@code out_capabilities}.
     */
    IommuHwInfo getHwInfo(int ctx, IommuHwInfo cmd);

    /** IOMMU_HWPT_INVALIDATE: sets {@code entry_num}; a failure carries the struct with it too. */
    IommuHwptInvalidate hwptInvalidate(int ctx, IommuHwptInvalidate cmd);

    /** IOMMU_FAULT_QUEUE_ALLOC: sets {@code out_fault_id} and {@code out_fault_fd}. */
    IommuFaultAlloc faultQueueAlloc(int ctx, IommuFaultAlloc cmd);

    /** IOMMU_VIOMMU_ALLOC: sets {@code out_viommu_id}. */
    IommuViommuAlloc viommuAlloc(int ctx, IommuViommuAlloc cmd);

    /** IOMMU_VDEVICE_ALLOC: sets {@code out_vdevice_id}. */
    IommuVdeviceAlloc vdeviceAlloc(int ctx, IommuVdeviceAlloc cmd);

    /** IOMMU_VEVENTQ_ALLOC: sets {@code out_veventq_id} and {@code out_veventq_fd}. */
    IommuVeventqAlloc veventqAlloc(int ctx, IommuVeventqAlloc cmd);

    /** IOMMU_HW_QUEUE_ALLOC: EOPNOTSUPP after the core's checks while no vIOMMU driver offers HW queues. */
    IommuHwQueueAlloc hwQueueAlloc(int ctx, IommuHwQueueAlloc cmd);

    /** IOMMU_HWPT_SET_DIRTY_TRACKING: turns dirty tracking of a paging HWPT on or off. */
    IommuHwptSetDirtyTracking hwptSetDirtyTracking(int ctx, IommuHwptSetDirtyTracking cmd);

    /** IOMMU_HWPT_GET_DIRTY_BITMAP: sets the bits of the dirty pages of an IOVA range in a user bitmap. */
    IommuHwptGetDirtyBitmap hwptGetDirtyBitmap(int ctx, IommuHwptGetDirtyBitmap cmd);
}
