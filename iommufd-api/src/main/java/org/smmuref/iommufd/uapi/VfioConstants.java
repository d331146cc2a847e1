package org.smmuref.iommufd.uapi;

/**
 * The constants of {@code include/uapi/linux/vfio.h} that the VFIO type1 compatibility ioctls on an iommufd fd use
 * (drivers/iommu/iommufd/vfio_compat.c), under the kernel's names.
 */
public final class VfioConstants {
    private VfioConstants() {
    }

    /** {@code VFIO_TYPE}: the ioctl "magic" character ';', the same as iommufd's. */
    public static final int VFIO_TYPE = ';';
    /** {@code VFIO_BASE}: the first VFIO command number. */
    public static final int VFIO_BASE = 100;
    /** {@code VFIO_API_VERSION}. */
    public static final int VFIO_API_VERSION = 0;

    /** {@code VFIO_GET_API_VERSION}: {@code _IO(VFIO_TYPE, VFIO_BASE + 0)}. */
    public static final int VFIO_GET_API_VERSION = vfioIoctl(0);
    /** {@code VFIO_CHECK_EXTENSION}: the argument is the extension number itself. */
    public static final int VFIO_CHECK_EXTENSION = vfioIoctl(1);
    /** {@code VFIO_SET_IOMMU}: the argument is the IOMMU type itself. */
    public static final int VFIO_SET_IOMMU = vfioIoctl(2);
    /** {@code VFIO_IOMMU_GET_INFO}: {@code struct vfio_iommu_type1_info} and its capability chain. */
    public static final int VFIO_IOMMU_GET_INFO = vfioIoctl(12);
    /** {@code VFIO_IOMMU_MAP_DMA}: {@code struct vfio_iommu_type1_dma_map}. */
    public static final int VFIO_IOMMU_MAP_DMA = vfioIoctl(13);
    /** {@code VFIO_IOMMU_UNMAP_DMA}: {@code struct vfio_iommu_type1_dma_unmap}. */
    public static final int VFIO_IOMMU_UNMAP_DMA = vfioIoctl(14);
    /** {@code VFIO_IOMMU_DIRTY_PAGES}: not served by iommufd (ENOTTY). */
    public static final int VFIO_IOMMU_DIRTY_PAGES = vfioIoctl(17);

    // ---- extensions and IOMMU types (VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU) ---------------------------------------

    /** {@code VFIO_TYPE1_IOMMU}. */
    public static final int VFIO_TYPE1_IOMMU = 1;
    /** {@code VFIO_SPAPR_TCE_IOMMU}. */
    public static final int VFIO_SPAPR_TCE_IOMMU = 2;
    /** {@code VFIO_TYPE1v2_IOMMU}. */
    public static final int VFIO_TYPE1V2_IOMMU = 3;
    /** {@code VFIO_DMA_CC_IOMMU}: whether the IOMMU enforces DMA cache coherence. */
    public static final int VFIO_DMA_CC_IOMMU = 4;
    /** {@code VFIO_EEH}. */
    public static final int VFIO_EEH = 5;
    /** {@code VFIO_TYPE1_NESTING_IOMMU} (obsolete). */
    public static final int VFIO_TYPE1_NESTING_IOMMU = 6;
    /** {@code VFIO_SPAPR_TCE_v2_IOMMU}. */
    public static final int VFIO_SPAPR_TCE_V2_IOMMU = 7;
    /** {@code VFIO_NOIOMMU_IOMMU}. */
    public static final int VFIO_NOIOMMU_IOMMU = 8;
    /** {@code VFIO_UNMAP_ALL}. */
    public static final int VFIO_UNMAP_ALL = 9;
    /** {@code VFIO_UPDATE_VADDR}. */
    public static final int VFIO_UPDATE_VADDR = 10;

    // ---- flags ----------------------------------------------------------------------------------------------------

    /** {@code VFIO_IOMMU_INFO_PGSIZES}: {@code iova_pgsizes} is valid. */
    public static final int VFIO_IOMMU_INFO_PGSIZES = 1;
    /** {@code VFIO_IOMMU_INFO_CAPS}: {@code cap_offset} is valid. */
    public static final int VFIO_IOMMU_INFO_CAPS = 1 << 1;
    /** {@code VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE}: capability id of the usable IOVA ranges. */
    public static final int VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;
    /** {@code VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL}: capability id of the number of DMA mappings still allowed. */
    public static final int VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL = 3;
    /** {@code VFIO_DMA_MAP_FLAG_READ}. */
    public static final int VFIO_DMA_MAP_FLAG_READ = 1;
    /** {@code VFIO_DMA_MAP_FLAG_WRITE}. */
    public static final int VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;
    /** {@code VFIO_DMA_MAP_FLAG_VADDR} (refused by iommufd). */
    public static final int VFIO_DMA_MAP_FLAG_VADDR = 1 << 2;
    /** {@code VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP} (refused by iommufd). */
    public static final int VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1;
    /** {@code VFIO_DMA_UNMAP_FLAG_ALL}. */
    public static final int VFIO_DMA_UNMAP_FLAG_ALL = 1 << 1;
    /** {@code VFIO_DMA_UNMAP_FLAG_VADDR} (refused by iommufd). */
    public static final int VFIO_DMA_UNMAP_FLAG_VADDR = 1 << 2;

    /** {@code _IO(VFIO_TYPE, VFIO_BASE + n)}. */
    public static int vfioIoctl(int n) {
        return (VFIO_TYPE << 8) | (VFIO_BASE + n);
    }
}
