package org.smmuref.smmu.pgtable;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Allocates naturally aligned, power-of-two sized table memory from one region of table address space (PA or IPA),
 * reusing freed blocks of the same size. Not thread-safe: one builder (or one caller holding a lock) owns it.
 */
public final class PageAllocator {
    private final long base;
    private final long limit;
    private long next;
    private long used;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();

    /** An allocator over {@code [base, base + size)}. */
    public PageAllocator(long base, long size) {
        if (base < 0 || size <= 0 || base + size < base) {
            throw new IllegalArgumentException(String.format("bad table region base 0x%x size 0x%x", base, size));
        }
        this.base = base;
        this.limit = base + size;
        this.next = base;
    }

    /**
     * Allocates {@code bytes} (a power of two) aligned to {@code bytes}.
     *
     * @throws PageTableException with {@link PageTableException.Reason#OUT_OF_TABLE_MEMORY} when the region is full
     */
    public long allocate(long bytes) {
        if (bytes <= 0 || Long.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("table size must be a power of two, was " + bytes);
        }
        ArrayDeque<Long> list = free.get(bytes);
        if (list != null && !list.isEmpty()) {
            used += bytes;
            return list.pop();
        }
        long start = (next + bytes - 1) & -bytes;
        if (start < next || start + bytes > limit || start + bytes < start) {
            throw new PageTableException(PageTableException.Reason.OUT_OF_TABLE_MEMORY, String.format(
                "no room for a 0x%x-byte table in [0x%x, 0x%x)", bytes, base, limit));
        }
        next = start + bytes;
        used += bytes;
        return start;
    }

    /** Returns a block obtained from {@link #allocate} with the same size. */
    public void free(long address, long bytes) {
        if (address < base || address + bytes > limit) {
            throw new IllegalArgumentException(String.format("0x%x was not allocated here", address));
        }
        free.computeIfAbsent(bytes, k -> new ArrayDeque<>()).push(address);
        used -= bytes;
    }

    /** Bytes currently allocated. */
    public long used() {
        return used;
    }
}
