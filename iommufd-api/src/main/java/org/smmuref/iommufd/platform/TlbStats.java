package org.smmuref.iommufd.platform;

/**
 * TLB lookup counts of one IOMMU instance.
 *
 * @param hits lookups that found an entry
 * @param misses lookups that found none (a walk followed)
 */
public record TlbStats(long hits, long misses) {
}
