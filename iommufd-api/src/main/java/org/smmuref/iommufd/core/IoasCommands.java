package org.smmuref.iommufd.core;

import static org.smmuref.iommufd.IommufdConstants.IOAS_MAP_FIXED_IOVA;
import static org.smmuref.iommufd.IommufdConstants.IOAS_MAP_READABLE;
import static org.smmuref.iommufd.IommufdConstants.IOAS_MAP_WRITEABLE;
import static org.smmuref.iommufd.IommufdConstants.IOVA_RANGE_SIZE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.smmuref.iommufd.IommufdCmd.IoasAlloc;
import org.smmuref.iommufd.IommufdCmd.IoasAllowIovas;
import org.smmuref.iommufd.IommufdCmd.IoasCopy;
import org.smmuref.iommufd.IommufdCmd.IoasIovaRanges;
import org.smmuref.iommufd.IommufdCmd.IoasMap;
import org.smmuref.iommufd.IommufdCmd.IoasUnmap;
import org.smmuref.iommufd.IommufdCmd.IovaRangesReply;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.uapi.Errno;

/** The IOAS ioctls, with the kernel's order of checks (drivers/iommu/iommufd/ioas.c). */
final class IoasCommands {
    private static final int MAP_FLAGS = IOAS_MAP_FIXED_IOVA | IOAS_MAP_WRITEABLE | IOAS_MAP_READABLE;
    /** More ranges than this cannot be a real request; the kernel's allocation would fail. */
    private static final long MAX_IOVA_RANGES = 1 << 16;
    private static final long U64_MAX = -1L;

    private IoasCommands() {
    }

    static int alloc(Context c, IoasAlloc cmd) {
        if (cmd.flags() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "IOAS_ALLOC flags must be 0");
        }
        Ioas ioas = new Ioas(c.memory);
        c.objects.reserve(ioas);
        c.objects.finalizeObject(ioas);
        return ioas.id;
    }

    static long map(Context c, IoasMap cmd) {
        if ((cmd.flags() & ~MAP_FLAGS) != 0 || cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown IOAS_MAP flags or non-zero __reserved");
        }
        if (cmd.iova() == U64_MAX || cmd.length() == U64_MAX) {
            throw new IommufdException(Errno.EOVERFLOW, "iova or length is ULONG_MAX");
        }
        int prot = protOf(cmd.flags());
        Ioas ioas = ioas(c, cmd.ioasId());
        return ioas.iopt.map(cmd.userVa(), cmd.length(), cmd.iova(),
            (cmd.flags() & IOAS_MAP_FIXED_IOVA) != 0, prot);
    }

    static long copy(Context c, IoasCopy cmd) {
        if ((cmd.flags() & ~MAP_FLAGS) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "unknown IOAS_COPY flags");
        }
        if (cmd.length() == U64_MAX || cmd.srcIova() == U64_MAX || cmd.dstIova() == U64_MAX) {
            throw new IommufdException(Errno.EOVERFLOW, "length, src_iova or dst_iova is ULONG_MAX");
        }
        int prot = protOf(cmd.flags());
        Ioas src = ioas(c, cmd.srcIoasId());
        List<IoPageTable.Area> pieces = src.iopt.slicesCovering(cmd.srcIova(), cmd.length());
        Ioas dst = ioas(c, cmd.dstIoasId());
        return dst.iopt.copyFrom(src.iopt, cmd.srcIova(), cmd.length(), cmd.dstIova(),
            (cmd.flags() & IOAS_MAP_FIXED_IOVA) != 0, prot, pieces);
    }

    static long unmap(Context c, IoasUnmap cmd) {
        Ioas ioas = ioas(c, cmd.ioasId());
        if (cmd.iova() == 0 && cmd.length() == U64_MAX) {
            return ioas.iopt.unmapAll();
        }
        if (cmd.iova() == U64_MAX || cmd.length() == U64_MAX) {
            throw new IommufdException(Errno.EOVERFLOW, "iova or length is ULONG_MAX");
        }
        return ioas.iopt.unmap(cmd.iova(), cmd.length());
    }

    static IovaRangesReply iovaRanges(Context c, IoasIovaRanges cmd) {
        if (cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "IOAS_IOVA_RANGES __reserved must be 0");
        }
        Ioas ioas = ioas(c, cmd.ioasId());
        List<IovaRange> ranges = ioas.iopt.usableRanges();
        long capacity = Integer.toUnsignedLong(cmd.numIovas());
        for (int i = 0; i < ranges.size() && i < capacity; i++) {
            ByteBuffer b = ByteBuffer.allocate(IOVA_RANGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(ranges.get(i).start()).putLong(ranges.get(i).last());
            c.memory.write(cmd.allowedIovas() + (long) i * IOVA_RANGE_SIZE, b.array());
        }
        IovaRangesReply reply = new IovaRangesReply(ranges.size(), ioas.iopt.iovaAlignment());
        if (ranges.size() > capacity) {
            throw new IommufdException(Errno.EMSGSIZE, ranges.size() + " ranges do not fit in " + capacity, reply);
        }
        return reply;
    }

    static void allowIovas(Context c, IoasAllowIovas cmd) {
        if (cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "IOAS_ALLOW_IOVAS __reserved must be 0");
        }
        Ioas ioas = ioas(c, cmd.ioasId());
        long count = Integer.toUnsignedLong(cmd.numIovas());
        if (count > MAX_IOVA_RANGES) {
            throw new IommufdException(Errno.ENOMEM, count + " allowed ranges are too many");
        }
        List<IovaRange> ranges = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ByteBuffer b = ByteBuffer.wrap(c.memory.read(cmd.allowedIovas() + (long) i * IOVA_RANGE_SIZE,
                IOVA_RANGE_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
            long start = b.getLong();
            long last = b.getLong();
            if (Long.compareUnsigned(start, last) > 0) {
                throw new IommufdException(Errno.EINVAL, "allowed range " + i + " has start > last");
            }
            ranges.add(new IovaRange(start, last));
        }
        ioas.iopt.setAllowed(ranges);
    }

    private static int protOf(int flags) {
        if ((flags & (IOAS_MAP_WRITEABLE | IOAS_MAP_READABLE)) == 0) {
            throw new IommufdException(Errno.EINVAL, "neither READABLE nor WRITEABLE");
        }
        int prot = 0;
        if ((flags & IOAS_MAP_READABLE) != 0) {
            prot |= PagingDomain.PROT_READ;
        }
        if ((flags & IOAS_MAP_WRITEABLE) != 0) {
            prot |= PagingDomain.PROT_WRITE;
        }
        return prot;
    }

    private static Ioas ioas(Context c, int id) {
        return c.objects.get(id, ObjectType.IOAS, Ioas.class, Errno.ENOENT);
    }
}
