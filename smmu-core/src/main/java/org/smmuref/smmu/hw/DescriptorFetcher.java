package org.smmuref.smmu.hw;

/**
 * Reads configuration structures (STE, L1STD, CD, L1CD) for the stream and CD table walks.
 *
 * <p>In nested configurations the CD and L1CD addresses are IPAs: the integration supplies a fetcher that translates
 * them by stage 2 first (its stage-2 faults propagate as its own unchecked exception). An access that no memory
 * answers must throw {@link ExternalAbortException} carrying the <em>physical</em> address, which the walks turn into
 * F_STE_FETCH / F_CD_FETCH.
 */
@FunctionalInterface
public interface DescriptorFetcher {
    /**
     * Reads {@code dwords} consecutive little-endian 64-bit values at {@code address} (8-byte aligned).
     *
     * @throws ExternalAbortException if the physical access aborts
     */
    long[] fetch(long address, int dwords);

    /** A fetcher that reads physical memory directly (addresses are PAs). */
    static DescriptorFetcher direct(PhysicalMemory memory) {
        return memory::readLongs;
    }
}
