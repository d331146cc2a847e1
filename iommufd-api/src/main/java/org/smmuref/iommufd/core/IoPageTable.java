package org.smmuref.iommufd.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.spi.UserFile;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The IOVA space of one IOAS (the kernel's {@code io_pagetable}): mapped areas over user pages, reserved ranges, the
 * user's allowed ranges, and the paging domains kept in sync with the areas.
 *
 * <p>All addresses and lengths are unsigned 64-bit. The IOVA alignment follows {@code iopt_calculate_iova_alignment}:
 * 1 with no domain, PAGE_SIZE once large pages are disabled, else the largest of the domains' smallest page sizes;
 * so without a domain a mapping may start and end anywhere, a {@code user_va} inside a page included (the area keeps
 * that offset). User pages are pinned lazily, as {@code pages.c} does: an area takes only a reference on its user
 * range until a domain needs the pages; then they are pinned (EFAULT where nothing is mapped) and stay pinned while
 * a domain of an IOAS holds them. A failing operation changes nothing.
 */
final class IoPageTable {
    private static final Comparator<IovaRange> BY_START = (a, b) -> Long.compareUnsigned(a.start(), b.start());
    /** The kernel's {@code ULONG_MAX / 2}: iopt_alloc_iova's bound protecting roundup_pow_of_two. */
    private static final long HALF_SPACE = Long.MAX_VALUE;

    /**
     * One reference on a user range (the kernel's {@code iopt_pages}), shared by every area that maps part of it
     * (IOAS_COPY shares). {@code base} is the page-aligned start; page {@code i} is at {@code base + i * page}. Pins
     * are per page: each filled area holds one reference on every page it spans.
     */
    static final class Pages {
        final long base;
        final long length;
        /** Mapped with write permission (the kernel's {@code pages->writable}): only then may a copy write. */
        final boolean writable;
        /** The file the pages come from (IOAS_MAP_FILE; {@code base} is then a file offset), else null. */
        final UserFile file;
        /** The process whose address space user pages come from (the kernel's {@code source_mm}). */
        final UserMemory source;
        /** The process the pinned pages are charged to; IOAS_CHANGE_PROCESS moves it (change_mm). */
        UserMemory account;
        /** The areas that refer to this range (the kref). */
        int areas;
        /** page index -> [backing page address, number of filled areas spanning it]. */
        final TreeMap<Long, long[]> pinned = new TreeMap<>();

        Pages(long base, long length, boolean writable, UserFile file, UserMemory source) {
            this.base = base;
            this.length = length;
            this.writable = writable;
            this.file = file;
            this.source = Objects.requireNonNull(source);
            this.account = source;
        }

        long[] pinRange(long start, long bytes) {
            return file != null ? file.pin(start, bytes) : source.pin(start, bytes);
        }

        void unpinPages(long[] pages) {
            if (file != null) {
                file.unpin(pages);
            } else {
                source.unpin(pages);
            }
        }

        /** How many of its pages are pinned now. */
        int pinnedPages() {
            return pinned.size();
        }
    }

    /**
     * A mapped range: {@code length} bytes at {@code iova}, taken from {@code pages} from byte {@code startByte} of
     * its page-aligned base (the kernel's {@code iopt_area}; {@code startByte % page} is its {@code page_offset}).
     */
    record Area(long iova, long length, int prot, Pages pages, long startByte) {
        long last() {
            return iova + length - 1;
        }

        IovaRange range() {
            return new IovaRange(iova, last());
        }
    }

    private record Reservation(IovaRange range, Object owner) {
    }

    private final UserMemory memory;
    private final long pageSize;
    private final int pageShift;
    private final TreeMap<Long, Area> areas = new TreeMap<>(Long::compareUnsigned);
    private final List<Reservation> reserved = new ArrayList<>();
    private final List<IovaRange> allowed = new ArrayList<>();
    private final List<PagingDomain> domains = new ArrayList<>();
    private boolean largePages = true;
    /** iopt_init_table: a table without domains has no alignment restriction. */
    private long iovaAlignment = 1;

    IoPageTable(UserMemory memory) {
        this.memory = Objects.requireNonNull(memory);
        this.pageSize = memory.pageSize();
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
    }

    /** The IOVA alignment every mapping must have now (IOAS_IOVA_RANGES' {@code out_iova_alignment}). */
    long iovaAlignment() {
        return iovaAlignment;
    }

    /** The mapped areas in IOVA order. */
    List<Area> areas() {
        return List.copyOf(areas.values());
    }

    /** The paging domains attached to this IOAS. */
    List<PagingDomain> domains() {
        return List.copyOf(domains);
    }

    // ------------------------------------------------------------------ map, copy, unmap

    /**
     * IOAS_MAP after the command-level checks (iopt_map_user_pages): takes a reference on {@code [userVa, +length)}
     * and maps it; pins only if a domain is attached. Returns the IOVA.
     */
    long map(UserMemory source, long userVa, long length, long iova, boolean fixed, int prot) {
        // iopt_alloc_user_pages: the end of the user range must not wrap, then iopt_alloc_pages' size limits
        if (Long.compareUnsigned(userVa + length, userVa) < 0) {
            throw new IommufdException(Errno.EOVERFLOW, "user_va + length wraps");
        }
        if (length == 0 || Long.compareUnsigned(length, -1L - pageSize) > 0) {
            throw new IommufdException(Errno.EINVAL, "length 0x" + Long.toHexString(length)
                + " is 0 or too large to describe in pages");
        }
        long startByte = userVa & (pageSize - 1);
        Pages pages = new Pages(userVa - startByte, length, (prot & PagingDomain.PROT_WRITE) != 0, null, source);
        return mapPieces(List.of(new Piece(pages, startByte, length)), length, iova, fixed, prot);
    }

    /**
     * IOAS_MAP_FILE after the command-level checks (iopt_map_file_pages / iopt_alloc_file_pages): takes a reference on
     * {@code [start, +length)} of the file and maps it; EOVERFLOW if {@code start + length - 1} wraps, EINVAL for a
     * length of 0 or too large to describe in pages. The file's size is not checked here: pinning (when a domain
     * needs the pages) meets it. The allocated IOVA's alignment follows the file offset.
     */
    long mapFile(UserMemory caller, UserFile file, long start, long length, long iova, boolean fixed, int prot) {
        if (length != 0 && Long.compareUnsigned(start + length - 1, start) < 0) {
            throw new IommufdException(Errno.EOVERFLOW, "start + length wraps");
        }
        if (length == 0 || Long.compareUnsigned(length, -1L - pageSize) > 0) {
            throw new IommufdException(Errno.EINVAL, "length 0x" + Long.toHexString(length)
                + " is 0 or too large to describe in pages");
        }
        long startByte = start & (pageSize - 1);
        Pages pages = new Pages(start - startByte, length, (prot & PagingDomain.PROT_WRITE) != 0, file, caller);
        return mapPieces(List.of(new Piece(pages, startByte, length)), length, iova, fixed, prot);
    }

    /** A slice of a user range to map: {@code length} bytes from byte {@code startByte} of {@code pages}. */
    record Piece(Pages pages, long startByte, long length) {
    }

    /**
     * IOAS_COPY after the command-level checks: maps again, here, the slices {@code pieces} (from {@link
     * #slicesCovering} on the source); returns the destination IOVA.
     */
    long copyFrom(IoPageTable src, long length, long dstIova, boolean fixed, int prot, List<Piece> pieces) {
        if (src.memory != memory) {
            throw new IommufdException(Errno.EINVAL, "source and destination belong to different processes");
        }
        return mapPieces(pieces, length, dstIova, fixed, prot);
    }

    /**
     * The kernel's iopt_get_pages: the slices of contiguous areas exactly covering {@code [iova, +length)}, with no
     * alignment requirement (the destination checks its own); EINVAL for length 0, EOVERFLOW if it wraps, ENOENT for
     * any hole.
     */
    List<Piece> slicesCovering(long iova, long length) {
        checkLength(length);
        long last = lastOf(iova, length);
        List<Piece> out = new ArrayList<>();
        Map.Entry<Long, Area> e = areas.floorEntry(iova);
        Area area = e == null ? null : e.getValue();
        if (area == null || Long.compareUnsigned(area.last(), iova) < 0) {
            throw new IommufdException(Errno.ENOENT, "nothing mapped at IOVA 0x" + Long.toHexString(iova));
        }
        long cursor = iova;
        while (true) {
            long end = Long.compareUnsigned(area.last(), last) < 0 ? area.last() : last;
            out.add(new Piece(area.pages(), area.startByte() + (cursor - area.iova()), end - cursor + 1));
            if (end == last) {
                return out;
            }
            cursor = end + 1;
            area = areas.get(cursor);
            if (area == null) {
                throw new IommufdException(Errno.ENOENT, "hole at IOVA 0x" + Long.toHexString(cursor));
            }
        }
    }

    /** iopt_map_pages: IOVA checks (iopt_alloc_area_pages), areas inserted (iopt_insert_area), domains filled. */
    private long mapPieces(List<Piece> pieces, long length, long iova, boolean fixed, int prot) {
        if (length == 0 || (length & (iovaAlignment - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, "length 0x" + Long.toHexString(length)
                + " is not aligned to the IOAS's 0x" + Long.toHexString(iovaAlignment));
        }
        Piece first = pieces.get(0);
        long target = fixed ? checkIova(iova, length) : allocIova(length, first.pages().base + first.startByte());
        List<Area> fresh = new ArrayList<>();
        long at = target;
        for (Piece piece : pieces) {
            if ((prot & PagingDomain.PROT_WRITE) != 0 && !piece.pages().writable) {
                // iopt_insert_area: a writable copy of user memory that was mapped read-only
                throw new IommufdException(Errno.EPERM, "the source at user address 0x" + Long.toHexString(
                    piece.pages().base + piece.startByte()) + " was mapped without WRITEABLE");
            }
            if ((piece.startByte() & (pageSize - 1) & (iovaAlignment - 1)) != 0) {
                throw new IommufdException(Errno.EINVAL, "offset 0x" + Long.toHexString(piece.startByte()
                    & (pageSize - 1)) + " in the user page is not aligned to 0x" + Long.toHexString(iovaAlignment));
            }
            fresh.add(new Area(at, piece.length(), prot, piece.pages(), piece.startByte()));
            at += piece.length();
        }
        insertAndFill(fresh);
        return target;
    }

    /** Inserts new areas and, if domains exist, pins their pages and maps them into every domain; or nothing. */
    private void insertAndFill(List<Area> fresh) {
        List<Area> filled = new ArrayList<>();
        try {
            if (!domains.isEmpty()) {
                for (Area area : fresh) {
                    fillDomains(area);
                    filled.add(area);
                }
            }
        } catch (RuntimeException e) {
            for (Area area : filled) {
                unfillDomains(area);
            }
            throw e;
        }
        for (Area area : fresh) {
            area.pages().areas++;
            areas.put(area.iova(), area);
        }
    }

    /** iopt_area_fill_domains: pins the area's pages and maps it into every domain, or changes nothing. */
    private void fillDomains(Area area) {
        pin(area);
        List<PagingDomain> done = new ArrayList<>();
        try {
            for (PagingDomain domain : domains) {
                mapInto(domain, area);
                done.add(domain);
            }
        } catch (RuntimeException e) {
            for (PagingDomain domain : done) {
                domain.unmap(area.iova(), area.length());
            }
            unpin(area);
            throw e;
        }
    }

    private void unfillDomains(Area area) {
        for (PagingDomain domain : domains) {
            domain.unmap(area.iova(), area.length());
        }
        unpin(area);
    }

    private long firstIndex(Area area) {
        return area.startByte() >>> pageShift;
    }

    private long lastIndex(Area area) {
        return (area.startByte() + area.length() - 1) >>> pageShift;
    }

    /** Takes a pin reference on every page of the area, pinning the pages no filled area holds yet; EFAULT: none. */
    private void pin(Area area) {
        Pages pages = area.pages();
        long first = firstIndex(area);
        long last = lastIndex(area);
        List<long[]> gaps = new ArrayList<>();
        long cursor = first;
        for (long index : pages.pinned.subMap(first, true, last, true).keySet()) {
            if (index > cursor) {
                gaps.add(new long[] {cursor, index - 1});
            }
            cursor = index + 1;
        }
        if (cursor <= last) {
            gaps.add(new long[] {cursor, last});
        }
        List<long[]> pinnedGaps = new ArrayList<>();
        try {
            for (long[] gap : gaps) {
                long count = gap[1] - gap[0] + 1;
                if (count > Long.MAX_VALUE >>> pageShift) {
                    // 2^63 bytes or more: no process has that much mapped, so pinning meets a hole
                    throw new IommufdException(Errno.EFAULT, "0x" + Long.toHexString(count) + " pages from user "
                        + "address 0x" + Long.toHexString(pages.base + (gap[0] << pageShift)) + " cannot all be mapped");
                }
                pinnedGaps.add(pages.pinRange(pages.base + (gap[0] << pageShift), count << pageShift));
            }
        } catch (RuntimeException e) {
            pinnedGaps.forEach(pages::unpinPages);
            throw e;
        }
        long fresh = 0;
        for (int g = 0; g < gaps.size(); g++) {
            long[] addresses = pinnedGaps.get(g);
            fresh += addresses.length;
            for (int i = 0; i < addresses.length; i++) {
                pages.pinned.put(gaps.get(g)[0] + i, new long[] {addresses[i], 0});
            }
        }
        for (long[] page : pages.pinned.subMap(first, true, last, true).values()) {
            page[1]++;
        }
        if (fresh > 0) {
            // iopt_pages_update_pinned: newly pinned pages are charged to the pages' process
            pages.account.accountPinned(fresh);
        }
    }

    /** Drops the area's pin references; a page no filled area spans any more is unpinned. */
    private void unpin(Area area) {
        Pages pages = area.pages();
        List<Long> released = new ArrayList<>();
        for (Map.Entry<Long, long[]> e : pages.pinned.subMap(firstIndex(area), true, lastIndex(area), true)
            .entrySet()) {
            if (--e.getValue()[1] == 0) {
                released.add(e.getKey());
            }
        }
        long[] addresses = new long[released.size()];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = pages.pinned.remove(released.get(i))[0];
        }
        if (addresses.length > 0) {
            pages.unpinPages(addresses);
            pages.account.accountPinned(-addresses.length);
        }
    }

    /**
     * Maps a filled area into a domain: each user page's part of the area at its backing address plus the offset,
     * merged into physically contiguous runs unless large pages are disabled (then one page at a time, as
     * batch_iommu_map_small does).
     */
    private void mapInto(PagingDomain domain, Area area) {
        Pages pages = area.pages();
        long endByte = area.startByte() + area.length();
        long runIova = area.iova();
        long runPhys = 0;
        long runLength = 0;
        long mapped = 0;
        try {
            for (Map.Entry<Long, long[]> e : pages.pinned.subMap(firstIndex(area), true, lastIndex(area), true)
                .entrySet()) {
                long pageStart = e.getKey() << pageShift;
                long from = Math.max(pageStart, area.startByte());
                long to = Math.min(pageStart + pageSize, endByte);
                long phys = e.getValue()[0] + (from - pageStart);
                if (runLength > 0 && largePages && phys == runPhys + runLength) {
                    runLength += to - from;
                    continue;
                }
                if (runLength > 0) {
                    domain.map(runIova, runPhys, runLength, area.prot());
                    mapped += runLength;
                }
                runIova = area.iova() + (from - area.startByte());
                runPhys = phys;
                runLength = to - from;
            }
            domain.map(runIova, runPhys, runLength, area.prot());
        } catch (RuntimeException e) {
            if (mapped > 0) {
                domain.unmap(area.iova(), mapped);
            }
            throw e;
        }
    }

    /**
     * IOAS_UNMAP of {@code [iova, +length)}: every area touching the range must lie wholly inside it (ENOENT
     * otherwise, and nothing is unmapped), and at least one must (ENOENT). Returns the bytes unmapped.
     */
    long unmap(long iova, long length) {
        checkLength(length);
        long last = lastOf(iova, length);
        List<Area> victims = areasIntersecting(new IovaRange(iova, last));
        for (Area area : victims) {
            if (Long.compareUnsigned(area.iova(), iova) < 0 || Long.compareUnsigned(area.last(), last) > 0) {
                throw new IommufdException(Errno.ENOENT, "range would split the area " + area.range());
            }
        }
        if (victims.isEmpty()) {
            throw new IommufdException(Errno.ENOENT, "nothing is mapped in " + new IovaRange(iova, last));
        }
        return removeAreas(victims);
    }

    /**
     * The kernel's iopt_cut_iova: splits the area holding each IOVA so that one piece ends there (iopt_area_split;
     * nothing to do where no area holds it or the area already ends there). EINVAL if the new piece's start, or its
     * offset in the user pages, is not aligned to the IOAS's IOVA alignment. Used by VFIO type1 unmap with large pages
     * disabled, where the alignment is at least a page, so the two pieces span different user pages and the pins
     * (one reference per filled area spanning a page) and the domains' page-by-page mappings stay as they are.
     */
    void cutAt(long... lastIovas) {
        for (long at : lastIovas) {
            Map.Entry<Long, Area> e = areas.floorEntry(at);
            if (e == null || Long.compareUnsigned(e.getValue().last(), at) < 0) {
                continue;
            }
            Area area = e.getValue();
            if (area.last() == at) {
                continue;
            }
            long newStart = at + 1;
            long headLength = newStart - area.iova();
            long newStartByte = area.startByte() + headLength;
            if (((newStart | (newStartByte & (pageSize - 1))) & (iovaAlignment - 1)) != 0) {
                throw new IommufdException(Errno.EINVAL, "cannot cut the area " + area.range() + " at 0x"
                    + Long.toHexString(newStart) + ": not aligned to 0x" + Long.toHexString(iovaAlignment));
            }
            Area head = new Area(area.iova(), headLength, area.prot(), area.pages(), area.startByte());
            Area tail = new Area(newStart, area.length() - headLength, area.prot(), area.pages(), newStartByte);
            areas.put(head.iova(), head);
            areas.put(tail.iova(), tail);
            area.pages().areas++;
        }
    }

    /** Unmaps everything; returns the bytes unmapped (0 when empty). */
    long unmapAll() {
        return removeAreas(List.copyOf(areas.values()));
    }

    private long removeAreas(List<Area> victims) {
        long bytes = 0;
        for (Area area : victims) {
            if (!domains.isEmpty()) {
                unfillDomains(area);
            }
            areas.remove(area.iova());
            area.pages().areas--;
            bytes += area.length();
        }
        return bytes;
    }

    // ------------------------------------------------------------------ IOVA checks and allocation

    /** The kernel's iopt_check_iova: alignment EINVAL, wrap EOVERFLOW, reserved EINVAL, mapped EEXIST. */
    private long checkIova(long iova, long length) {
        if ((iova & (iovaAlignment - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, "IOVA 0x" + Long.toHexString(iova) + " is not aligned to 0x"
                + Long.toHexString(iovaAlignment));
        }
        IovaRange range = new IovaRange(iova, lastOf(iova, length));
        for (Reservation r : reserved) {
            if (r.range().intersects(range)) {
                throw new IommufdException(Errno.EINVAL, range + " intersects the reserved " + r.range());
            }
        }
        if (!areasIntersecting(range).isEmpty()) {
            throw new IommufdException(Errno.EEXIST, range + " is already mapped");
        }
        return iova;
    }

    /**
     * The kernel's iopt_alloc_iova: the lowest free IOVA inside the allowed ranges (or {@code [page, U64_MAX -
     * page]} when none are set), aligned to the mapping's size rounded up to a power of two but no more than the
     * user address is aligned, and carrying the user address's offset in its page. EOVERFLOW for a length of half
     * the space or more, EINVAL when that alignment is below the IOAS's, ENOSPC if no hole fits.
     */
    private long allocIova(long length, long uptr) {
        if (length == 0 || Long.compareUnsigned(length, HALF_SPACE) >= 0) {
            throw new IommufdException(Errno.EOVERFLOW, "mapping of 0x" + Long.toHexString(length)
                + " bytes is too large to align");
        }
        long pageOffset = uptr & (pageSize - 1);
        // unsigned throughout: roundup_pow_of_two of a length below 2^63 - 1 may be 2^63
        long align = Long.highestOneBit(length);
        if (align != length) {
            align <<= 1;
        }
        if (uptr != 0 && Long.compareUnsigned(Long.lowestOneBit(uptr), align) < 0) {
            align = Long.lowestOneBit(uptr);
        }
        if (Long.compareUnsigned(align, iovaAlignment) < 0) {
            throw new IommufdException(Errno.EINVAL, "user_va 0x" + Long.toHexString(uptr) + " and length 0x"
                + Long.toHexString(length) + " allow only an alignment of 0x" + Long.toHexString(align)
                + ", below the IOAS's 0x" + Long.toHexString(iovaAlignment));
        }
        List<IovaRange> used = new ArrayList<>();
        reserved.forEach(r -> used.add(r.range()));
        areas.values().forEach(a -> used.add(a.range()));
        used.sort(BY_START);
        IovaRange window = new IovaRange(pageSize, -1L - pageSize);
        for (IovaRange span : allowedSpans()) {
            if (!span.intersects(window)) {
                continue;
            }
            long start = Long.compareUnsigned(span.start(), window.start()) > 0 ? span.start() : window.start();
            long last = Long.compareUnsigned(span.last(), window.last()) < 0 ? span.last() : window.last();
            if (!fits(start, last, length, align, pageOffset)) {
                continue; // __alloc_iova_check_used, which also moves the span's start to its aligned value
            }
            start = alignedStart(start, align, pageOffset);
            long hole = start;
            for (IovaRange u : used) {
                if (Long.compareUnsigned(u.last(), hole) < 0) {
                    continue;
                }
                if (Long.compareUnsigned(u.start(), last) > 0) {
                    break;
                }
                if (Long.compareUnsigned(u.start(), hole) > 0 && fits(hole, u.start() - 1, length, align,
                    pageOffset)) {
                    return alignedStart(hole, align, pageOffset);
                }
                if (Long.compareUnsigned(u.last(), last) >= 0) {
                    hole = -1L;
                    break;
                }
                hole = u.last() + 1;
            }
            if (hole != -1L && fits(hole, last, length, align, pageOffset)) {
                return alignedStart(hole, align, pageOffset);
            }
        }
        throw new IommufdException(Errno.ENOSPC, "no free IOVA range of 0x" + Long.toHexString(length) + " bytes");
    }

    /** __alloc_iova_check_hole: whether {@code [start, last]} holds the mapping at its aligned start. */
    private static boolean fits(long start, long last, long length, long align, long pageOffset) {
        if (Long.compareUnsigned(last - start, length - 1) < 0) {
            return false;
        }
        long aligned = alignedStart(start, align, pageOffset);
        return Long.compareUnsigned(aligned, start) >= 0 && Long.compareUnsigned(aligned, last) <= 0
            && Long.compareUnsigned(last - aligned, length - 1) >= 0;
    }

    /** ALIGN(start, align) | page_offset; a wrap past the top of the space yields 0, below any start, so no fit. */
    private static long alignedStart(long start, long align, long pageOffset) {
        long up = (start + align - 1) & -align;
        if (Long.compareUnsigned(up, start) < 0) {
            return 0;
        }
        return up | pageOffset;
    }

    private void checkLength(long length) {
        if (length == 0) {
            throw new IommufdException(Errno.EINVAL, "length is 0");
        }
    }

    private static long lastOf(long iova, long length) {
        long last = iova + length - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw new IommufdException(Errno.EOVERFLOW, "IOVA 0x" + Long.toHexString(iova) + " + length 0x"
                + Long.toHexString(length) + " wraps");
        }
        return last;
    }

    private List<Area> areasIntersecting(IovaRange range) {
        List<Area> out = new ArrayList<>();
        Map.Entry<Long, Area> before = areas.lowerEntry(range.start());
        if (before != null && before.getValue().range().intersects(range)) {
            out.add(before.getValue());
        }
        for (Area area : areas.tailMap(range.start(), true).values()) {
            if (Long.compareUnsigned(area.iova(), range.last()) > 0) {
                break;
            }
            out.add(area);
        }
        return out;
    }

    // ------------------------------------------------------------------ allowed and reserved ranges

    /** The allowed ranges as interval_tree_for_each_span sees them: touching ranges merged; everything if none. */
    private List<IovaRange> allowedSpans() {
        if (allowed.isEmpty()) {
            return List.of(IovaRange.ALL);
        }
        List<IovaRange> sorted = new ArrayList<>(allowed);
        sorted.sort(BY_START);
        List<IovaRange> spans = new ArrayList<>();
        IovaRange open = sorted.get(0);
        for (IovaRange next : sorted.subList(1, sorted.size())) {
            if (open.last() != -1L && next.start() == open.last() + 1) {
                open = new IovaRange(open.start(), next.last());
            } else {
                spans.add(open);
                open = next;
            }
        }
        spans.add(open);
        return spans;
    }

    /**
     * IOAS_IOVA_RANGES (iommufd_ioas_iova_ranges): the holes between the reserved ranges over the whole 64-bit
     * space, in order. The allowed ranges play no part.
     */
    List<IovaRange> usableRanges() {
        List<IovaRange> blocked = new ArrayList<>();
        reserved.forEach(r -> blocked.add(r.range()));
        blocked.sort(BY_START);
        List<IovaRange> holes = new ArrayList<>();
        long cursor = 0;
        for (IovaRange b : blocked) {
            if (Long.compareUnsigned(b.last(), cursor) < 0) {
                continue;
            }
            if (Long.compareUnsigned(b.start(), cursor) > 0) {
                holes.add(new IovaRange(cursor, b.start() - 1));
            }
            if (b.last() == -1L) {
                return holes;
            }
            cursor = b.last() + 1;
        }
        holes.add(new IovaRange(cursor, -1L));
        return holes;
    }

    /**
     * The second half of IOAS_ALLOW_IOVAS (iopt_set_allow_iova): replaces the allowed ranges (none = no
     * restriction), which the caller loaded and checked one by one; EADDRINUSE if a reserved range meets one.
     */
    void setAllowed(List<IovaRange> ranges) {
        for (IovaRange range : ranges) {
            for (Reservation r : reserved) {
                if (r.range().intersects(range)) {
                    throw addressInUse("allowed range " + range + " meets the reserved " + r.range());
                }
            }
        }
        allowed.clear();
        allowed.addAll(ranges);
    }

    /**
     * Reserves {@code ranges} for {@code owner}, replacing what it reserved before: EADDRINUSE if one
     * meets a mapped area or an allowed range.
     */
    void reserve(Object owner, List<IovaRange> ranges) {
        for (IovaRange range : ranges) {
            if (!areasIntersecting(range).isEmpty()) {
                throw addressInUse("reserved range " + range + " is mapped");
            }
            for (IovaRange a : allowed) {
                if (a.intersects(range)) {
                    throw addressInUse("reserved range " + range + " meets the allowed " + a);
                }
            }
        }
        unreserve(owner);
        for (IovaRange range : ranges) {
            reserved.add(new Reservation(range, owner));
        }
    }

    /** Drops everything {@code owner} reserved. */
    void unreserve(Object owner) {
        reserved.removeIf(r -> r.owner() == owner);
    }

    /** A reserved range against a mapped or allowed one: the kernel's EADDRINUSE (io_pagetable.c). */
    private static IommufdException addressInUse(String why) {
        return new IommufdException(Errno.EADDRINUSE, why);
    }

    // ------------------------------------------------------------------ alignment and domains

    /** iopt_calculate_iova_alignment's value: PAGE_SIZE or 1 by the large-page option, raised by every domain. */
    private long requiredAlignment() {
        long align = largePages ? 1 : pageSize;
        for (PagingDomain domain : domains) {
            align = Math.max(align, Long.lowestOneBit(domain.pageSizeBitmap()));
        }
        return align;
    }

    /** iopt_check_iova_alignment: EADDRINUSE unless every area's IOVA, length and page offset are aligned. */
    private void checkAreasAligned(long alignment) {
        long mask = alignment - 1;
        for (Area area : areas.values()) {
            if (((area.iova() | area.length() | (area.startByte() & (pageSize - 1))) & mask) != 0) {
                throw addressInUse("the mapping " + area.range() + " at page offset 0x" + Long.toHexString(
                    area.startByte() & (pageSize - 1)) + " is not aligned to 0x" + Long.toHexString(alignment));
            }
        }
    }

    /**
     * Adds a paging domain (iopt_table_add_domain): its smallest page raises the IOVA alignment (EINVAL above the
     * user page, EADDRINUSE if a mapping does not conform), what lies outside its aperture is reserved, and every
     * area is mapped into it (pinning the pages first if this is the first domain; EFAULT where the user memory is
     * gone). On failure nothing changes.
     */
    void addDomain(PagingDomain domain) {
        long minPage = Long.lowestOneBit(domain.pageSizeBitmap());
        long newAlignment = Math.max(minPage, iovaAlignment);
        if (minPage == 0 || Long.compareUnsigned(newAlignment, pageSize) > 0) {
            throw new IommufdException(Errno.EINVAL, "domain page sizes 0x" + Long.toHexString(domain
                .pageSizeBitmap()) + " do not include a page of 0x" + Long.toHexString(pageSize) + " or less");
        }
        if (newAlignment != iovaAlignment) {
            checkAreasAligned(newAlignment);
        }
        IovaRange aperture = domain.aperture();
        List<IovaRange> outside = new ArrayList<>();
        if (aperture.start() != 0) {
            outside.add(new IovaRange(0, aperture.start() - 1));
        }
        if (aperture.last() != -1L) {
            outside.add(new IovaRange(aperture.last() + 1, -1L));
        }
        reserve(domain, outside);
        boolean first = domains.isEmpty();
        List<Area> pinned = new ArrayList<>();
        List<Area> mapped = new ArrayList<>();
        try {
            for (Area area : areas.values()) {
                if (first) {
                    pin(area);
                    pinned.add(area);
                }
                mapInto(domain, area);
                mapped.add(area);
            }
        } catch (RuntimeException e) {
            for (Area area : mapped) {
                domain.unmap(area.iova(), area.length());
            }
            pinned.forEach(this::unpin);
            unreserve(domain);
            throw e;
        }
        domains.add(domain);
        iovaAlignment = newAlignment;
    }

    /**
     * Removes a paging domain (iopt_table_remove_domain): unmaps every area from it, unpins the pages when it was the
     * last domain, drops its reservations and lowers the alignment again.
     */
    void removeDomain(PagingDomain domain) {
        if (!domains.remove(domain)) {
            throw new IllegalStateException("domain is not in this IOAS");
        }
        for (Area area : areas.values()) {
            domain.unmap(area.iova(), area.length());
            if (domains.isEmpty()) {
                unpin(area);
            }
        }
        unreserve(domain);
        iovaAlignment = requiredAlignment();
    }

    // ------------------------------------------------------------------ options

    /** Whether contiguous pages may be mapped as one run (HUGE_PAGES). */
    boolean largePages() {
        return largePages;
    }

    /**
     * HUGE_PAGES set. Disabling (iopt_disable_large_pages) is EINVAL once domains hold mappings (their runs are
     * already large) and raises the alignment to PAGE_SIZE: EADDRINUSE, and nothing changes, if a mapping does not
     * conform. Enabling lowers it again.
     */
    void setLargePages(boolean enable) {
        if (enable) {
            largePages = true;
            iovaAlignment = requiredAlignment();
            return;
        }
        if (!largePages) {
            return;
        }
        if (!domains.isEmpty() && !areas.isEmpty()) {
            throw new IommufdException(Errno.EINVAL, "cannot disable large pages while domains hold mappings");
        }
        largePages = false;
        long alignment = requiredAlignment();
        if (alignment > iovaAlignment) {
            try {
                checkAreasAligned(alignment);
            } catch (IommufdException e) {
                largePages = true;
                throw e;
            }
        }
        iovaAlignment = alignment;
    }
}
