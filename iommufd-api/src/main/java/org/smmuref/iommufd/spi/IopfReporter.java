package org.smmuref.iommufd.spi;

/**
 * Where a driver reports I/O page faults of its devices (the kernel's {@code iommu_report_device_fault}); the
 * iommufd core implements it. A group is delivered to the fault queue of the HWPT its device is attached to; a group
 * nobody can take is answered {@link PageFault#RESP_INVALID} at once through {@link IommuDevice#pageResponse}.
 */
public interface IopfReporter {
    /** Reports one fault of {@code device}; a fault without LAST_PAGE waits for the rest of its group. */
    void reportPageFault(IommuDevice device, PageFault fault);
}
