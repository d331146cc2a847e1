package org.smmuref.iommufd.spi;

/** A driver's side of one vIOMMU: nested domain allocation, cache invalidation and vDEVICE hooks. */
public interface ViommuDriver {
    /** Whether {@link #allocDomainNested} exists; HWPT_ALLOC on this vIOMMU fails with EOPNOTSUPP without it. */
    default boolean supportsAllocDomainNested() {
        return false;
    }

    /**
     * Allocates a nested domain for {@code device} from the user's driver data; {@code flags} are the
     * {@code iommu_hwpt_alloc} flags with FAULT_ID_VALID removed.
     */
    default NestedDomain allocDomainNested(IommuDevice device, int flags, UserData data) {
        throw new UnsupportedOperationException("alloc_domain_nested is not offered");
    }

    /** Whether {@link #cacheInvalidate} exists; HWPT_INVALIDATE on this vIOMMU fails with EOPNOTSUPP without it. */
    default boolean supportsCacheInvalidate() {
        return false;
    }

    /**
     * Handles the user's invalidation entries: sets {@link UserDataArray#setEntryNum} to the number handled before
     * the first failure and throws that failure's errno.
     */
    default void cacheInvalidate(UserDataArray entries) {
        throw new UnsupportedOperationException("cache_invalidate is not offered");
    }

    /** Called when a vDEVICE with {@code virtId} is created for {@code device}; a throw aborts the allocation. */
    default void vdeviceInit(IommuDevice device, long virtId) {
    }

    /** Called when the vDEVICE of {@code device} goes away (destroyed, or its device unbound). */
    default void vdeviceDestroy(IommuDevice device, long virtId) {
    }

    /** Called once when the vIOMMU is destroyed, after its vDEVICEs, nested HWPTs and vEVENTQs are gone. */
    default void destroy() {
    }
}
