package org.smmuref.iommufd.core;

import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_VFIO_IOAS_CLEAR;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_VFIO_IOAS_GET;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_VFIO_IOAS_SET;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_API_VERSION;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_CHECK_EXTENSION;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_DMA_CC_IOMMU;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_DMA_MAP_FLAG_READ;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_DMA_MAP_FLAG_WRITE;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_DMA_UNMAP_FLAG_ALL;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_GET_API_VERSION;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_IOMMU_GET_INFO;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_IOMMU_INFO_CAPS;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_IOMMU_INFO_PGSIZES;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_IOMMU_MAP_DMA;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_IOMMU_UNMAP_DMA;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_SET_IOMMU;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_TYPE1V2_IOMMU;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_TYPE1_IOMMU;
import static org.smmuref.iommufd.uapi.VfioConstants.VFIO_UNMAP_ALL;

import java.util.Arrays;
import java.util.List;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuVfioIoas;
import org.smmuref.iommufd.uapi.VfioIommuType1DmaMap;
import org.smmuref.iommufd.uapi.VfioIommuType1DmaUnmap;
import org.smmuref.iommufd.uapi.VfioIommuType1Info;
import org.smmuref.iommufd.uapi.VfioIommuType1InfoCapIovaRange;
import org.smmuref.iommufd.uapi.VfioIommuType1InfoDmaAvail;
import org.smmuref.iommufd.uapi.VfioIovaRange;

/**
 * The VFIO compatibility layer of an iommufd context (drivers/iommu/iommufd/vfio_compat.c): IOMMU_VFIO_IOAS, which
 * chooses the compatibility IOAS, and the VFIO type1 container ioctls served on the iommufd fd over that IOAS.
 *
 * <p>The type1 ioctls take the kernel's {@code unsigned long arg}: an integer for VFIO_CHECK_EXTENSION and
 * VFIO_SET_IOMMU, otherwise a pointer into the caller's memory, which this class reads and writes through the
 * context's {@code UserMemory} (EFAULT where nothing is mapped).
 */
final class VfioCompat {
    /** {@code offsetofend(struct vfio_iommu_type1_info, iova_pgsizes)}. */
    private static final int INFO_MINSZ = 16;
    /** {@code offsetofend(struct vfio_iommu_type1_dma_map, size)}. */
    private static final int MAP_MINSZ = VfioIommuType1DmaMap.SIZE;
    /** {@code offsetofend(struct vfio_iommu_type1_dma_unmap, size)}. */
    private static final int UNMAP_MINSZ = VfioIommuType1DmaUnmap.SIZE;
    /** The answer an unknown VFIO request gets: the kernel's ENOIOCTLCMD, which the fd's ioctl turns into ENOTTY. */
    private static final Errno NO_IOCTL = Errno.ENOTTY;

    private VfioCompat() {
    }

    // ------------------------------------------------------------------ IOMMU_VFIO_IOAS

    /** iommufd_vfio_ioas: GET (ENODEV when none is set), SET (ENOENT unless an IOAS), CLEAR; else EOPNOTSUPP. */
    static IommuVfioIoas vfioIoas(Context c, IommuVfioIoas cmd) {
        if (cmd.reserved() != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "VFIO_IOAS __reserved must be 0");
        }
        switch (cmd.op()) {
            case IOMMU_VFIO_IOAS_GET -> {
                return cmd.withIoasId(compatIoas(c).id);
            }
            case IOMMU_VFIO_IOAS_SET -> {
                c.vfioIoas = c.objects.get(cmd.ioasId(), ObjectType.IOAS, Ioas.class, Errno.ENOENT);
                return cmd;
            }
            case IOMMU_VFIO_IOAS_CLEAR -> {
                c.vfioIoas = null;
                return cmd;
            }
            default -> throw new IommufdException(Errno.EOPNOTSUPP, "unknown VFIO_IOAS op " + cmd.op());
        }
    }

    /**
     * get_compat_ioas: the compatibility IOAS, else ENODEV. The kernel forgets it when the IOAS is destroyed
     * (iommufd_object_remove clears {@code ictx->vfio_ioas}); checking that it is still the live object gives the
     * same answers, a later IOAS that reuses its id included.
     */
    private static Ioas compatIoas(Context c) {
        if (c.vfioIoas != null && !c.objects.isLive(c.vfioIoas)) {
            c.vfioIoas = null;
        }
        if (c.vfioIoas == null) {
            throw new IommufdException(Errno.ENODEV, "no compatibility IOAS is set (IOMMU_VFIO_IOAS_SET)");
        }
        return c.vfioIoas;
    }

    // ------------------------------------------------------------------ the type1 container ioctls

    /** Whether {@code request} is one of the VFIO container ioctls iommufd_vfio_ioctl serves. */
    static boolean isVfioRequest(int request) {
        return request == VFIO_GET_API_VERSION || request == VFIO_CHECK_EXTENSION || request == VFIO_SET_IOMMU
            || request == VFIO_IOMMU_GET_INFO || request == VFIO_IOMMU_MAP_DMA || request == VFIO_IOMMU_UNMAP_DMA;
    }

    /** iommufd_vfio_ioctl: one VFIO container ioctl; returns the ioctl's non-negative result. */
    static long ioctl(Context c, int request, long arg) {
        if (request == VFIO_GET_API_VERSION) {
            return VFIO_API_VERSION;
        }
        if (request == VFIO_SET_IOMMU) {
            return setIommu(c, arg);
        }
        if (request == VFIO_CHECK_EXTENSION) {
            return checkExtension(c, arg);
        }
        if (request == VFIO_IOMMU_GET_INFO) {
            return getInfo(c, arg);
        }
        if (request == VFIO_IOMMU_MAP_DMA) {
            return mapDma(c, arg);
        }
        if (request == VFIO_IOMMU_UNMAP_DMA) {
            return unmapDma(c, arg);
        }
        // VFIO_IOMMU_DIRTY_PAGES and everything else: ENOIOCTLCMD, which the fd answers as ENOTTY
        throw new IommufdException(NO_IOCTL, "ioctl 0x" + Integer.toHexString(request) + " is not served by iommufd");
    }

    /** iommufd_vfio_check_extension: TYPE1, TYPE1v2 and UNMAP_ALL yes; DMA_CC_IOMMU asks the IOAS; the rest no. */
    private static long checkExtension(Context c, long type) {
        if (type == VFIO_TYPE1_IOMMU || type == VFIO_TYPE1V2_IOMMU || type == VFIO_UNMAP_ALL) {
            return 1;
        }
        if (type == VFIO_DMA_CC_IOMMU) {
            return cacheCoherent(c) ? 1 : 0;
        }
        return 0;
    }

    /** iommufd_vfio_cc_iommu: ENODEV without a compatibility IOAS; 1 if every paging HWPT of it enforces coherency. */
    private static boolean cacheCoherent(Context c) {
        for (HwptPaging hwpt : compatIoas(c).hwpts) {
            if (!hwpt.domain.enforcesCacheCoherency()) {
                return false;
            }
        }
        return true;
    }

    /**
     * iommufd_vfio_set_iommu: TYPE1 or TYPE1v2 (EINVAL otherwise), on the compatibility IOAS (ENODEV: the VFIO
     * container has no group); TYPE1 disables large pages so that any range can be unmapped (iopt_disable_large_pages,
     * with its EINVAL / EADDRINUSE).
     */
    private static long setIommu(Context c, long type) {
        if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1V2_IOMMU) {
            throw new IommufdException(Errno.EINVAL, "VFIO_SET_IOMMU type " + Long.toUnsignedString(type)
                + " is neither TYPE1 nor TYPE1v2");
        }
        Ioas ioas = compatIoas(c);
        if (type == VFIO_TYPE1_IOMMU) {
            ioas.iopt.setLargePages(false);
        }
        return 0;
    }

    /** iommufd_get_pagesizes: the domains' common page sizes, none below PAGE_SIZE, at least the IOVA alignment. */
    private static long pageSizes(Ioas ioas, long pageSize) {
        long bitmap = -1L;
        for (PagingDomain domain : ioas.iopt.domains()) {
            bitmap &= domain.pageSizeBitmap();
        }
        if ((bitmap & (pageSize - 1)) != 0) {
            bitmap &= -pageSize;
            bitmap |= pageSize;
        }
        return Long.compareUnsigned(bitmap, ioas.iopt.iovaAlignment()) >= 0 ? bitmap : ioas.iopt.iovaAlignment();
    }

    /**
     * iommufd_vfio_iommu_get_info: EFAULT if the first 16 bytes cannot be read, EINVAL if {@code argsz} is below
     * them, ENODEV without a compatibility IOAS. The capability chain (DMA_AVAIL, then IOVA_RANGE) follows the
     * 24-byte struct; each capability is written only if it fits in {@code argsz}, the IOVA ranges one by one as
     * they fit, and the previous capability's {@code next} only if {@code argsz} covers the chain so far. The answer
     * is {@code min(argsz, 24)} bytes with {@code argsz} = the size of the whole chain and {@code cap_offset} set
     * only when all of it fit.
     */
    private static long getInfo(Context c, long arg) {
        VfioIommuType1Info info = readInfo(c, arg);
        long argsz = Integer.toUnsignedLong(info.argsz());
        if (argsz < INFO_MINSZ) {
            throw new IommufdException(Errno.EINVAL, "vfio_iommu_type1_info argsz " + argsz + " < " + INFO_MINSZ);
        }
        int answerSize = (int) Math.min(argsz, VfioIommuType1Info.SIZE);
        Ioas ioas = compatIoas(c);
        long pgsizes = pageSizes(ioas, c.memory().pageSize());

        long total = VfioIommuType1Info.SIZE;
        // DMA_AVAIL: iommufd's limit is the memory cgroup's, reported as U32_MAX
        long dmaAt = arg + total;
        if (argsz > total && argsz - total >= VfioIommuType1InfoDmaAvail.SIZE) {
            c.memory().write(dmaAt, new VfioIommuType1InfoDmaAvail(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, 0, -1)
                .encode());
        }
        long lastCap = dmaAt;
        total += VfioIommuType1InfoDmaAvail.SIZE;

        long iovaAt = arg + total;
        long avail = argsz > total ? argsz - total : 0;
        List<IovaRange> ranges = ioas.iopt.usableRanges();
        for (int i = 0; i < ranges.size(); i++) {
            long need = VfioIommuType1InfoCapIovaRange.SIZE + (long) (i + 1) * VfioIovaRange.SIZE;
            if (avail >= need) {
                c.memory().write(iovaAt + VfioIommuType1InfoCapIovaRange.SIZE + (long) i * VfioIovaRange.SIZE,
                    new VfioIovaRange(ranges.get(i).start(), ranges.get(i).last()).encode());
            }
        }
        long iovaCapSize = VfioIommuType1InfoCapIovaRange.SIZE + (long) ranges.size() * VfioIovaRange.SIZE;
        if (avail >= iovaCapSize) {
            c.memory().write(iovaAt, new VfioIommuType1InfoCapIovaRange(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1, 0,
                ranges.size(), 0).encode());
        }
        if (argsz >= total) {
            // put_user(total_cap_size, &last_cap->next): the DMA_AVAIL capability points at the IOVA_RANGE one
            c.memory().write(lastCap + 4, le32((int) total));
        }
        total += iovaCapSize;

        int capOffset = argsz >= total ? VfioIommuType1Info.SIZE : 0;
        VfioIommuType1Info answer = new VfioIommuType1Info((int) total, VFIO_IOMMU_INFO_PGSIZES
            | VFIO_IOMMU_INFO_CAPS, pgsizes, capOffset, info.pad());
        c.memory().write(arg, Arrays.copyOf(answer.encode(), answerSize));
        return 0;
    }

    /** copy_from_user of the info's first 16 bytes; the rest of the struct is taken as the caller's memory holds it. */
    private static VfioIommuType1Info readInfo(Context c, long arg) {
        byte[] bytes = new byte[VfioIommuType1Info.SIZE];
        c.memory().read(arg, bytes, 0, INFO_MINSZ);
        return VfioIommuType1Info.decode(bytes);
    }

    /**
     * iommufd_vfio_map_dma: EFAULT, then EINVAL for {@code argsz < 32} or a flag other than READ / WRITE
     * (VFIO_DMA_MAP_FLAG_VADDR included), ENODEV without a compatibility IOAS, then iopt_map_user_pages at the fixed
     * {@code iova} with its errnos (no EOVERFLOW pre-check on ULONG_MAX here: that is ioas.c's).
     */
    private static long mapDma(Context c, long arg) {
        VfioIommuType1DmaMap map = VfioIommuType1DmaMap.decode(c.memory().read(arg, MAP_MINSZ));
        if (Integer.toUnsignedLong(map.argsz()) < MAP_MINSZ
            || (map.flags() & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) != 0) {
            throw new IommufdException(Errno.EINVAL, "vfio_iommu_type1_dma_map argsz below " + MAP_MINSZ
                + " or unsupported flags 0x" + Integer.toHexString(map.flags()));
        }
        int prot = 0;
        if ((map.flags() & VFIO_DMA_MAP_FLAG_READ) != 0) {
            prot |= PagingDomain.PROT_READ;
        }
        if ((map.flags() & VFIO_DMA_MAP_FLAG_WRITE) != 0) {
            prot |= PagingDomain.PROT_WRITE;
        }
        Ioas ioas = compatIoas(c);
        ioas.iopt.map(c.memory(), map.vaddr(), map.size(), map.iova(), true, prot);
        return 0;
    }

    /**
     * iommufd_vfio_unmap_dma: EFAULT, EINVAL for {@code argsz < 24} or a flag other than ALL (GET_DIRTY_BITMAP and
     * VADDR included), ENODEV; ALL needs iova = size = 0 (EINVAL) and unmaps everything; otherwise, with large pages
     * disabled (TYPE1), the areas are first cut at both ends of the range (iopt_cut_iova), then the range is unmapped
     * (iopt_unmap_iova). {@code size} is written back as the bytes unmapped, also when the unmap failed.
     */
    private static long unmapDma(Context c, long arg) {
        VfioIommuType1DmaUnmap unmap = VfioIommuType1DmaUnmap.decode(c.memory().read(arg, UNMAP_MINSZ));
        if (Integer.toUnsignedLong(unmap.argsz()) < UNMAP_MINSZ || (unmap.flags() & ~VFIO_DMA_UNMAP_FLAG_ALL) != 0) {
            throw new IommufdException(Errno.EINVAL, "vfio_iommu_type1_dma_unmap argsz below " + UNMAP_MINSZ
                + " or unsupported flags 0x" + Integer.toHexString(unmap.flags()));
        }
        Ioas ioas = compatIoas(c);
        if ((unmap.flags() & VFIO_DMA_UNMAP_FLAG_ALL) != 0) {
            if (unmap.iova() != 0 || unmap.size() != 0) {
                throw new IommufdException(Errno.EINVAL, "VFIO_DMA_UNMAP_FLAG_ALL needs iova and size 0");
            }
            writeUnmapped(c, arg, unmap, ioas.iopt.unmapAll());
            return 0;
        }
        if (!ioas.iopt.largePages()) {
            long last = unmap.iova() + unmap.size() - 1;
            if (unmap.iova() != 0) {
                ioas.iopt.cutAt(last, unmap.iova() - 1);
            } else {
                ioas.iopt.cutAt(last);
            }
        }
        long unmapped;
        try {
            unmapped = ioas.iopt.unmap(unmap.iova(), unmap.size());
        } catch (IommufdException e) {
            writeUnmapped(c, arg, unmap, 0);
            throw e;
        }
        writeUnmapped(c, arg, unmap, unmapped);
        return 0;
    }

    private static void writeUnmapped(Context c, long arg, VfioIommuType1DmaUnmap unmap, long bytes) {
        c.memory().write(arg, new VfioIommuType1DmaUnmap(unmap.argsz(), unmap.flags(), unmap.iova(), bytes).encode());
    }

    private static byte[] le32(int value) {
        return new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
    }
}
