package org.smmuref.iommufd;

/**
 * The iommufd flag and type values the core interprets (from include/uapi/linux/iommufd.h).
 *
 * <p>Interim: these move to the constants of {@code org.smmuref.iommufd.uapi} when that package has them.
 */
public final class IommufdConstants {
    private IommufdConstants() {
    }

    /** IOAS_MAP / IOAS_COPY: the IOVA is given, not allocated. */
    public static final int IOAS_MAP_FIXED_IOVA = 1 << 0;
    /** IOAS_MAP / IOAS_COPY: DMA may write. */
    public static final int IOAS_MAP_WRITEABLE = 1 << 1;
    /** IOAS_MAP / IOAS_COPY: DMA may read. */
    public static final int IOAS_MAP_READABLE = 1 << 2;

    /** OPTION id: accounting of pinned pages per user (0) or per mm (1). */
    public static final int OPTION_RLIMIT_MODE = 0;
    /** OPTION id: whether an IOAS may map with pages larger than the base page. */
    public static final int OPTION_HUGE_PAGES = 1;
    /** OPTION op: set. */
    public static final int OPTION_OP_SET = 0;
    /** OPTION op: get. */
    public static final int OPTION_OP_GET = 1;

    /** HWPT_ALLOC: the domain may be a nesting parent. */
    public static final int HWPT_ALLOC_NEST_PARENT = 1 << 0;
    /** HWPT_ALLOC: the domain tracks dirty IOVAs. */
    public static final int HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;
    /** HWPT_ALLOC: {@code fault_id} names a fault queue. */
    public static final int HWPT_FAULT_ID_VALID = 1 << 2;
    /** HWPT_ALLOC: the domain may be attached to PASIDs. */
    public static final int HWPT_ALLOC_PASID = 1 << 3;
    /** HWPT_ALLOC data type: no driver data. */
    public static final int HWPT_DATA_NONE = 0;

    /** GET_HW_INFO: {@code in_data_type} is meaningful. */
    public static final int HW_INFO_FLAG_INPUT_TYPE = 1 << 0;
    /** GET_HW_INFO type: no data (or the driver's default on input). */
    public static final int HW_INFO_TYPE_NONE = 0;
    /** GET_HW_INFO capability: dirty tracking. */
    public static final long HW_CAP_DIRTY_TRACKING = 1L << 0;
    /** GET_HW_INFO capability: PCI PASID execute permission. */
    public static final long HW_CAP_PCI_PASID_EXEC = 1L << 1;
    /** GET_HW_INFO capability: PCI PASID privileged mode. */
    public static final long HW_CAP_PCI_PASID_PRIV = 1L << 2;

    /** VIOMMU_ALLOC / VEVENTQ_ALLOC type 0, reserved. */
    public static final int VIOMMU_TYPE_DEFAULT = 0;
    /** VEVENTQ_ALLOC type 0, reserved. */
    public static final int VEVENTQ_TYPE_DEFAULT = 0;
    /** vEVENT header flag: events were lost before this point. */
    public static final int VEVENTQ_FLAG_LOST_EVENTS = 1 << 0;
    /** Size of {@code iommufd_vevent_header}. */
    public static final int VEVENT_HEADER_SIZE = 8;
    /** Size of {@code iommu_iova_range}. */
    public static final int IOVA_RANGE_SIZE = 16;
}
