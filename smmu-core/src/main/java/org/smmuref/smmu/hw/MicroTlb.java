package org.smmuref.smmu.hw;

/**
 * A StreamID-tagged micro-TLB in front of the {@link Tlb}, like the micro-TLB of an SMMU's translation buffer unit:
 * it answers a repeated (StreamID, SubstreamID, 4K page, access) without the configuration-cache lookup and the TLB's
 * tag derivation.
 *
 * <p>It holds only what a permitted TLB hit already gave, for one 4K page, with the set of accesses the stream's
 * context permits on it. Entries are stamped with the TLB generation and the device's invalidation epoch when filled
 * and are dead once either moves: every TLB invalidation, configuration invalidation or control change empties the
 * micro-TLB in O(1) (over-invalidation, which the architecture allows). Evicting a TLB entry does not touch it: a
 * cached translation stays usable until an invalidation.
 *
 * <p>The {@link TranslationEngine} uses a second instance as its stage-2 walk cache, keyed by VMID and stage-2 granule
 * instead of stream, with the TLB generation alone as its stamp.
 *
 * <p>Four-way set associative over a power-of-two array: the ways of a set are adjacent references (one cache line),
 * most recently filled first. Entries are
 * immutable and published by a plain array store, so a reader sees either a whole old entry or a whole new one; a
 * racing fill can only replace a valid entry by another valid one.
 */
final class MicroTlb {
    /** One cached page: its tags, stamps, permitted accesses (bit {@link #accessBit}) and output page. */
    record Entry(long streamKey, long page, long generation, long epoch, int accesses, long outputPage,
                 Translation translation) {
    }

    static final int WAYS = 4;

    private final Entry[] ways;
    private final int setMask;

    /** A micro-TLB with room for {@code entries} pages (rounded up to a power of two, at least {@link #WAYS}). */
    MicroTlb(int entries) {
        int n = Integer.highestOneBit(Math.max(WAYS, entries) - 1) << 1;
        this.ways = new Entry[n];
        this.setMask = n / WAYS - 1;
    }

    /** The bit of {@code access} in an entry's permitted set. */
    static int accessBit(Access access) {
        return 1 << Tlb.Stage1Tags.accessIndex(access);
    }

    /**
     * The set of a page: its low page-number bits, as a hardware TLB indexed by VA (a stream's consecutive pages never
     * conflict), offset by a hash of the stream so that streams do not all start at set 0.
     */
    private int set(long streamKey, long page) {
        return (int) (streamKey * 0x9E3779B97F4A7C15L >>> 32 ^ page) & setMask;
    }

    /**
     * The live entry for ({@code streamKey}, the 4K page of {@code address}) that permits {@code accessBit}, or null.
     */
    Entry lookup(long streamKey, long address, int accessBit, long generation, long epoch) {
        long page = address >>> 12;
        int i = set(streamKey, page) * WAYS;
        for (int w = i; w < i + WAYS; w++) {
            Entry e = ways[w];
            if (e != null && e.page == page && e.streamKey == streamKey) {
                return e.generation == generation && e.epoch == epoch && (e.accesses & accessBit) != 0 ? e : null;
            }
        }
        return null;
    }

    /** Caches page {@code address >>> 12} of a stream; a dead or different entry of the set makes room. */
    void fill(long streamKey, long address, long generation, long epoch, int accesses, Translation t) {
        long page = address >>> 12;
        int i = set(streamKey, page) * WAYS;
        Entry fresh = new Entry(streamKey, page, generation, epoch, accesses, t.outputAddress(address) & ~0xFFFL, t);
        // The way to give up: the same page (a refill), else the first dead or empty way, else the oldest (last).
        int victim = i + WAYS - 1;
        for (int w = i; w < i + WAYS; w++) {
            Entry e = ways[w];
            if (e == null || e.page == page && e.streamKey == streamKey || e.generation != generation
                || e.epoch != epoch) {
                victim = w;
                break;
            }
        }
        // Most recent first: shift the ways before the victim down by one. A reader racing with the shift may miss
        // an entry (it then takes the slow path) but never sees a wrong one.
        for (int w = victim; w > i; w--) {
            ways[w] = ways[w - 1];
        }
        ways[i] = fresh;
    }
}
