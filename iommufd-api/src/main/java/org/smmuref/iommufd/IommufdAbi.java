package org.smmuref.iommufd;

/**
 * The uAPI generation a context is opened for ({@link Iommufd#open(IommufdAbi)}): it decides what HWPT_ALLOC's
 * ARM SMMUv3 data means on a nest-parent {@code pt_id}, where the two generations use the same value 2 for
 * different structs.
 */
public enum IommufdAbi {
    /**
     * The upstream uAPI (the default): ARM SMMUv3 nested HWPTs come from a vIOMMU with the 16-byte vSTE; a
     * nest-parent {@code pt_id} with ARM data is EOPNOTSUPP, as in the kernel.
     */
    UPSTREAM,
    /**
     * The March 2023 v1 nesting proposal, on top of the upstream uAPI: HWPT_ALLOC with data type
     * {@code IOMMU_HWPT_TYPE_ARM_SMMUV3} (2) on a nest-parent paging HWPT takes the 48-byte v1
     * {@code iommu_hwpt_arm_smmuv3}, and HWPT_INVALIDATE on the nested HWPT it makes takes the 40-byte v1
     * invalidation entries (type 2). Its user-chosen VMID stays refused.
     */
    V1_2023
}
