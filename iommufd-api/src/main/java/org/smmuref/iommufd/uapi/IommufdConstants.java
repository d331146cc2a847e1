package org.smmuref.iommufd.uapi;

import java.util.Map;

/**
 * The numeric constants of {@code include/uapi/linux/iommufd.h} (and of the 2023 v1 SMMUv3 nesting proposal), under
 * the kernel's names so that they can be checked against the header line by line. Command numbers and ioctl values
 * live in {@link IommufdCommand}; this class holds flags, types and the Arm SMMUv3 facts that the uAPI states.
 */
public final class IommufdConstants {
    private IommufdConstants() {
    }

    // ---- ioctl encoding -------------------------------------------------------------------------------------------

    /** {@code IOMMUFD_TYPE}: the ioctl "magic" character ';' (0x3b). */
    public static final int IOMMUFD_TYPE = ';';
    /** {@code IOMMUFD_CMD_BASE}: the first command number (DESTROY). */
    public static final int IOMMUFD_CMD_BASE = 0x80;

    /** {@code _IO(IOMMUFD_TYPE, nr)}: no direction and no size bits, so the value is {@code 0x3b00 | nr}. */
    public static int ioctl(int nr) {
        if (nr < 0 || nr > 0xff) {
            throw new IllegalArgumentException("ioctl nr is 8 bits: " + nr);
        }
        return (IOMMUFD_TYPE << 8) | nr;
    }

    // ---- IOMMU_IOAS_MAP / MAP_FILE flags ------------------------------------------------------------------------

    /** The IOVA is an input and must be free (EEXIST otherwise). */
    public static final int IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0;
    /** The mapping is writable by DMA. */
    public static final int IOMMU_IOAS_MAP_WRITEABLE = 1 << 1;
    /** The mapping is readable by DMA. */
    public static final int IOMMU_IOAS_MAP_READABLE = 1 << 2;

    // ---- IOMMU_OPTION -------------------------------------------------------------------------------------------

    /** {@code option_id}: how pinned pages are charged (per user or per process). */
    public static final int IOMMU_OPTION_RLIMIT_MODE = 0;
    /** {@code option_id}: whether an IOAS may use huge pages. */
    public static final int IOMMU_OPTION_HUGE_PAGES = 1;
    /** {@code op}: set {@code val64}. */
    public static final int IOMMU_OPTION_OP_SET = 0;
    /** {@code op}: return the value in {@code val64}. */
    public static final int IOMMU_OPTION_OP_GET = 1;

    // ---- IOMMU_VFIO_IOAS op (enum iommufd_vfio_ioas_op) ----------------------------------------------------------

    /** Return the compatibility IOAS id. */
    public static final int IOMMU_VFIO_IOAS_GET = 0;
    /** Make {@code ioas_id} the compatibility IOAS. */
    public static final int IOMMU_VFIO_IOAS_SET = 1;
    /** Forget the compatibility IOAS. */
    public static final int IOMMU_VFIO_IOAS_CLEAR = 2;

    // ---- IOMMU_HWPT_ALLOC ---------------------------------------------------------------------------------------

    /** The HWPT may be the parent (stage 2) of nested HWPTs. */
    public static final int IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0;
    /** The HWPT tracks dirty pages. */
    public static final int IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;
    /** {@code fault_id} names a FAULT object that receives this HWPT's I/O page faults. */
    public static final int IOMMU_HWPT_FAULT_ID_VALID = 1 << 2;
    /** The HWPT may be attached to a PASID. */
    public static final int IOMMU_HWPT_ALLOC_PASID = 1 << 3;
    /** {@code iommu_hwpt_set_dirty_tracking.flags}: turn dirty tracking on (off without it). */
    public static final int IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1;
    /** {@code iommu_hwpt_get_dirty_bitmap.flags}: report the dirty bits without clearing them. */
    public static final int IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1;

    /** {@code data_type} (enum iommu_hwpt_data_type): no driver data, a paging HWPT. */
    public static final int IOMMU_HWPT_DATA_NONE = 0;
    /** {@code data_type}: Intel VT-d stage-1 data. */
    public static final int IOMMU_HWPT_DATA_VTD_S1 = 1;
    /** {@code data_type}: Arm SMMUv3 nested data ({@link IommuHwptArmSmmuv3}, the vSTE). */
    public static final int IOMMU_HWPT_DATA_ARM_SMMUV3 = 2;

    // ---- v1 proposal (March 2023) -------------------------------------------------------------------------------

    /** v1 {@code enum iommu_hwpt_type}: the default (paging) HWPT. */
    public static final int IOMMU_HWPT_TYPE_DEFAULT = 0;
    /** v1 {@code enum iommu_hwpt_type}: VT-d stage 1. */
    public static final int IOMMU_HWPT_TYPE_VTD_S1 = 1;
    /** v1 {@code enum iommu_hwpt_type}: selects the v1 SMMUv3 data ({@link IommuHwptArmSmmuv3V1}, 48 bytes). */
    public static final int IOMMU_HWPT_TYPE_ARM_SMMUV3 = 2;
    /** v1 {@link IommuHwptArmSmmuv3V1#flags()}: allocate the stage-2 (nest-parent) domain; unset means stage 1. */
    public static final long IOMMU_SMMUV3_FLAG_S2 = 1L << 0;
    /** v1 {@link IommuHwptArmSmmuv3V1#flags()}: use {@code s2vmid} as the VMID (the rejected "VMID override"). */
    public static final long IOMMU_SMMUV3_FLAG_VMID = 1L << 1;
    /** v1 {@link IommuHwptInvalidateArmSmmuv3V1#flags()}: a leaf-only TLBI by VA. */
    public static final long IOMMU_SMMUV3_CMDQ_TLBI_VA_LEAF = 1L << 0;

    // ---- IOMMU_GET_HW_INFO --------------------------------------------------------------------------------------

    /** {@code flags}: {@code in_data_type} holds the requested type (else the default type is reported). */
    public static final int IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0;

    /** {@code enum iommu_hw_info_type}: no driver data. */
    public static final int IOMMU_HW_INFO_TYPE_NONE = 0;
    /** As input with INPUT_TYPE: whatever the driver reports by default (same value as NONE). */
    public static final int IOMMU_HW_INFO_TYPE_DEFAULT = 0;
    /** Intel VT-d. */
    public static final int IOMMU_HW_INFO_TYPE_INTEL_VTD = 1;
    /** Arm SMMUv3 ({@link IommuHwInfoArmSmmuv3}); the v1 proposal used the same value. */
    public static final int IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2;
    /** NVIDIA Tegra241 CMDQV. */
    public static final int IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3;
    /** AMD IOMMU. */
    public static final int IOMMU_HW_INFO_TYPE_AMD = 4;

    /** {@code out_capabilities}: the IOMMU can track dirty pages. */
    public static final long IOMMU_HW_CAP_DIRTY_TRACKING = 1L << 0;
    /** {@code out_capabilities}: PCI PASID execute permission is supported. */
    public static final long IOMMU_HW_CAP_PCI_PASID_EXEC = 1L << 1;
    /** {@code out_capabilities}: PCI PASID privileged mode is supported. */
    public static final long IOMMU_HW_CAP_PCI_PASID_PRIV = 1L << 2;

    // ---- vIOMMU, vEVENTQ, HW queue, invalidation types ----------------------------------------------------------

    /** {@code enum iommu_viommu_type}: reserved, refused (EOPNOTSUPP). */
    public static final int IOMMU_VIOMMU_TYPE_DEFAULT = 0;
    /** An Arm SMMUv3 vIOMMU (takes no driver data). */
    public static final int IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1;
    /** An NVIDIA Tegra241 CMDQV vIOMMU. */
    public static final int IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2;

    /** {@code enum iommu_veventq_type}: reserved, refused (EOPNOTSUPP). */
    public static final int IOMMU_VEVENTQ_TYPE_DEFAULT = 0;
    /** Arm SMMUv3 vEVENTs ({@link IommuVeventArmSmmuv3}). */
    public static final int IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1;
    /** NVIDIA Tegra241 CMDQV vEVENTs. */
    public static final int IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2;
    /** {@link IommufdVeventHeader#flags()}: events were lost just before this header (a tail header has no data). */
    public static final int IOMMU_VEVENTQ_FLAG_LOST_EVENTS = 1 << 0;

    /** {@code enum iommu_hw_queue_type}: reserved, refused. */
    public static final int IOMMU_HW_QUEUE_TYPE_DEFAULT = 0;
    /** An NVIDIA Tegra241 virtual command queue. */
    public static final int IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1;

    /** {@code enum iommu_hwpt_invalidate_data_type}: VT-d stage-1 entries on a nested HWPT. */
    public static final int IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0;
    /** Arm SMMUv3 entries ({@link IommuViommuArmSmmuv3Invalidate}) on a vIOMMU. */
    public static final int IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1;

    /** {@link IommuHwptPageResponse#code()}: the fault was handled. */
    public static final int IOMMUFD_PAGE_RESP_SUCCESS = 0;
    /** {@link IommuHwptPageResponse#code()}: the fault could not be handled. */
    public static final int IOMMUFD_PAGE_RESP_INVALID = 1;

    // ---- Arm SMMUv3 facts stated by the uAPI --------------------------------------------------------------------

    /** vSTE dword 0 bits a guest may set: V, Config, S1Fmt, S1ContextPtr, S1CDMax (others -> EIO). */
    public static final long STRTAB_STE_0_NESTING_ALLOWED = 0xf80fffffffffffffL;
    /** vSTE dword 1 bits a guest may set: EATS, S1DSS, S1CIR, S1COR, S1CSH, S1STALLD (others -> EIO). */
    public static final long STRTAB_STE_1_NESTING_ALLOWED = 0x380000ffL;

    /** Event id C_BAD_STE, forwarded to a vEVENTQ. */
    public static final int EVT_ID_BAD_STE_CONFIG = 0x04;
    /** Event id F_STREAM_DISABLED, forwarded. */
    public static final int EVT_ID_STREAM_DISABLED_FAULT = 0x06;
    /** Event id C_BAD_SUBSTREAMID, forwarded. */
    public static final int EVT_ID_BAD_SUBSTREAMID_CONFIG = 0x08;
    /** Event id C_BAD_CD, forwarded. */
    public static final int EVT_ID_BAD_CD_CONFIG = 0x0a;
    /** Event id F_TRANSLATION, forwarded. */
    public static final int EVT_ID_TRANSLATION_FAULT = 0x10;
    /** Event id F_ADDR_SIZE, forwarded. */
    public static final int EVT_ID_ADDR_SIZE_FAULT = 0x11;
    /** Event id F_ACCESS, forwarded. */
    public static final int EVT_ID_ACCESS_FAULT = 0x12;
    /** Event id F_PERMISSION, forwarded. */
    public static final int EVT_ID_PERMISSION_FAULT = 0x13;

    /** The event ids the Arm driver forwards to a vEVENTQ, by id, with their architectural names. */
    public static final Map<Integer, String> ARM_SMMUV3_VEVENT_IDS = Map.of(
        EVT_ID_BAD_STE_CONFIG, "C_BAD_STE",
        EVT_ID_STREAM_DISABLED_FAULT, "F_STREAM_DISABLED",
        EVT_ID_BAD_SUBSTREAMID_CONFIG, "C_BAD_SUBSTREAMID",
        EVT_ID_BAD_CD_CONFIG, "C_BAD_CD",
        EVT_ID_TRANSLATION_FAULT, "F_TRANSLATION",
        EVT_ID_ADDR_SIZE_FAULT, "F_ADDR_SIZE",
        EVT_ID_ACCESS_FAULT, "F_ACCESS",
        EVT_ID_PERMISSION_FAULT, "F_PERMISSION");

    /** Whether the Arm driver forwards events with this id to a vEVENTQ. */
    public static boolean isForwardedArmEvent(int eventId) {
        return ARM_SMMUV3_VEVENT_IDS.containsKey(eventId);
    }
}
