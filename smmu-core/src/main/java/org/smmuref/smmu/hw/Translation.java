package org.smmuref.smmu.hw;

/**
 * A successful translation of one naturally aligned input block, as the walker produces it and the TLB caches it.
 *
 * <p>Instances are immutable and shared: a TLB hit returns the cached instance itself, so the hit path allocates
 * nothing; the caller applies {@link #outputAddress(long)} to its own input address.
 *
 * @param inputBase first input address of the block: a VA sign-extended from bit 55 (top byte ignored), or an IPA
 * @param sizeShift log2 of the block size (page or block of the smaller stage for combined nested entries)
 * @param outputBase first output (physical) address of the block
 * @param ipaBase first IPA of the block: the stage-1 output for stage-1 and nested, the input for stage-2 only
 * @param s1Perms stage-1 {@link Permissions} bits, {@link Permissions#ALL} without stage 1
 * @param s2Perms stage-2 {@link Permissions} bits, {@link Permissions#ALL} without stage 2
 * @param attributes the raw stage-1 and stage-2 memory attributes
 * @param global whether the stage-1 leaf was global (nG=0, or a regime without ASIDs); false for IPA entries
 * @param level lookup level of the leaf that fixed the size
 * @param granule granule of the stage that fixed the size
 */
public record Translation(long inputBase, int sizeShift, long outputBase, long ipaBase, int s1Perms, int s2Perms,
                          MemoryAttributes attributes, boolean global, int level, Granule granule)
    implements TranslationResult {

    /** The size of the block in bytes. */
    public long size() {
        return 1L << sizeShift;
    }

    /** The output address for input address {@code address} inside this block. */
    public long outputAddress(long address) {
        return outputBase | (address & Bits.mask(sizeShift));
    }

    /** The intermediate physical address for input address {@code address} inside this block. */
    public long ipa(long address) {
        return ipaBase | (address & Bits.mask(sizeShift));
    }
}
