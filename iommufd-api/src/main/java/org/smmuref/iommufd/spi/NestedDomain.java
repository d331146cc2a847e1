package org.smmuref.iommufd.spi;

/**
 * A nested domain: a guest stage-1 configuration (for the ARM SMMUv3 a guest STE) on top of a nest-parent paging
 * domain.
 */
public interface NestedDomain extends IommuDomain {
    /**
     * Whether this domain invalidates its caches from user entries through {@link #cacheInvalidateUser}; without
     * it HWPT_INVALIDATE on the nested HWPT fails with EOPNOTSUPP (the ARM SMMUv3 invalidates through the vIOMMU).
     */
    default boolean supportsCacheInvalidateUser() {
        return false;
    }

    /**
     * Handles the user's invalidation entries. The driver must set {@link UserDataArray#setEntryNum} to the number
     * of entries handled before the first failure, and throw the failure's errno.
     */
    default void cacheInvalidateUser(UserDataArray entries) {
        throw new UnsupportedOperationException("cache_invalidate_user is not offered by this domain");
    }
}
