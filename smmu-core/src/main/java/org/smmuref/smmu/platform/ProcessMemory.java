package org.smmuref.smmu.platform;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.smmu.hw.PhysicalMemory;

/**
 * A process address space on the machine: 4 KB virtual pages backed by physical pages of the platform's RAM, so
 * that the page addresses {@link #pin} returns are real PAs a device can DMA to. A pinned page survives
 * {@link #munmap} until its last pin is dropped, like {@code pin_user_pages}.
 */
public final class ProcessMemory implements UserMemory {
    private static final int PAGE = (int) PhysicalMemory.PAGE_SIZE;

    private final PhysicalMemory memory;
    private final PagePool pool;
    /** Virtual page number -> PA of the backing page. */
    private final TreeMap<Long, Long> pages = new TreeMap<>(Long::compareUnsigned);
    /** PA -> pin count of pinned pages. */
    private final Map<Long, Integer> pins = new HashMap<>();

    ProcessMemory(PhysicalMemory memory, PagePool pool) {
        this.memory = Objects.requireNonNull(memory);
        this.pool = Objects.requireNonNull(pool);
    }

    /**
     * Maps fresh zeroed pages at {@code [va, va + length)} (page aligned, nothing mapped there). All or nothing: when
     * the machine runs out of pages, the ones taken are given back before the failure is thrown.
     */
    public synchronized void mmap(long va, long length) {
        checkRange(va, length);
        java.util.SortedMap<Long, Long> range = range(va, length);
        if (!range.isEmpty()) {
            throw new IllegalArgumentException("VA 0x" + Long.toHexString(range.firstKey() << 12)
                + " is already mapped");
        }
        long first = va >>> 12;
        long count = length >>> 12;
        try {
            for (long i = 0; i < count; i++) {
                pages.put(first + i, pool.allocate());
            }
        } catch (RuntimeException e) {
            range(va, length).values().forEach(pool::free);
            range(va, length).clear();
            throw e;
        }
    }

    /** Unmaps {@code [va, va + length)}; pinned backing pages stay until unpinned. */
    public synchronized void munmap(long va, long length) {
        checkRange(va, length);
        // only the pages that are mapped are visited, however large the range
        java.util.SortedMap<Long, Long> range = range(va, length);
        for (Long pa : range.values()) {
            if (!pins.containsKey(pa)) {
                pool.free(pa);
            }
        }
        range.clear();
    }

    /** The mapped pages of {@code [va, va + length)} (a checked, page-aligned range), as a live view. */
    private java.util.SortedMap<Long, Long> range(long va, long length) {
        long first = va >>> 12;
        long last = ((va + length) >>> 12) - 1 & (-1L >>> 12);
        return pages.subMap(first, true, last, true);
    }

    /** Unmaps everything (the process exits); pinned backing pages stay until unpinned. */
    public synchronized void unmapAll() {
        for (Long pa : pages.values()) {
            if (!pins.containsKey(pa)) {
                pool.free(pa);
            }
        }
        pages.clear();
    }

    /** The PA backing {@code va}; EFAULT if it is not mapped. */
    public synchronized long physicalAddress(long va) {
        return page(va) + (va & (PAGE - 1));
    }

    @Override
    public int pageSize() {
        return PAGE;
    }

    @Override
    public synchronized void read(long va, byte[] dst, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, dst.length);
        checkMapped(va, length);
        int done = 0;
        while (done < length) {
            long at = va + done;
            int chunk = (int) Math.min(length - done, PAGE - (at & (PAGE - 1)));
            memory.read(page(at) + (at & (PAGE - 1)), dst, offset + done, chunk);
            done += chunk;
        }
    }

    @Override
    public synchronized void write(long va, byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        checkMapped(va, length);
        int done = 0;
        while (done < length) {
            long at = va + done;
            int chunk = (int) Math.min(length - done, PAGE - (at & (PAGE - 1)));
            memory.write(page(at) + (at & (PAGE - 1)), src, offset + done, chunk);
            done += chunk;
        }
    }

    @Override
    public synchronized long[] pin(long va, long length) {
        if (length <= 0) {
            throw new IllegalArgumentException("pin length must be positive: " + length);
        }
        checkMapped(va, length);
        long first = va >>> 12;
        long last = (va + length - 1) >>> 12;
        long[] out = new long[(int) (last - first + 1)];
        for (long p = first; p <= last; p++) {
            long pa = pages.get(p);
            out[(int) (p - first)] = pa;
            pins.merge(pa, 1, Integer::sum);
        }
        return out;
    }

    @Override
    public synchronized void unpin(long[] pinned) {
        for (long pa : pinned) {
            Integer n = pins.get(pa);
            if (n == null) {
                throw new IllegalArgumentException("page 0x" + Long.toHexString(pa) + " is not pinned");
            }
            if (n == 1) {
                pins.remove(pa);
                if (!pages.containsValue(pa)) {
                    pool.free(pa);
                }
            } else {
                pins.put(pa, n - 1);
            }
        }
    }

    /** How many pins are held on the page at {@code pa}. */
    public synchronized int pinCount(long pa) {
        return pins.getOrDefault(pa & ~(long) (PAGE - 1), 0);
    }

    private long page(long va) {
        Long pa = pages.get(va >>> 12);
        if (pa == null) {
            throw new IommufdException(Errno.EFAULT, "VA 0x" + Long.toHexString(va) + " is not mapped");
        }
        return pa;
    }

    private void checkMapped(long va, long length) {
        if (length == 0) {
            return;
        }
        if (va + length - 1 < va && va + length != 0) {
            throw new IommufdException(Errno.EFAULT, "user range wraps the address space");
        }
        for (long p = va >>> 12; Long.compareUnsigned(p, (va + length - 1) >>> 12) <= 0; p++) {
            page(p << 12);
            if (p == -1L >>> 12) {
                break;
            }
        }
    }

    private static void checkRange(long va, long length) {
        if ((va & (PAGE - 1)) != 0 || length <= 0 || (length & (PAGE - 1)) != 0 || va + length < va) {
            throw new IllegalArgumentException(String.format("bad mapping range va=0x%x length=0x%x", va, length));
        }
    }
}
