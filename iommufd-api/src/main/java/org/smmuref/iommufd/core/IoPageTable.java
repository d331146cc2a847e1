package org.smmuref.iommufd.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The IOVA space of one IOAS (the kernel's {@code io_pagetable}): mapped areas over pinned user pages, reserved
 * ranges, the user's allowed ranges, and the paging domains kept in sync with the areas.
 *
 * <p>All addresses are unsigned 64-bit. The granule is the user memory's page: IOVAs, lengths and user addresses
 * must be page aligned (the kernel also allows a user address with a sub-page offset; smmuref does not model it).
 * A failing operation changes nothing.
 */
final class IoPageTable {
    private static final Comparator<IovaRange> BY_START = (a, b) -> Long.compareUnsigned(a.start(), b.start());

    /** One pin of user memory, shared by every area that maps part of it (IOAS_COPY shares, like iopt_pages). */
    static final class Pages {
        final long userVa;
        final long[] addresses;
        int areas;

        Pages(long userVa, long[] addresses) {
            this.userVa = userVa;
            this.addresses = addresses;
        }
    }

    /** A mapped range: {@code pageCount} pages of {@code pages} from {@code firstPage}, at {@code iova}. */
    record Area(long iova, long length, int prot, Pages pages, int firstPage) {
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
    private final TreeMap<Long, Area> areas = new TreeMap<>(Long::compareUnsigned);
    private final List<Reservation> reserved = new ArrayList<>();
    private final List<IovaRange> allowed = new ArrayList<>();
    private final List<PagingDomain> domains = new ArrayList<>();
    private boolean largePages = true;

    IoPageTable(UserMemory memory) {
        this.memory = Objects.requireNonNull(memory);
        this.pageSize = memory.pageSize();
    }

    /** The IOVA alignment every mapping must have (IOAS_IOVA_RANGES' {@code out_iova_alignment}). */
    long iovaAlignment() {
        return pageSize;
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

    /** IOAS_MAP after the command-level checks: pins {@code [userVa, +length)} and maps it; returns the IOVA. */
    long map(long userVa, long length, long iova, boolean fixed, int prot) {
        checkLength(length);
        if (Long.compareUnsigned(userVa + length - 1, userVa) < 0) {
            throw new IommufdException(Errno.EOVERFLOW, "user_va + length wraps");
        }
        if ((userVa & (pageSize - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, "user_va 0x" + Long.toHexString(userVa)
                + " is not page aligned");
        }
        long target = fixed ? checkIova(iova, length) : allocIova(length, userVa);
        if (Long.compareUnsigned(length, -(long) pageSize) > 0) {
            // iopt_alloc_pages: the page count must not overflow
            throw new IommufdException(Errno.EINVAL, "length 0x" + Long.toHexString(length) + " is too large to pin");
        }
        if (length < 0) {
            // 2^63 bytes or more: no process has that much mapped, so pinning meets a hole (found by fuzzing)
            throw new IommufdException(Errno.EFAULT, "length 0x" + Long.toHexString(length)
                + " runs past the end of the process's mapped memory");
        }
        Pages pages = new Pages(userVa, memory.pin(userVa, length));
        insertAndFill(List.of(new Area(target, length, prot, pages, 0)));
        return target;
    }

    /**
     * IOAS_COPY after the command-level checks: maps again, here, the pages behind {@code pieces} (from
     * {@link #slicesCovering} on the source); returns the destination IOVA.
     */
    long copyFrom(IoPageTable src, long srcIova, long length, long dstIova, boolean fixed, int prot,
                  List<Area> pieces) {
        if (src.memory != memory) {
            throw new IommufdException(Errno.EINVAL, "source and destination belong to different processes");
        }
        return copyPieces(pieces, length, dstIova, fixed, prot);
    }

    /** The parts of areas exactly covering {@code [iova, +length)}; ENOENT for any hole. */
    List<Area> slicesCovering(long iova, long length) {
        checkLength(length);
        long last = lastOf(iova, length);
        if (((iova | length) & (pageSize - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, "source range is not page aligned");
        }
        List<Area> out = new ArrayList<>();
        long cursor = iova;
        Map.Entry<Long, Area> e = areas.floorEntry(iova);
        Area area = e == null ? null : e.getValue();
        if (area == null || Long.compareUnsigned(area.last(), iova) < 0) {
            throw new IommufdException(Errno.ENOENT, "nothing mapped at IOVA 0x" + Long.toHexString(iova));
        }
        while (true) {
            long skipPages = (cursor - area.iova()) / pageSize;
            long end = Long.compareUnsigned(area.last(), last) < 0 ? area.last() : last;
            long len = end - cursor + 1;
            out.add(new Area(cursor, len, area.prot(), area.pages(), area.firstPage() + (int) skipPages));
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

    private long copyPieces(List<Area> pieces, long length, long dstIova, boolean fixed, int prot) {
        long target = fixed ? checkIova(dstIova, length) : allocIova(length, pieces.get(0).pages().userVa
            + (long) pieces.get(0).firstPage() * pageSize);
        List<Area> created = new ArrayList<>();
        long at = target;
        for (Area piece : pieces) {
            created.add(new Area(at, piece.length(), prot, piece.pages(), piece.firstPage()));
            at += piece.length();
        }
        insertAndFill(created);
        return target;
    }

    /** Inserts new areas and maps them into every domain; on failure nothing of them remains. */
    private void insertAndFill(List<Area> fresh) {
        List<Area> done = new ArrayList<>();
        try {
            for (Area area : fresh) {
                area.pages().areas++;
                areas.put(area.iova(), area);
                done.add(area);
            }
            for (Area area : fresh) {
                fillDomains(area);
            }
        } catch (RuntimeException e) {
            for (Area area : done) {
                areas.remove(area.iova());
                dropPages(area.pages());
            }
            throw e;
        }
    }

    /** Maps one area into every domain, or into none. */
    private void fillDomains(Area area) {
        List<PagingDomain> filled = new ArrayList<>();
        try {
            for (PagingDomain domain : domains) {
                mapInto(domain, area);
                filled.add(domain);
            }
        } catch (RuntimeException e) {
            for (PagingDomain domain : filled) {
                domain.unmap(area.iova(), area.length());
            }
            throw e;
        }
    }

    /** Maps an area into a domain in runs of physically contiguous pages (single pages without large pages). */
    private void mapInto(PagingDomain domain, Area area) {
        int count = (int) (area.length() / pageSize);
        long[] addr = area.pages().addresses;
        int base = area.firstPage();
        long mapped = 0;
        try {
            int i = 0;
            while (i < count) {
                int j = i + 1;
                while (largePages && j < count && addr[base + j] == addr[base + j - 1] + pageSize) {
                    j++;
                }
                domain.map(area.iova() + i * pageSize, addr[base + i], (long) (j - i) * pageSize, area.prot());
                mapped = (long) j * pageSize;
                i = j;
            }
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

    /** Unmaps everything; returns the bytes unmapped (0 when empty). */
    long unmapAll() {
        return removeAreas(List.copyOf(areas.values()));
    }

    private long removeAreas(List<Area> victims) {
        long bytes = 0;
        for (Area area : victims) {
            for (PagingDomain domain : domains) {
                domain.unmap(area.iova(), area.length());
            }
            areas.remove(area.iova());
            dropPages(area.pages());
            bytes += area.length();
        }
        return bytes;
    }

    private void dropPages(Pages pages) {
        if (--pages.areas == 0) {
            memory.unpin(pages.addresses);
        }
    }

    // ------------------------------------------------------------------ IOVA checks and allocation

    /** The kernel's iopt_check_iova: alignment EINVAL, wrap EOVERFLOW, reserved EINVAL, mapped EEXIST. */
    private long checkIova(long iova, long length) {
        if (((iova | length) & (iovaAlignment() - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, "IOVA 0x" + Long.toHexString(iova) + " or length 0x"
                + Long.toHexString(length) + " is not aligned to 0x" + Long.toHexString(iovaAlignment()));
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
     * user address is aligned, so that large pages stay possible. ENOSPC if no hole fits.
     */
    private long allocIova(long length, long uptr) {
        if ((length & (iovaAlignment() - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, "length 0x" + Long.toHexString(length) + " is not aligned");
        }
        long align = Long.highestOneBit(length);
        if (align != length) {
            align <<= 1;
        }
        if (uptr != 0 && (align == 0 || Long.compareUnsigned(Long.lowestOneBit(uptr), align) < 0)) {
            align = Long.lowestOneBit(uptr);
        }
        if (align == 0 || align < 0 || align == Long.MAX_VALUE) {
            throw new IommufdException(Errno.EOVERFLOW, "mapping of 0x" + Long.toHexString(length)
                + " bytes is too large to align");
        }
        align = Math.max(align, iovaAlignment());
        List<IovaRange> used = new ArrayList<>();
        reserved.forEach(r -> used.add(r.range()));
        areas.values().forEach(a -> used.add(a.range()));
        used.sort(BY_START);
        IovaRange window = new IovaRange(pageSize, -1L - pageSize);
        for (IovaRange span : allowedOrAll()) {
            if (!span.intersects(window)) {
                continue;
            }
            long spanStart = Long.compareUnsigned(span.start(), window.start()) > 0 ? span.start() : window.start();
            long spanLast = Long.compareUnsigned(span.last(), window.last()) < 0 ? span.last() : window.last();
            OptionalLong found = firstFit(used, spanStart, spanLast, length, align);
            if (found.isPresent()) {
                return found.getAsLong();
            }
        }
        throw new IommufdException(Errno.ENOSPC, "no free IOVA range of 0x" + Long.toHexString(length) + " bytes");
    }

    private static OptionalLong firstFit(List<IovaRange> used, long start, long last, long length, long align) {
        OptionalLong cursor = alignUp(start, align);
        for (IovaRange u : used) {
            if (cursor.isEmpty() || Long.compareUnsigned(cursor.getAsLong(), last) > 0) {
                return OptionalLong.empty();
            }
            long c = cursor.getAsLong();
            if (Long.compareUnsigned(u.last(), c) < 0) {
                continue;
            }
            long end = c + length - 1;
            boolean wraps = Long.compareUnsigned(end, c) < 0;
            if (!wraps && Long.compareUnsigned(end, u.start()) < 0) {
                break;
            }
            cursor = u.last() == -1L ? OptionalLong.empty() : alignUp(u.last() + 1, align);
        }
        if (cursor.isEmpty()) {
            return OptionalLong.empty();
        }
        long c = cursor.getAsLong();
        long end = c + length - 1;
        if (Long.compareUnsigned(end, c) < 0 || Long.compareUnsigned(end, last) > 0
            || Long.compareUnsigned(c, start) < 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(c);
    }

    private static OptionalLong alignUp(long value, long align) {
        long r = (value + align - 1) & -align;
        return Long.compareUnsigned(r, value) < 0 ? OptionalLong.empty() : OptionalLong.of(r);
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

    private List<IovaRange> allowedOrAll() {
        if (allowed.isEmpty()) {
            return List.of(IovaRange.ALL);
        }
        List<IovaRange> sorted = new ArrayList<>(allowed);
        sorted.sort(BY_START);
        return sorted;
    }

    /** IOAS_IOVA_RANGES: the allowed ranges (everything if none) minus the reserved ones, in order. */
    List<IovaRange> usableRanges() {
        List<IovaRange> holes = new ArrayList<>();
        List<IovaRange> blocked = new ArrayList<>();
        reserved.forEach(r -> blocked.add(r.range()));
        blocked.sort(BY_START);
        for (IovaRange span : allowedOrAll()) {
            long cursor = span.start();
            boolean open = true;
            for (IovaRange b : blocked) {
                if (!open || !b.intersects(new IovaRange(cursor, span.last()))) {
                    continue;
                }
                if (Long.compareUnsigned(b.start(), cursor) > 0) {
                    holes.add(new IovaRange(cursor, b.start() - 1));
                }
                if (Long.compareUnsigned(b.last(), span.last()) >= 0) {
                    open = false;
                } else {
                    cursor = b.last() + 1;
                }
            }
            if (open) {
                holes.add(new IovaRange(cursor, span.last()));
            }
        }
        return holes;
    }

    /**
     * IOAS_ALLOW_IOVAS: replaces the allowed ranges (none = no restriction). EINVAL if they overlap each other;
     * EADDRINUSE if a reserved range meets one of them.
     */
    void setAllowed(List<IovaRange> ranges) {
        List<IovaRange> sorted = new ArrayList<>(ranges);
        sorted.sort(BY_START);
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).intersects(sorted.get(i - 1))) {
                throw new IommufdException(Errno.EINVAL, "allowed ranges " + sorted.get(i - 1) + " and "
                    + sorted.get(i) + " overlap");
            }
        }
        for (IovaRange range : sorted) {
            for (Reservation r : reserved) {
                if (r.range().intersects(range)) {
                    throw addressInUse("allowed range " + range + " meets the reserved " + r.range());
                }
            }
        }
        allowed.clear();
        allowed.addAll(sorted);
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

    // ------------------------------------------------------------------ domains

    /**
     * Adds a paging domain: reserves what lies outside its aperture and maps every area into it. A domain whose
     * smallest page is larger than the user page is refused (EINVAL: not modelled).
     */
    void addDomain(PagingDomain domain) {
        long minPage = Long.lowestOneBit(domain.pageSizeBitmap());
        if (minPage == 0 || Long.compareUnsigned(minPage, pageSize) > 0) {
            throw new IommufdException(Errno.EINVAL, "domain page sizes 0x" + Long.toHexString(domain
                .pageSizeBitmap()) + " do not include a page of 0x" + Long.toHexString(pageSize) + " or less");
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
        List<Area> filled = new ArrayList<>();
        try {
            for (Area area : areas.values()) {
                mapInto(domain, area);
                filled.add(area);
            }
        } catch (RuntimeException e) {
            for (Area area : filled) {
                domain.unmap(area.iova(), area.length());
            }
            unreserve(domain);
            throw e;
        }
        domains.add(domain);
    }

    /** Removes a paging domain: unmaps every area from it and drops its reservations. */
    void removeDomain(PagingDomain domain) {
        if (!domains.remove(domain)) {
            throw new IllegalStateException("domain is not in this IOAS");
        }
        for (Area area : areas.values()) {
            domain.unmap(area.iova(), area.length());
        }
        unreserve(domain);
    }

    // ------------------------------------------------------------------ options

    /** Whether contiguous pages may be mapped as one run (HUGE_PAGES). */
    boolean largePages() {
        return largePages;
    }

    /** HUGE_PAGES set: disabling is EINVAL once domains hold mappings (their runs are already large). */
    void setLargePages(boolean enable) {
        if (!enable && largePages && !domains.isEmpty() && !areas.isEmpty()) {
            throw new IommufdException(Errno.EINVAL, "cannot disable large pages while domains hold mappings");
        }
        largePages = enable;
    }
}
