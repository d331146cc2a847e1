package org.smmuref.iommufd.spi;

import java.util.List;
import java.util.Optional;

/** A device behind one IOMMU instance, identified there by its StreamID, as its driver sees it. */
public interface IommuDevice {
    /** The IOMMU instance the device sits behind. */
    IommuInstance instance();

    /** The device's StreamID (its single SID; multi-SID devices are not modelled). */
    int streamId();

    /** What the device and its IOMMU can do. */
    default DeviceCapabilities capabilities() {
        return DeviceCapabilities.NONE;
    }

    /**
     * The driver's hardware information for {@code requestedType} ({@code iommu_hw_info_type}, DEFAULT 0 when the
     * user did not ask for one). Empty when the driver has no hw_info at all; a type it refuses is an
     * {@code IommufdException} with EOPNOTSUPP.
     */
    default Optional<HwInfo> hwInfo(int requestedType) {
        return Optional.empty();
    }

    /** IOVA ranges the device can never use for DMA (an MSI window, for example); reserved in any IOAS it joins. */
    default List<IovaRange> reservedRegions() {
        return List.of();
    }

    /**
     * Makes {@code domain} the device's translation, replacing whatever it had. On failure (an
     * {@code IommufdException} whose errno reaches userspace) the previous translation must stay in place.
     */
    void attach(IommuDomain domain);

    /** Blocks all DMA of the device (the state of a bound device with no domain). */
    void block();

    /**
     * Answers the fault group {@code grpid} (at {@code pasid}, or none with -1) that this device reported through
     * {@link IopfReporter}, with {@link PageFault#RESP_SUCCESS} or {@link PageFault#RESP_INVALID} (the kernel's
     * {@code ops->page_response}). Only a driver that reports faults is called here.
     */
    default void pageResponse(int pasid, int grpid, int code) {
        throw new UnsupportedOperationException("page_response: " + getClass().getSimpleName() + " reports no faults");
    }

    /**
     * Makes {@code domain} the translation of the device's DMA tagged with {@code pasid} (a SubstreamID, never 0),
     * replacing what that PASID had ({@code set_dev_pasid}). On failure the previous state must stay. A driver
     * without PASID support keeps this default: EOPNOTSUPP, as {@code iommu_attach_device_pasid} answers when the
     * domain has no {@code set_dev_pasid}.
     */
    default void attachPasid(int pasid, IommuDomain domain) {
        throw new org.smmuref.iommufd.IommufdException(org.smmuref.iommufd.uapi.Errno.EOPNOTSUPP,
            getClass().getSimpleName() + " cannot attach a domain at a PASID");
    }

    /** Blocks the device's DMA tagged with {@code pasid}; only called for a PASID {@link #attachPasid} set. */
    default void blockPasid(int pasid) {
        throw new UnsupportedOperationException("blockPasid: " + getClass().getSimpleName() + " attaches no PASIDs");
    }
}
