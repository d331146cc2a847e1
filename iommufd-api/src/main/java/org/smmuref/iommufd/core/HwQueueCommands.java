package org.smmuref.iommufd.core;

import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HW_QUEUE_TYPE_DEFAULT;

import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwQueueAlloc;

/**
 * IOMMU_HW_QUEUE_ALLOC (viommu.c, iommufd_hw_queue_alloc_ioctl): the core's checks in the kernel's order, then the
 * vIOMMU driver's HW queue ops. No driver in smmuref has them (the ARM SMMUv3 vIOMMU without a Tegra241 CMDQV has no
 * {@code get_hw_queue_size}, nor does the selftest-style mock), so every well-formed request ends in EOPNOTSUPP
 * there, as in the kernel; the queue object, its pinned guest memory and its lock on the IOAS are not modelled.
 */
final class HwQueueCommands {
    private HwQueueCommands() {
    }

    static IommuHwQueueAlloc alloc(Context c, IommuHwQueueAlloc cmd) {
        if (cmd.flags() != 0 || cmd.type() == IOMMU_HW_QUEUE_TYPE_DEFAULT) {
            throw new IommufdException(Errno.EOPNOTSUPP, "HW_QUEUE_ALLOC needs flags 0 and a type other than DEFAULT");
        }
        if (cmd.length() == 0) {
            throw new IommufdException(Errno.EINVAL, "HW_QUEUE_ALLOC length 0");
        }
        long last = cmd.nestingParentIova() + (cmd.length() - 1);
        if (Long.compareUnsigned(last, cmd.nestingParentIova()) < 0) {
            throw new IommufdException(Errno.EOVERFLOW, "nesting_parent_iova + length - 1 wraps");
        }
        Viommu viommu = c.objects.get(cmd.viommuId(), ObjectType.VIOMMU, Viommu.class, Errno.ENOENT);
        throw new IommufdException(Errno.EOPNOTSUPP, viommu + " has no HW queue ops (get_hw_queue_size is NULL)");
    }
}
