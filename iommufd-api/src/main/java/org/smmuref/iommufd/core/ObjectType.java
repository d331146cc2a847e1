package org.smmuref.iommufd.core;

/** The kinds of object an iommufd context holds, sharing one id space (the kernel's {@code iommufd_object_type}). */
public enum ObjectType {
    /** A bound device (VFIO cdev bind). */
    DEVICE,
    /** An I/O address space. */
    IOAS,
    /** A paging HWPT, possibly a nesting parent, possibly an automatic domain. */
    HWPT_PAGING,
    /** A nested HWPT (a guest stage-1 on a nest parent). */
    HWPT_NESTED,
    /** A virtual IOMMU: a VM's slice of one physical IOMMU. */
    VIOMMU,
    /** A device as a vIOMMU's guest sees it (its virt_id, the vSID). */
    VDEVICE,
    /** A vIOMMU's event queue. */
    VEVENTQ,
    /** A fault (IOPF) queue. */
    FAULT
}
