package org.smmuref.smmu.platform;

import java.util.ArrayDeque;
import java.util.List;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.smmu.hw.PhysicalMemory;

/** The machine's free 4 KB pages of RAM, handed to process address spaces (zeroed) and taken back. */
public final class PagePool {
    private final PhysicalMemory memory;
    private final ArrayDeque<Long> free = new ArrayDeque<>();
    private final ArrayDeque<long[]> regions = new ArrayDeque<>();

    /** A pool over the given {@code [base, base + size)} regions, used from the lowest address up. */
    PagePool(PhysicalMemory memory, List<long[]> baseAndSize) {
        this.memory = memory;
        for (long[] r : baseAndSize) {
            regions.add(new long[] {r[0], r[0] + r[1]});
        }
    }

    /** A zeroed page; ENOMEM when RAM is exhausted. */
    public synchronized long allocate() {
        Long page = free.poll();
        if (page == null) {
            while (!regions.isEmpty() && regions.peek()[0] + PhysicalMemory.PAGE_SIZE > regions.peek()[1]) {
                regions.poll();
            }
            long[] r = regions.peek();
            if (r == null) {
                throw new IommufdException(Errno.ENOMEM, "the machine's RAM is exhausted");
            }
            page = r[0];
            r[0] += PhysicalMemory.PAGE_SIZE;
        }
        memory.zero(page, PhysicalMemory.PAGE_SIZE);
        return page;
    }

    /** Returns a page from {@link #allocate}. */
    public synchronized void free(long page) {
        free.push(page);
    }
}
