package org.smmuref.iommufd.core;

import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_IOAS_MAP_READABLE;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.spi.UserFile;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommuIoasAllowIovas;
import org.smmuref.iommufd.uapi.IommuIoasChangeProcess;
import org.smmuref.iommufd.uapi.IommuIoasCopy;
import org.smmuref.iommufd.uapi.IommuIoasIovaRanges;
import org.smmuref.iommufd.uapi.IommuIoasMap;
import org.smmuref.iommufd.uapi.IommuIoasMapFile;
import org.smmuref.iommufd.uapi.IommuIoasUnmap;
import org.smmuref.iommufd.uapi.IommuIovaRange;

/**
 * The IOAS ioctls, with the kernel's order of checks (drivers/iommu/iommufd/ioas.c). Each takes the command's struct
 * after the extensible-struct rules and returns it with its out fields set.
 */
final class IoasCommands {
    private static final int MAP_FLAGS = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
    private static final long U64_MAX = -1L;

    private IoasCommands() {
    }

    static IommuIoasAlloc alloc(Context c, IommuIoasAlloc cmd) {
        if (cmd.flags() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "IOAS_ALLOC flags must be 0");
        }
        // the table's memory gives the page size; each mapping records the process it came from
        Ioas ioas = new Ioas(c.opener);
        c.objects.reserve(ioas);
        c.objects.finalizeObject(ioas);
        return cmd.withOutIoasId(ioas.id);
    }

    static IommuIoasMap map(Context c, IommuIoasMap cmd) {
        if ((cmd.flags() & ~MAP_FLAGS) != 0 || cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown IOAS_MAP flags or non-zero __reserved");
        }
        if (cmd.iova() == U64_MAX || cmd.length() == U64_MAX) {
            throw new IommufdException(Errno.EOVERFLOW, "iova or length is ULONG_MAX");
        }
        int prot = protOf(cmd.flags());
        Ioas ioas = ioas(c, cmd.ioasId());
        return cmd.withIova(ioas.iopt.map(c.memory(), cmd.userVa(), cmd.length(), cmd.iova(),
            (cmd.flags() & IOMMU_IOAS_MAP_FIXED_IOVA) != 0, prot));
    }

    /**
     * iommufd_ioas_map_file: unknown flags EOPNOTSUPP, iova or length ULONG_MAX EOVERFLOW, neither READABLE nor
     * WRITEABLE EINVAL, the IOAS (ENOENT), then {@code fget} ({@code file}: null for EBADF), then the map
     * (iopt_map_file_pages). {@code file} is the process's memfd, or a file of another kind whose pages cannot be
     * pinned (the iommufd fd itself, an event fd): mapping it succeeds and pinning it is EINVAL, as in the kernel.
     */
    static IommuIoasMapFile mapFile(Context c, IommuIoasMapFile cmd, UserFile file) {
        if ((cmd.flags() & ~MAP_FLAGS) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown IOAS_MAP_FILE flags");
        }
        if (cmd.iova() == U64_MAX || cmd.length() == U64_MAX) {
            throw new IommufdException(Errno.EOVERFLOW, "iova or length is ULONG_MAX");
        }
        int prot = protOf(cmd.flags());
        Ioas ioas = ioas(c, cmd.ioasId());
        if (file == null) {
            throw new IommufdException(Errno.EBADF, "fd " + cmd.fd() + " is not open in the process");
        }
        return cmd.withIova(ioas.iopt.mapFile(c.memory(), file, cmd.start(), cmd.length(), cmd.iova(),
            (cmd.flags() & IOMMU_IOAS_MAP_FIXED_IOVA) != 0, prot));
    }

    /** A file that is not shmem or hugetlbfs: {@code memfd_pin_folios} refuses to pin it (EINVAL). */
    static UserFile unpinnableFile(int fd) {
        return new UserFile() {
            @Override
            public long size() {
                return 0;
            }

            @Override
            public long[] pin(long offset, long length) {
                throw new IommufdException(Errno.EINVAL, "fd " + fd + " is not a memfd: its pages cannot be pinned");
            }

            @Override
            public void unpin(long[] pages) {
                throw new IllegalStateException("nothing of fd " + fd + " was pinned");
            }
        };
    }

    /**
     * iommufd_ioas_change_process: {@code __reserved} EOPNOTSUPP; EINVAL (and nothing changes) if any IOAS of the
     * context maps anything that is not file backed, since user-address pages belong to their process's address
     * space; otherwise the pinned pages of every mapping are charged to the calling process and uncharged from the
     * one they were charged to (charge_current, then change_mm), each shared {@code iopt_pages} once. No RLIMIT is
     * enforced, so the charge cannot fail here.
     */
    static IommuIoasChangeProcess changeProcess(Context c, IommuIoasChangeProcess cmd) {
        if (cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "IOAS_CHANGE_PROCESS __reserved must be 0");
        }
        List<IoPageTable.Area> areas = new ArrayList<>();
        for (IommufdObject o : c.objects.live()) {
            if (o instanceof Ioas ioas) {
                areas.addAll(ioas.iopt.areas());
            }
        }
        for (IoPageTable.Area area : areas) {
            if (area.pages().file == null) {
                throw new IommufdException(Errno.EINVAL, "the mapping " + area.range() + " is of user addresses, "
                    + "not of a file: it cannot move to another process");
            }
        }
        UserMemory current = c.memory();
        Set<IoPageTable.Pages> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (IoPageTable.Area area : areas) {
            IoPageTable.Pages pages = area.pages();
            if (seen.add(pages) && pages.account != current) {
                long pinned = pages.pinnedPages();
                current.accountPinned(pinned);
                pages.account.accountPinned(-pinned);
                pages.account = current;
            }
        }
        return cmd;
    }

    static IommuIoasCopy copy(Context c, IommuIoasCopy cmd) {
        if ((cmd.flags() & ~MAP_FLAGS) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown IOAS_COPY flags");
        }
        if (cmd.length() == U64_MAX || cmd.srcIova() == U64_MAX || cmd.dstIova() == U64_MAX) {
            throw new IommufdException(Errno.EOVERFLOW, "length, src_iova or dst_iova is ULONG_MAX");
        }
        int prot = protOf(cmd.flags());
        Ioas src = ioas(c, cmd.srcIoasId());
        List<IoPageTable.Piece> pieces = src.iopt.slicesCovering(cmd.srcIova(), cmd.length());
        Ioas dst = ioas(c, cmd.dstIoasId());
        return cmd.withDstIova(dst.iopt.copyFrom(src.iopt, cmd.length(), cmd.dstIova(),
            (cmd.flags() & IOMMU_IOAS_MAP_FIXED_IOVA) != 0, prot, pieces));
    }

    static IommuIoasUnmap unmap(Context c, IommuIoasUnmap cmd) {
        Ioas ioas = ioas(c, cmd.ioasId());
        if (cmd.iova() == 0 && cmd.length() == U64_MAX) {
            return cmd.withLength(ioas.iopt.unmapAll());
        }
        if (cmd.iova() == U64_MAX || cmd.length() == U64_MAX) {
            throw new IommufdException(Errno.EOVERFLOW, "iova or length is ULONG_MAX");
        }
        return cmd.withLength(ioas.iopt.unmap(cmd.iova(), cmd.length()));
    }

    static IommuIoasIovaRanges iovaRanges(Context c, IommuIoasIovaRanges cmd) {
        if (cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "IOAS_IOVA_RANGES __reserved must be 0");
        }
        Ioas ioas = ioas(c, cmd.ioasId());
        List<IovaRange> ranges = ioas.iopt.usableRanges();
        long capacity = Integer.toUnsignedLong(cmd.numIovas());
        for (int i = 0; i < ranges.size() && i < capacity; i++) {
            IovaRange r = ranges.get(i);
            c.memory().write(cmd.allowedIovas() + (long) i * IommuIovaRange.SIZE,
                new IommuIovaRange(r.start(), r.last()).encode());
        }
        IommuIoasIovaRanges reply = cmd.withNumIovas(ranges.size()).withOutIovaAlignment(ioas.iopt.iovaAlignment());
        if (ranges.size() > capacity) {
            throw new IommufdException(Errno.EMSGSIZE, ranges.size() + " ranges do not fit in " + capacity, reply);
        }
        return reply;
    }

    static IommuIoasAllowIovas allowIovas(Context c, IommuIoasAllowIovas cmd) {
        if (cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "IOAS_ALLOW_IOVAS __reserved must be 0");
        }
        Ioas ioas = ioas(c, cmd.ioasId());
        ioas.iopt.setAllowed(loadIovas(c, cmd.allowedIovas(), Integer.toUnsignedLong(cmd.numIovas())));
        return cmd;
    }

    /**
     * iommufd_ioas_load_iovas: reads the ranges one by one, each EFAULT where unmapped, EINVAL if {@code start >=
     * last} (so a one-byte range is refused) or if it meets one read before. No cap on the count: the user memory
     * holding the array bounds it, as the kernel's copy_from_user does.
     */
    private static List<IovaRange> loadIovas(Context c, long uptr, long count) {
        TreeMap<Long, IovaRange> loaded = new TreeMap<>(Long::compareUnsigned);
        for (long i = 0; i < count; i++) {
            IommuIovaRange range = IommuIovaRange.decode(c.memory().read(uptr + i * IommuIovaRange.SIZE,
                IommuIovaRange.SIZE));
            if (Long.compareUnsigned(range.start(), range.last()) >= 0) {
                throw new IommufdException(Errno.EINVAL, "allowed range " + i + " has start >= last");
            }
            IovaRange r = new IovaRange(range.start(), range.last());
            Map.Entry<Long, IovaRange> below = loaded.floorEntry(r.last());
            if (below != null && below.getValue().intersects(r)) {
                throw new IommufdException(Errno.EINVAL, "allowed range " + i + " " + r + " overlaps "
                    + below.getValue());
            }
            loaded.put(r.start(), r);
        }
        return new ArrayList<>(loaded.values());
    }

    private static int protOf(int flags) {
        if ((flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)) == 0) {
            throw new IommufdException(Errno.EINVAL, "neither READABLE nor WRITEABLE");
        }
        int prot = 0;
        if ((flags & IOMMU_IOAS_MAP_READABLE) != 0) {
            prot |= PagingDomain.PROT_READ;
        }
        if ((flags & IOMMU_IOAS_MAP_WRITEABLE) != 0) {
            prot |= PagingDomain.PROT_WRITE;
        }
        return prot;
    }

    private static Ioas ioas(Context c, int id) {
        return c.objects.get(id, ObjectType.IOAS, Ioas.class, Errno.ENOENT);
    }
}
