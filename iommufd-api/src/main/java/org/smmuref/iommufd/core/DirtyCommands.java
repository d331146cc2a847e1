package org.smmuref.iommufd.core;

import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;

import java.util.ArrayList;
import java.util.List;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.DirtyBitmap;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptGetDirtyBitmap;
import org.smmuref.iommufd.uapi.IommuHwptSetDirtyTracking;

/**
 * HWPT_SET_DIRTY_TRACKING and HWPT_GET_DIRTY_BITMAP (hw_pagetable.c, io_pagetable.c, iova_bitmap.c): the core's
 * half of dirty tracking; the driver's half is {@link PagingDomain#readAndClearDirty}.
 */
final class DirtyCommands {
    /** {@code PAGE_SIZE / sizeof(struct page *)}: the most bitmap pages iova_bitmap_get pins at a time. */
    private static final int MAX_PINNED_PAGES = 512;

    private DirtyCommands() {
    }

    /** iommufd_hwpt_set_dirty_tracking, then iopt_set_dirty_tracking. */
    static IommuHwptSetDirtyTracking setDirtyTracking(Context c, IommuHwptSetDirtyTracking cmd) {
        // only flags are checked: __reserved is not (the kernel's rule, kept)
        if ((cmd.flags() & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown SET_DIRTY_TRACKING flags 0x"
                + Integer.toHexString(cmd.flags()));
        }
        HwptPaging hwpt = paging(c, cmd.hwptId());
        PagingDomain domain = hwpt.domain;
        if (!domain.supportsDirtyTracking()) {
            throw new IommufdException(Errno.EOPNOTSUPP, hwpt + " was not allocated with DIRTY_TRACKING");
        }
        boolean enable = (cmd.flags() & IOMMU_HWPT_DIRTY_TRACKING_ENABLE) != 0;
        if (enable) {
            // iopt_clear_dirty_data: a clean snapshot, every mapped area read without a bitmap
            DirtyBitmap discard = new DirtyBitmap() {
                @Override
                public void record(long iova, long length) {
                }

                @Override
                public boolean recording() {
                    return false;
                }
            };
            for (IoPageTable.Area area : hwpt.ioas.iopt.areas()) {
                domain.readAndClearDirty(area.iova(), area.length(), 0, discard);
            }
        }
        domain.setDirtyTracking(enable);
        return cmd;
    }

    /** iommufd_hwpt_get_dirty_bitmap, iopt_read_and_clear_dirty_data, iommu_read_and_clear_dirty. */
    static IommuHwptGetDirtyBitmap getDirtyBitmap(Context c, IommuHwptGetDirtyBitmap cmd) {
        if ((cmd.flags() & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) != 0 || cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown GET_DIRTY_BITMAP flags or non-zero __reserved");
        }
        HwptPaging hwpt = paging(c, cmd.hwptId());
        checkIovaRange(hwpt.ioas.iopt.iovaAlignment(), cmd);
        PagingDomain domain = hwpt.domain;
        if (!domain.supportsDirtyTracking()) {
            throw new IommufdException(Errno.EOPNOTSUPP, hwpt + " was not allocated with DIRTY_TRACKING");
        }
        new Walk(c.memory(), hwpt.ioas.iopt, domain, cmd).run();
        return cmd;
    }

    /** iommufd_get_hwpt_paging: any other object, a nested HWPT included, is ENOENT. */
    private static HwptPaging paging(Context c, int id) {
        return c.objects.get(id, ObjectType.HWPT_PAGING, HwptPaging.class, Errno.ENOENT);
    }

    /**
     * iommufd_check_iova_range, in the kernel's order. A zero {@code length} makes {@code length - 1} U64_MAX, so
     * it overflows for any IOVA but 0 (EOVERFLOW); at IOVA 0 it passes and the walk finds nothing mapped at 0.
     */
    static void checkIovaRange(long alignment, IommuHwptGetDirtyBitmap cmd) {
        long iova = cmd.iova();
        long last = iova + (cmd.length() - 1);
        if (Long.compareUnsigned(last, iova) < 0) {
            throw new IommufdException(Errno.EOVERFLOW, "iova + length - 1 wraps");
        }
        // (the kernel's ULONG_MAX bound is no bound on a 64-bit kernel)
        if ((iova & (alignment - 1)) != 0 || ((last + 1) & (alignment - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, "range not aligned to the IOAS's 0x"
                + Long.toHexString(alignment));
        }
        long pageSize = cmd.pageSize();
        if (pageSize == 0) {
            throw new IommufdException(Errno.EINVAL, "page_size is 0");
        }
        if ((iova & (pageSize - 1)) != 0 || ((last + 1) & (pageSize - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, "range not aligned to page_size 0x" + Long.toHexString(pageSize));
        }
    }

    /**
     * One bitmap walk (iova_bitmap_for_each over __iommu_read_and_clear_dirty). The user bitmap has one bit per
     * {@code 1 << __ffs(page_size)} bytes from {@code iova}: bit {@code n} is bit {@code n % 8} of byte {@code data +
     * n / 8}, at any alignment of {@code data}; bits are only ever set. It is pinned in windows of at most 512 pages;
     * each window's IOVAs are read from the contiguous areas there. A window whose pin fails, or a hole in the
     * areas, ends the walk, and the kernel drops that error (iommu_read_and_clear_dirty ignores what
     * iova_bitmap_for_each returns), so the ioctl still succeeds with the bits set so far.
     */
    private static final class Walk implements DirtyBitmap {
        private final UserMemory memory;
        private final IoPageTable iopt;
        private final PagingDomain domain;
        private final int flags;
        private final long iova;
        private final long length;
        private final int pgshift;
        private final long data;
        private final long pageSize;
        private final long totalWords;
        private long baseWord;
        /** The end of the pinned bitmap bytes of the current window. */
        private long pinEnd;
        /** Records that fell beyond the pinned window (iova_bitmap_set's set-ahead), set when pinned later. */
        private final List<long[]> setAhead = new ArrayList<>();

        Walk(UserMemory memory, IoPageTable iopt, PagingDomain domain, IommuHwptGetDirtyBitmap cmd) {
            this.memory = memory;
            this.iopt = iopt;
            this.domain = domain;
            this.flags = (cmd.flags() & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) != 0 ? PagingDomain.DIRTY_NO_CLEAR : 0;
            this.iova = cmd.iova();
            this.length = cmd.length();
            this.pgshift = Long.numberOfTrailingZeros(cmd.pageSize());
            this.data = cmd.data();
            this.pageSize = memory.pageSize();
            // iova_bitmap_alloc: mapped_total_index = index(length - 1) + 1 u64 words
            this.totalWords = wordOf(length - 1) + 1;
        }

        private long wordOf(long offset) {
            return pgshift + 6 >= 64 ? 0 : Long.divideUnsigned(offset, 64L << pgshift);
        }

        private long wordOffset(long words) {
            return pgshift + 6 >= 64 ? (words == 0 ? 0 : -1L) : (words * 64) << pgshift;
        }

        void run() {
            while (Long.compareUnsigned(baseWord, totalWords) < 0) {
                if (!pin()) {
                    return;
                }
                List<long[]> pending = List.copyOf(setAhead);
                setAhead.clear();
                for (long[] r : pending) {
                    record(r[0], r[1]);
                }
                long windowIova = iova + wordOffset(baseWord);
                long bytes = pinEnd - (data + baseWord * 8);
                long words = Math.min(totalWords - baseWord, (bytes + 7) / 8);
                long windowLength = wordOffset(words);
                long maxLast = iova + length - 1;
                if (windowLength == -1L || Long.compareUnsigned(windowIova + windowLength - 1, maxLast) > 0) {
                    windowLength = maxLast - windowIova + 1;
                }
                if (!readWindow(windowIova, windowLength)) {
                    return;
                }
                baseWord += words;
            }
        }

        /** iova_bitmap_get: pins up to 512 pages from the current word; false (EFAULT, dropped) if none pins. */
        private boolean pin() {
            long addr = data + baseWord * 8;
            long offsetInPage = addr & (pageSize - 1);
            long want = Long.divideUnsigned((totalWords - baseWord) * 8 + pageSize - 1, pageSize)
                + (offsetInPage != 0 ? 1 : 0);
            long npages = Math.min(want, MAX_PINNED_PAGES);
            long first = addr - offsetInPage;
            long pinned = 0;
            while (pinned < npages && mapped(first + pinned * pageSize)) {
                pinned++;
            }
            pinEnd = first + pinned * pageSize;
            return pinned > 0;
        }

        private boolean mapped(long page) {
            try {
                memory.read(page, 1);
                return true;
            } catch (IommufdException e) {
                return false;
            }
        }

        /** __iommu_read_and_clear_dirty over the contiguous areas of one window; false at a hole. */
        private boolean readWindow(long start, long windowLength) {
            long last = start + windowLength - 1;
            long cursor = start;
            for (IoPageTable.Area area : iopt.areas()) {
                if (Long.compareUnsigned(area.last(), cursor) < 0) {
                    continue;
                }
                if (Long.compareUnsigned(area.iova(), cursor) > 0) {
                    return false;
                }
                long end = Long.compareUnsigned(area.last(), last) < 0 ? area.last() : last;
                try {
                    domain.readAndClearDirty(cursor, end - cursor + 1, flags, this);
                } catch (IommufdException e) {
                    // the callback's error ends iova_bitmap_for_each, whose result the kernel drops
                    return false;
                }
                if (end == last) {
                    return true;
                }
                cursor = end + 1;
            }
            return false;
        }

        @Override
        public boolean recording() {
            return true;
        }

        /** iova_bitmap_set: sets the bits of {@code [at, at + n)} in the pinned bytes, the rest set-ahead. */
        @Override
        public void record(long at, long n) {
            long firstBit = (at - iova) >>> pgshift;
            long lastBit = (at + n - 1 - iova) >>> pgshift;
            for (long bit = firstBit; Long.compareUnsigned(bit, lastBit) <= 0; bit++) {
                long byteVa = data + (bit >>> 3);
                if (Long.compareUnsigned(byteVa, pinEnd) >= 0) {
                    long from = iova + (bit << pgshift);
                    setAhead.add(new long[] {from, at + n - from});
                    return;
                }
                byte[] b = memory.read(byteVa, 1);
                b[0] |= (byte) (1 << (bit & 7));
                memory.write(byteVa, b);
            }
        }
    }
}
