package org.smmuref.smmu.hw;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Sparse, page-granular, little-endian physical memory shared by the SMMU model, its queues and DMA masters.
 *
 * <p>Memory exists only inside RAM ranges declared with {@link #addRam}; any access elsewhere throws
 * {@link ExternalAbortException}. Pages inside a RAM range are allocated on first write and read as zero before.
 * Every aligned 64-bit access is single-copy atomic (the walker relies on it for descriptors) and the class is safe
 * for concurrent use by many DMA threads.
 */
public final class PhysicalMemory {
    /** Backing pages are 4 KiB. */
    public static final int PAGE_SHIFT = 12;
    /** Size of one backing page in bytes. */
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** Physical addresses are at most 52 bits wide in SMMUv3 (OAS up to 52 without FEAT_D128). */
    public static final int MAX_PA_BITS = 52;

    private static final int REGION_SHIFT = 18; // 2^18 pages = 1 GiB per region table
    private static final int LONGS_PER_PAGE = (int) (PAGE_SIZE / Long.BYTES);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final int DIRECT_REGIONS = 1 << 12; // regions below 4 TiB skip the hash map

    private final AtomicReferenceArray<AtomicReferenceArray<long[]>> direct =
        new AtomicReferenceArray<>(DIRECT_REGIONS);
    private final ConcurrentHashMap<Long, AtomicReferenceArray<long[]>> regions = new ConcurrentHashMap<>();
    private volatile long[][] ram = new long[0][]; // sorted, non-overlapping {base, limit(exclusive)}

    /**
     * Declares {@code [base, base + size)} as RAM.
     *
     * @throws IllegalArgumentException if the range is not page aligned, is empty, lies beyond 52 bits or overlaps RAM
     *     declared before
     */
    public synchronized PhysicalMemory addRam(long base, long size) {
        if (size <= 0 || (base & (PAGE_SIZE - 1)) != 0 || (size & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(
                String.format("RAM range base 0x%x size 0x%x must be non-empty and 4 KiB aligned", base, size));
        }
        long limit = base + size;
        if (base < 0 || limit < base || limit > (1L << MAX_PA_BITS)) {
            throw new IllegalArgumentException(
                String.format("RAM range base 0x%x size 0x%x lies outside the 52-bit PA space", base, size));
        }
        for (long[] r : ram) {
            if (base < r[1] && r[0] < limit) {
                throw new IllegalArgumentException(
                    String.format("RAM range [0x%x, 0x%x) overlaps [0x%x, 0x%x)", base, limit, r[0], r[1]));
            }
        }
        long[][] next = Arrays.copyOf(ram, ram.length + 1);
        next[ram.length] = new long[] {base, limit};
        Arrays.sort(next, (a, b) -> Long.compareUnsigned(a[0], b[0]));
        ram = next;
        return this;
    }

    /** Whether {@code pa} lies in declared RAM. */
    public boolean isRam(long pa) {
        for (long[] r : ram) {
            if (pa >= r[0] && pa < r[1]) {
                return true;
            }
        }
        return false;
    }

    /** Whether every byte of {@code [pa, pa + length)} lies in declared RAM. */
    public boolean isRam(long pa, long length) {
        if (length <= 0) {
            return length == 0;
        }
        long last = pa + length - 1;
        if (last < pa) {
            return false;
        }
        for (long[] r : ram) {
            if (pa >= r[0] && last < r[1]) {
                return true;
            }
        }
        // A range may also span adjacent RAM ranges.
        long cursor = pa;
        while (true) {
            long[] r = rangeOf(cursor);
            if (r == null) {
                return false;
            }
            if (last < r[1]) {
                return true;
            }
            cursor = r[1];
        }
    }

    private long[] rangeOf(long pa) {
        for (long[] r : ram) {
            if (pa >= r[0] && pa < r[1]) {
                return r;
            }
        }
        return null;
    }

    /** Reads the aligned little-endian 64-bit value at {@code pa} with single-copy atomicity. */
    public long readLong(long pa) {
        checkAligned(pa, Long.BYTES);
        long[] page = page(pa, false);
        return page == null ? 0L : (long) LONGS.getOpaque(page, index(pa));
    }

    /** Writes the aligned little-endian 64-bit value at {@code pa} with single-copy atomicity. */
    public void writeLong(long pa, long value) {
        checkAligned(pa, Long.BYTES);
        LONGS.setOpaque(page(pa, true), index(pa), value);
    }

    /** Atomically replaces the 64-bit value at {@code pa} if it still equals {@code expected} (for HTTU updates). */
    public boolean compareAndSetLong(long pa, long expected, long value) {
        checkAligned(pa, Long.BYTES);
        return LONGS.compareAndSet(page(pa, true), index(pa), expected, value);
    }

    /** Reads {@code count} consecutive 64-bit values starting at the aligned address {@code pa}. */
    public long[] readLongs(long pa, int count) {
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = readLong(pa + (long) i * Long.BYTES);
        }
        return out;
    }

    /** Writes consecutive 64-bit values starting at the aligned address {@code pa}. */
    public void writeLongs(long pa, long... values) {
        for (int i = 0; i < values.length; i++) {
            writeLong(pa + (long) i * Long.BYTES, values[i]);
        }
    }

    /** Reads the aligned little-endian 32-bit value at {@code pa}. */
    public int readInt(long pa) {
        checkAligned(pa, Integer.BYTES);
        long word = readLong(pa & ~7L);
        return (int) (word >>> ((pa & 4) * 8));
    }

    /** Writes the aligned little-endian 32-bit value at {@code pa}, atomically with respect to its 64-bit word. */
    public void writeInt(long pa, int value) {
        checkAligned(pa, Integer.BYTES);
        int shift = (int) ((pa & 4) * 8);
        long mask = 0xFFFF_FFFFL << shift;
        merge(pa & ~7L, mask, ((long) value & 0xFFFF_FFFFL) << shift);
    }

    /** Reads one byte. */
    public byte readByte(long pa) {
        long word = readLong(pa & ~7L);
        return (byte) (word >>> ((pa & 7) * 8));
    }

    /** Writes one byte, atomically with respect to its 64-bit word. */
    public void writeByte(long pa, byte value) {
        int shift = (int) ((pa & 7) * 8);
        merge(pa & ~7L, 0xFFL << shift, ((long) value & 0xFF) << shift);
    }

    /** Copies {@code length} bytes at {@code pa} into {@code dst[offset..]}. Aborts before copying anything. */
    public void read(long pa, byte[] dst, int offset, int length) {
        checkRange(pa, length);
        for (int i = 0; i < length; i++) {
            dst[offset + i] = readByte(pa + i);
        }
    }

    /** Copies {@code src[offset..offset+length)} to {@code pa}. Aborts before writing anything. */
    public void write(long pa, byte[] src, int offset, int length) {
        checkRange(pa, length);
        for (int i = 0; i < length; i++) {
            writeByte(pa + i, src[offset + i]);
        }
    }

    /** Fills {@code [pa, pa + length)} with zero bytes. */
    public void zero(long pa, long length) {
        checkRange(pa, length);
        for (long a = pa; a < pa + length; ) {
            if ((a & 7) == 0 && a + 8 <= pa + length) {
                writeLong(a, 0);
                a += 8;
            } else {
                writeByte(a, (byte) 0);
                a++;
            }
        }
    }

    private void merge(long wordPa, long mask, long bits) {
        long[] page = page(wordPa, true);
        int i = index(wordPa);
        long old;
        do {
            old = (long) LONGS.getOpaque(page, i);
        } while (!LONGS.compareAndSet(page, i, old, (old & ~mask) | bits));
    }

    private void checkRange(long pa, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        if (!isRam(pa, length)) {
            long bad = pa;
            while (isRam(bad)) {
                bad++;
            }
            throw new ExternalAbortException(bad);
        }
    }

    private static void checkAligned(long pa, int size) {
        if ((pa & (size - 1)) != 0) {
            throw new IllegalArgumentException(String.format("unaligned %d-byte access at PA 0x%x", size, pa));
        }
    }

    private static int index(long pa) {
        return (int) ((pa >>> 3) & (LONGS_PER_PAGE - 1));
    }

    private AtomicReferenceArray<long[]> newRegion(long regionNumber) {
        if (regionNumber < DIRECT_REGIONS) {
            direct.compareAndSet((int) regionNumber, null, new AtomicReferenceArray<>(1 << REGION_SHIFT));
            return direct.get((int) regionNumber);
        }
        return regions.computeIfAbsent(regionNumber, k -> new AtomicReferenceArray<>(1 << REGION_SHIFT));
    }

    private long[] page(long pa, boolean create) {
        long pfn = pa >>> PAGE_SHIFT;
        long regionNumber = pfn >>> REGION_SHIFT;
        AtomicReferenceArray<long[]> region = regionNumber < DIRECT_REGIONS
            ? direct.get((int) regionNumber) : regions.get(regionNumber);
        long[] page = region == null ? null : region.get((int) (pfn & ((1 << REGION_SHIFT) - 1)));
        if (page != null) {
            return page;
        }
        if (!isRam(pa)) {
            throw new ExternalAbortException(pa);
        }
        if (!create) {
            return null;
        }
        if (region == null) {
            region = newRegion(regionNumber);
        }
        int slot = (int) (pfn & ((1 << REGION_SHIFT) - 1));
        long[] fresh = new long[LONGS_PER_PAGE];
        return region.compareAndSet(slot, null, fresh) ? fresh : region.get(slot);
    }
}
