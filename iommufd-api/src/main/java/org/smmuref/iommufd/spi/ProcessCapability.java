package org.smmuref.iommufd.spi;

/**
 * A Linux capability of the process that opened {@code /dev/iommu}, as far as iommufd checks one
 * ({@code capable()} in the kernel). The number is the kernel's {@code CAP_*} value.
 */
public enum ProcessCapability {
    /** Overrides resource limits: IOMMU_OPTION_RLIMIT_MODE may be set only with it (iommufd_option_rlimit_mode). */
    CAP_SYS_RESOURCE(24);

    private final int number;

    ProcessCapability(int number) {
        this.number = number;
    }

    /** The kernel's number of this capability ({@code include/uapi/linux/capability.h}). */
    public int number() {
        return number;
    }
}
