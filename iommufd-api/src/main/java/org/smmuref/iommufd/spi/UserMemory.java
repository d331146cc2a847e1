package org.smmuref.iommufd.spi;

/**
 * The memory of the process that opened {@code /dev/iommu}: what IOAS_MAP's {@code user_va} and every user pointer
 * embedded in an ioctl point into.
 *
 * <p>Accesses to an address where nothing is mapped fail with {@code EFAULT} (an {@code IommufdException}). Pinning
 * keeps the backing pages alive and at a fixed page address even if the process later unmaps them, which is what
 * lets an IOMMU domain hold on to them. Page addresses are plain numbers here; the platform decides what they mean
 * (indices into a private store today, physical addresses of the machine model later).
 */
public interface UserMemory {

    /** The page granule of this address space, a power of two. */
    int pageSize();

    /** Copies {@code length} bytes at user address {@code va} into {@code dst[offset..]}; EFAULT if any is unmapped. */
    void read(long va, byte[] dst, int offset, int length);

    /** Copies {@code src[offset..offset+length)} to user address {@code va}; EFAULT if any byte is unmapped. */
    void write(long va, byte[] src, int offset, int length);

    /**
     * Pins the pages covering {@code [va, va + length)} and returns the address of each backing page in order.
     * EFAULT (nothing pinned) if any page is unmapped; {@code length} must be positive.
     */
    long[] pin(long va, long length);

    /** Drops one pin on each of the given pages, as returned by {@link #pin}. */
    void unpin(long[] pages);

    /**
     * Whether the process holds {@code capability} (the kernel's {@code capable()}). The memory stands for the whole
     * process here, so its credentials travel with it. By default a process holds none (an unprivileged VMM).
     */
    default boolean capable(ProcessCapability capability) {
        return false;
    }

    /**
     * The file open on {@code fd} in this process, if it is one this memory knows (a memfd); empty otherwise (the
     * core then decides between EBADF and a file whose pages cannot be pinned). By default a process has no files.
     */
    default java.util.Optional<UserFile> file(int fd) {
        return java.util.Optional.empty();
    }

    /**
     * Charges ({@code pages > 0}) or uncharges pinned pages to this process (the kernel's {@code mm->pinned_vm} /
     * {@code user->locked_vm}, which RLIMIT_MEMLOCK limits). The iommufd core calls it as it pins and unpins; no
     * limit is enforced here. By default nothing is recorded.
     */
    default void accountPinned(long pages) {
    }

    /** Reads all of {@code length} bytes at {@code va}. */
    default byte[] read(long va, int length) {
        byte[] out = new byte[length];
        read(va, out, 0, length);
        return out;
    }

    /** Writes all of {@code src} at {@code va}. */
    default void write(long va, byte[] src) {
        write(va, src, 0, src.length);
    }
}
