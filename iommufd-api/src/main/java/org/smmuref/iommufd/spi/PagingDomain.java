package org.smmuref.iommufd.spi;

/**
 * A paging domain (a stage-2 for the ARM SMMUv3): IOVA to page address mappings that the core keeps in sync with
 * the IOAS the domain's HWPT belongs to.
 */
public interface PagingDomain extends IommuDomain {
    /** Mapping permission: DMA may read. */
    int PROT_READ = 1;
    /** Mapping permission: DMA may write. */
    int PROT_WRITE = 2;

    /** The IOVAs this domain can translate; the core reserves everything outside it in the IOAS. */
    IovaRange aperture();

    /** The page sizes the domain supports, one bit per power of two; its lowest bit is the IOVA alignment. */
    long pageSizeBitmap();

    /**
     * Maps {@code [iova, iova + length)} to the physically contiguous {@code [pageAddress, pageAddress + length)}
     * with {@code PROT_*} bits. The range is aligned to the domain's smallest page and not mapped yet. A failure is
     * an {@code IommufdException} (usually ENOMEM) and must leave nothing of this call mapped.
     */
    void map(long iova, long pageAddress, long length, int prot);

    /**
     * Whether DMA through this domain is always cache coherent (the kernel's {@code enforce_cache_coherency} having
     * succeeded); VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) asks it. By default a domain does not promise it.
     */
    default boolean enforcesCacheCoherency() {
        return false;
    }

    /** Unmaps {@code [iova, iova + length)}, which the core mapped earlier with one or more {@link #map} calls. */
    void unmap(long iova, long length);

    /** {@link #readAndClearDirty} flag: report the dirty bits but leave them set (the kernel's IOMMU_DIRTY_NO_CLEAR). */
    int DIRTY_NO_CLEAR = 1;

    /**
     * Whether this domain has dirty-tracking ops (the kernel's {@code domain->dirty_ops != NULL}); a driver gives
     * them to a domain allocated with {@code IOMMU_HWPT_ALLOC_DIRTY_TRACKING}. Without them HWPT_SET_DIRTY_TRACKING
     * and HWPT_GET_DIRTY_BITMAP are EOPNOTSUPP.
     */
    default boolean supportsDirtyTracking() {
        return false;
    }

    /** Turns the hardware's dirty tracking of this domain on or off ({@code dirty_ops->set_dirty_tracking}). */
    default void setDirtyTracking(boolean enable) {
        throw new UnsupportedOperationException("no dirty_ops");
    }

    /**
     * Reports through {@code dirty} every page of {@code [iova, iova + length)} (a range the core mapped) written by
     * DMA since it was last cleared, and clears it unless {@code flags} has {@link #DIRTY_NO_CLEAR} ({@code
     * dirty_ops->read_and_clear_dirty}). A failure is an {@code IommufdException}.
     */
    default void readAndClearDirty(long iova, long length, int flags, DirtyBitmap dirty) {
        throw new UnsupportedOperationException("no dirty_ops");
    }
}
