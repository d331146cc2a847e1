package org.smmuref.iommufd.spi;

/**
 * A file the process holds open, as IOAS_MAP_FILE reaches it through its fd (the kernel's {@code fget}): a memfd
 * today. Pages are pinned by file offset, not by user address, so the mapping does not depend on the process's
 * address space; the pinned pages are those the file holds at pin time.
 */
public interface UserFile {

    /** The file's size in bytes ({@code i_size}). */
    long size();

    /**
     * Pins the file's pages covering {@code [offset, offset + length)} ({@code offset} page aligned, {@code length}
     * positive) and returns the address of each backing page in order. EINVAL (nothing pinned) if a page lies at or
     * beyond the end of the file, or if this is not a file whose pages can be pinned (the kernel's
     * {@code memfd_pin_folios}: shmem or hugetlbfs only; {@code shmem_get_folio_gfp} refuses a page past EOF).
     */
    long[] pin(long offset, long length);

    /** Drops one pin on each of the given pages, as returned by {@link #pin}. */
    void unpin(long[] pages);
}
