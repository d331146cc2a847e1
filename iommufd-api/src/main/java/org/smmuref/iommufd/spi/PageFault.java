package org.smmuref.iommufd.spi;

/**
 * One I/O page fault request a driver reports (the kernel's {@code struct iommu_fault_page_request}); faults with
 * the same {@code grpid} form a group that ends with the one flagged {@link #FLAG_LAST_PAGE}.
 *
 * @param flags {@code FLAG_*}
 * @param pasid the PASID, meaningful with {@link #FLAG_PASID_VALID}
 * @param grpid the page request group index
 * @param perm  {@code PERM_*}: the access that faulted
 * @param addr  the faulting address (page aligned)
 */
public record PageFault(int flags, int pasid, int grpid, int perm, long addr) {
    /** IOMMU_FAULT_PAGE_REQUEST_PASID_VALID. */
    public static final int FLAG_PASID_VALID = 1 << 0;
    /** IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE: the last fault of its group. */
    public static final int FLAG_LAST_PAGE = 1 << 1;
    /** IOMMU_FAULT_PERM_READ. */
    public static final int PERM_READ = 1 << 0;
    /** IOMMU_FAULT_PERM_WRITE. */
    public static final int PERM_WRITE = 1 << 1;
    /** IOMMU_FAULT_PERM_EXEC. */
    public static final int PERM_EXEC = 1 << 2;
    /** IOMMU_FAULT_PERM_PRIV. */
    public static final int PERM_PRIV = 1 << 3;
    /** Page response code IOMMU_PAGE_RESP_SUCCESS. */
    public static final int RESP_SUCCESS = 0;
    /** Page response code IOMMU_PAGE_RESP_INVALID. */
    public static final int RESP_INVALID = 1;

    /** Whether this fault ends its group. */
    public boolean lastPage() {
        return (flags & FLAG_LAST_PAGE) != 0;
    }
}
