package org.smmuref.iommufd.spi;

/** An IOMMU translation domain created by a driver: what a HWPT wraps and what devices attach to. */
public interface IommuDomain {
    /** The IOMMU instance whose driver created this domain. */
    IommuInstance owner();

    /** Releases the driver's resources; called once, after every device has left and every user is gone. */
    void free();
}
