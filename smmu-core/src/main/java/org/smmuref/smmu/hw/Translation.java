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
 * @param s1SizeShift log2 of the stage-1 leaf this entry holds information from: larger than {@code sizeShift} for a
 *     combined entry splintered by a smaller stage-2 page (Arm ARM D8.17), equal to it otherwise. A VA invalidation
 *     that touches any address of that stage-1 block must remove the entry, whichever part of the block it maps.
 */
public record Translation(long inputBase, int sizeShift, long outputBase, long ipaBase, int s1Perms, int s2Perms,
                          MemoryAttributes attributes, boolean global, int level, Granule granule, int s1SizeShift)
    implements TranslationResult {

    /** Checks that the stage-1 span contains the entry. */
    public Translation {
        if (s1SizeShift < sizeShift || s1SizeShift > 63) {
            throw new IllegalArgumentException("stage-1 span 2^" + s1SizeShift + " must contain the entry's 2^"
                + sizeShift);
        }
    }

    /** An entry that is its own stage-1 span: a stage-1 or stage-2 leaf, or a combined entry of the stage-1 size. */
    public Translation(long inputBase, int sizeShift, long outputBase, long ipaBase, int s1Perms, int s2Perms,
                       MemoryAttributes attributes, boolean global, int level, Granule granule) {
        this(inputBase, sizeShift, outputBase, ipaBase, s1Perms, s2Perms, attributes, global, level, granule,
            sizeShift);
    }

    /** First input address of the stage-1 block this entry holds information from. */
    public long s1SpanBase() {
        return inputBase & ~Bits.mask(s1SizeShift);
    }

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
