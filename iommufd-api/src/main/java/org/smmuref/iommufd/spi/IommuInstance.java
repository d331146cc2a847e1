package org.smmuref.iommufd.spi;

import java.util.Optional;

/**
 * One physical IOMMU (one SMMU) and its driver: what a vendor implements to run the iommufd core on its hardware.
 *
 * <p>Errors the user should see are thrown as {@code IommufdException} with the kernel's errno. Optional operations
 * come in pairs: a {@code supports...} query (the kernel's "op is NULL" test, answered before anything else is
 * checked) and the operation itself.
 */
public interface IommuInstance {
    /** This instance's number on the platform (the SMMU index); devices are bound by instance and StreamID. */
    int id();

    /** The name of the driver; nested domains need a parent created by the same driver. */
    String driverName();

    /** The device with this StreamID behind this instance, if there is one. */
    Optional<IommuDevice> device(int streamId);

    /**
     * Allocates a paging domain for {@code device} with {@code iommu_hwpt_alloc} flags (NEST_PARENT,
     * DIRTY_TRACKING, PASID; FAULT_ID_VALID is stripped by the core). {@code data} is null for data type NONE.
     * Flags or data the driver does not support: EOPNOTSUPP.
     */
    PagingDomain allocPagingDomain(IommuDevice device, int flags, UserData data);

    /** Whether {@link #allocDomainNested} exists (nesting on a nest-parent HWPT: VT-d, the selftest mock). */
    default boolean supportsDomainAllocNested() {
        return false;
    }

    /** Allocates a nested domain on the nest-parent {@code parent} from the user's driver data. */
    default NestedDomain allocDomainNested(PagingDomain parent, IommuDevice device, int flags, UserData data) {
        throw new UnsupportedOperationException("domain_alloc_nested is not offered by " + driverName());
    }

    /**
     * Whether {@link #allocDomainNestedV1} exists: nesting on a nest-parent HWPT from the March 2023 v1 ARM SMMUv3
     * data, which the core offers only in contexts opened for {@code IommufdAbi.V1_2023}.
     */
    default boolean supportsDomainAllocNestedV1() {
        return false;
    }

    /**
     * Allocates a v1-ABI nested domain on the nest-parent {@code parent} from the v1 driver data (data type
     * {@code IOMMU_HWPT_TYPE_ARM_SMMUV3}), for a context holding the reference {@code kvm} on its KVM VM if it is associated; the returned domain
     * handles the v1 invalidation entries through {@link NestedDomain#cacheInvalidateUser}.
     */
    default NestedDomain allocDomainNestedV1(PagingDomain parent, IommuDevice device, int flags, UserData data,
                                            Optional<KvmReference> kvm) {
        throw new UnsupportedOperationException("the v1 domain_alloc_nested is not offered by " + driverName());
    }

    /** Whether a vIOMMU of {@code type} can be created for {@code device} (the kernel's non-zero viommu size). */
    default boolean supportsViommu(IommuDevice device, int type) {
        return false;
    }

    /**
     * Initialises a vIOMMU of {@code host.type()} on the nest-parent domain {@code parent} for {@code device}'s
     * instance; {@code data} is null when the user passed no driver data.
     */
    default ViommuDriver initViommu(ViommuHost host, PagingDomain parent, IommuDevice device, UserData data) {
        throw new UnsupportedOperationException("viommu_init is not offered by " + driverName());
    }
}
