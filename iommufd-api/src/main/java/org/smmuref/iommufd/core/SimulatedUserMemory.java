package org.smmuref.iommufd.core;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.ProcessCapability;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;

/**
 * A simulated process address space: page-granular {@code mmap}/{@code munmap} over a private page store.
 *
 * <p>Each mapped user page is backed by one store page, numbered from 1 and never reused, so a page address
 * ({@code number * pageSize}) identifies the backing memory. A store page lives while it is mapped or pinned: unmapping
 * a pinned page only removes the user mapping, exactly like {@code munmap} of memory pinned by {@code
 * pin_user_pages}. The process starts with no capabilities ({@link #grant} gives one). Not thread-safe; the iommufd
 * core serialises access.
 */
public final class SimulatedUserMemory implements UserMemory {
    /** The default page size, 4 KiB. */
    public static final int DEFAULT_PAGE_SIZE = 4096;

    private final int pageSize;
    private final int pageShift;
    /** user page number -> store page number, unsigned order so that the top of the address space works. */
    private final TreeMap<Long, Long> mappings = new TreeMap<>(Long::compareUnsigned);
    private final Map<Long, StorePage> store = new HashMap<>();
    private long nextStorePage = 1;
    private final EnumSet<ProcessCapability> capabilities = EnumSet.noneOf(ProcessCapability.class);

    private static final class StorePage {
        final byte[] bytes;
        boolean mapped = true;
        int pins;

        StorePage(int size) {
            bytes = new byte[size];
        }
    }

    /** An empty address space with 4 KiB pages. */
    public SimulatedUserMemory() {
        this(DEFAULT_PAGE_SIZE);
    }

    /** An empty address space with the given page size (a power of two, at least 16). */
    public SimulatedUserMemory(int pageSize) {
        if (pageSize < 16 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two >= 16: " + pageSize);
        }
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
    }

    @Override
    public int pageSize() {
        return pageSize;
    }

    @Override
    public boolean capable(ProcessCapability capability) {
        return capabilities.contains(capability);
    }

    /** Gives the process {@code capability}. */
    public void grant(ProcessCapability capability) {
        capabilities.add(capability);
    }

    /** Takes {@code capability} away from the process. */
    public void revoke(ProcessCapability capability) {
        capabilities.remove(capability);
    }

    /** Maps fresh zeroed pages at {@code [va, va + length)}; both page aligned, nothing mapped there yet. */
    public void mmap(long va, long length) {
        checkRange(va, length);
        long first = va >>> pageShift;
        long count = length >>> pageShift;
        for (long i = 0; i < count; i++) {
            if (mappings.containsKey(first + i)) {
                throw new IllegalArgumentException("user page 0x" + Long.toHexString((first + i) << pageShift)
                    + " is already mapped");
            }
        }
        for (long i = 0; i < count; i++) {
            long number = nextStorePage++;
            store.put(number, new StorePage(pageSize));
            mappings.put(first + i, number);
        }
    }

    /** Unmaps every mapped page in {@code [va, va + length)}; pinned pages stay alive until unpinned. */
    public void munmap(long va, long length) {
        checkRange(va, length);
        long first = va >>> pageShift;
        long count = length >>> pageShift;
        for (long i = 0; i < count; i++) {
            Long number = mappings.remove(first + i);
            if (number != null) {
                StorePage page = store.get(number);
                page.mapped = false;
                releaseIfDead(number, page);
            }
        }
    }

    /** How many store pages are alive (mapped or pinned): lets tests see that unpinning really released memory. */
    public int livePages() {
        return store.size();
    }

    /** How many pins are held on the page at {@code pageAddress} (0 if it is gone). */
    public int pinCount(long pageAddress) {
        StorePage page = store.get(pageAddress >>> pageShift);
        return page == null ? 0 : page.pins;
    }

    /** The total number of pins held on all pages. */
    public long totalPins() {
        long total = 0;
        for (StorePage p : store.values()) {
            total += p.pins;
        }
        return total;
    }

    /** Reads bytes directly from a page address (what a device would see through a mapping of that page). */
    public byte[] readPage(long pageAddress, int offset, int length) {
        StorePage page = store.get(pageAddress >>> pageShift);
        if (page == null || (pageAddress & (pageSize - 1)) != 0 || offset < 0 || offset + length > pageSize) {
            throw new IllegalArgumentException("no live page at 0x" + Long.toHexString(pageAddress));
        }
        byte[] out = new byte[length];
        System.arraycopy(page.bytes, offset, out, 0, length);
        return out;
    }

    @Override
    public void read(long va, byte[] dst, int offset, int length) {
        copy(va, dst, offset, length, false);
    }

    @Override
    public void write(long va, byte[] src, int offset, int length) {
        copy(va, src, offset, length, true);
    }

    private void copy(long va, byte[] buf, int offset, int length, boolean toUser) {
        if (length < 0 || offset < 0 || offset + length > buf.length) {
            throw new IllegalArgumentException("bad buffer range " + offset + "+" + length);
        }
        if (length == 0) {
            return;
        }
        requireMapped(va, length);
        int done = 0;
        while (done < length) {
            long addr = va + done;
            StorePage page = store.get(mappings.get(addr >>> pageShift));
            int inPage = (int) (addr & (pageSize - 1));
            int chunk = Math.min(length - done, pageSize - inPage);
            if (toUser) {
                System.arraycopy(buf, offset + done, page.bytes, inPage, chunk);
            } else {
                System.arraycopy(page.bytes, inPage, buf, offset + done, chunk);
            }
            done += chunk;
        }
    }

    @Override
    public long[] pin(long va, long length) {
        if (length <= 0) {
            throw new IllegalArgumentException("pin length must be positive: " + length);
        }
        requireMapped(va, length);
        long first = va >>> pageShift;
        long last = (va + length - 1) >>> pageShift;
        long count = last - first + 1;
        if (count > Integer.MAX_VALUE) {
            throw new IommufdException(Errno.ENOMEM, "cannot pin " + count + " pages at once");
        }
        long[] pages = new long[(int) count];
        for (int i = 0; i < count; i++) {
            long number = mappings.get(first + i);
            store.get(number).pins++;
            pages[i] = number << pageShift;
        }
        return pages;
    }

    @Override
    public void unpin(long[] pages) {
        for (long address : pages) {
            long number = address >>> pageShift;
            StorePage page = store.get(number);
            if (page == null || page.pins == 0) {
                throw new IllegalStateException("unpin of a page that is not pinned: 0x" + Long.toHexString(address));
            }
            page.pins--;
            releaseIfDead(number, page);
        }
    }

    private void releaseIfDead(long number, StorePage page) {
        if (!page.mapped && page.pins == 0) {
            store.remove(number);
        }
    }

    /** EFAULT unless every page of {@code [va, va + length)} is mapped (and the range does not wrap). */
    private void requireMapped(long va, long length) {
        long last = va + length - 1;
        if (Long.compareUnsigned(last, va) < 0) {
            throw new IommufdException(Errno.EFAULT, "user range 0x" + Long.toHexString(va) + "+" + length + " wraps");
        }
        for (long p = va >>> pageShift; Long.compareUnsigned(p, last >>> pageShift) <= 0; p++) {
            if (!mappings.containsKey(p)) {
                throw new IommufdException(Errno.EFAULT, "nothing mapped at user address 0x"
                    + Long.toHexString(Math.max(p << pageShift, va)));
            }
        }
    }

    private void checkRange(long va, long length) {
        if (length <= 0 || ((va | length) & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException("range must be page aligned and non-empty: 0x"
                + Long.toHexString(va) + "+0x" + Long.toHexString(length));
        }
        if (Long.compareUnsigned(va + length - 1, va) < 0) {
            throw new IllegalArgumentException("range wraps: 0x" + Long.toHexString(va));
        }
    }
}
