package org.smmuref.conformance;

import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.platform.ModelPlatform;

/**
 * The SPI a vendor implements to run the conformance suite against an implementation: the iommufd level (the
 * {@link Iommufd} service and the {@link ModelPlatform} operations a VMM and a guest need: process and guest memory,
 * stage-1 tables, device DMA with StreamID / SubstreamID, KVM VMs and broadcast TLBIs) and the hardware level (the
 * same platform's MMIO, physical memory and host event records, declared with {@link Capability#HARDWARE}).
 *
 * <p>The suite asks for a fresh target per test and closes it afterwards. {@link #capabilities()} says what the
 * implementation has; a test that needs anything else is reported as not applicable with the missing feature.
 */
public interface ConformanceTarget extends AutoCloseable {

    /** A short name for the report ("reference", "acme-smmu"). */
    String name();

    /** The iommufd service under test. */
    Iommufd iommufd();

    /** The machine around it; contexts the suite opens come from {@link ModelPlatform#openContext}. */
    ModelPlatform platform();

    /** The features this target has (use {@link Capabilities#fromIdr} over GET_HW_INFO where possible). */
    Capabilities capabilities();

    /** The IOMMU instance the suite's devices sit behind (default 0). */
    default int iommu() {
        return 0;
    }

    /** Releases the target; the default does nothing. */
    @Override
    default void close() {
    }
}
