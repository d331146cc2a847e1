package org.smmuref.iommufd.spi;

/**
 * Where a driver's {@link PagingDomain#readAndClearDirty} reports dirty IOVAs (the kernel's {@code struct
 * iommu_dirty_bitmap}): the core turns each record into bits of the user's bitmap.
 */
public interface DirtyBitmap {
    /** Records {@code [iova, iova + length)} as dirty ({@code iommu_dirty_bitmap_record}). */
    void record(long iova, long length);

    /**
     * False when the core only wants the bits cleared (the kernel passes a bitmap-less {@code iommu_dirty_bitmap}
     * from {@code iopt_clear_dirty_data} when tracking is turned on); records are then dropped.
     */
    boolean recording();
}
