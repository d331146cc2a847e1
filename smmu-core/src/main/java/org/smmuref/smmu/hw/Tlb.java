package org.smmuref.smmu.hw;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;

/**
 * The SMMU's translation lookaside buffer: cached {@link Translation}s, separate from any configuration cache.
 *
 * <p><b>Tags.</b> An entry is tagged by regime, VMID, kind (ASID-tagged stage-1 entry, global stage-1 entry, or IPA
 * entry without ASID), ASID, ASET, the stage-1 and stage-2 granules, and its naturally aligned input block (address
 * and size). Combined nested entries are stage-1 (VA) entries: TLBI_S2_IPA does not look at them, the VA-scoped and
 * VMID-wide commands do. A combined entry smaller than its stage-1 block (a block splintered by smaller stage-2 pages)
 * keeps the stage-1 block's span, and a VA-scoped command removes it when that span overlaps the command's range,
 * whichever part of the block the entry itself maps (Arm ARM D8.17; SMMU section 4.4). Stage-2 translations
 * (stage-2-only streams, and CD fetches through stage 2) are IPA entries.
 *
 * <p><b>Layout.</b> The entries live in one open-addressing table with linear probing over primitive arrays: per
 * slot a tag word (regime, kind, VMID, ASID, block size, flavor = ASET and granules) and the block number side by side
 * in one {@code long[]}, and the cached {@link Translation} in a parallel array, so a hit reads one cache line of tags
 * and one reference. The home slot of a block is a hash of (tag, block number / 16) plus the low 4 bits of the block
 * number: the 16 neighbouring blocks of one tag share a run of slots (a DMA stream's next page is usually one slot
 * away, as in a hardware TLB indexed by low VA bits), while unrelated groups are spread. The flavor is compared but not
 * hashed, so an invalidation by address finds every flavor of a block in one probe run. Removal shifts the run back
 * (no tombstones), so a lookup never probes more than the run its block is in.
 *
 * <p><b>Lookup</b> probes each block size the context's granules can produce that is currently present in the TLB, for
 * the ASID and then the global tag.
 *
 * <p><b>Invalidation</b> follows the scopes of spec section 7.2 / 7.3 exactly (ASID-scoped broadcasts skip ASET=1
 * entries); TTL and Leaf hints are ignored, i.e. every overlapping entry is removed, which over-invalidation allows.
 * Entries are also linked into per-(regime, VMID) lists (global, IPA) and per-(regime, VMID, ASID) lists, so that a
 * command touches only the entries of its scope; a by-address command probes the table page by page when that is
 * cheaper than scanning its list.
 *
 * <p><b>Bookkeeping without objects.</b> The scope lists and the age ring are links in {@code int} arrays indexed by
 * entry number (free entry numbers are reused), lists have numbers too, and the (regime, VMID, ASID) -> list map is
 * an open-addressing {@code long -> int} table. An insert or a removal therefore allocates nothing and stores no
 * reference except the cached translation: its cost does not grow with the number of resident entries through
 * garbage collection (with millions of entries, every object allocated per insert and linked into old ones made
 * each young collection more expensive).
 *
 * <p><b>Capacity and eviction.</b> The capacity is fixed at construction (the table has at least twice as many slots);
 * a full TLB evicts one entry per insert by second-chance FIFO (a hit marks an entry referenced; it is skipped once),
 * never by flushing everything.
 *
 * <p><b>Concurrency.</b> A {@link StampedLock}: lookups run as optimistic reads (no lock write, no allocation) and
 * retry under the read lock if a writer intervened; inserts and invalidations take the write lock. An optimistic
 * probe is bounded by the table size and reads only fixed arrays, so a torn view can neither loop nor fail; the
 * stamp's validation discards it. Every invalidation advances a generation; an insert whose walk started before the
 * latest invalidation is dropped, so a walk racing with a TLBI cannot resurrect what the TLBI removed.
 */
public final class Tlb {
    /** Default capacity in entries. */
    public static final int DEFAULT_CAPACITY = 4096;

    static final int KIND_ASID = 0;
    static final int KIND_GLOBAL = 1;
    static final int KIND_IPA = 2;
    private static final int NONE = -1;

    // Tag word: key (regime, kind, VMID, ASID) in bits [35:0], the block size shift in [41:36], the flavor above.
    // The size shift is at least 12, so a used slot's tag is never 0 (the empty marker).
    private static final int SHIFT_POS = 36;
    private static final int FLAVOR_POS = 42;
    private static final long HOME_TAG_MASK = (1L << FLAVOR_POS) - 1;
    private static final int GROUP_BITS = 4;
    // Up to this many emptied (regime, VMID) nodes are kept: a VMID emptied by a TLBI and refilled by the next walk
    // keeps its node instead of rebuilding it; beyond it, empty nodes are swept to bound memory.
    private static final int KEPT_NODES = 64;

    private final int capacity;
    // Four longs per slot, so that a hit reads one half cache line: [4i] tag word (0 = empty), [4i + 1] block number
    // (input address >>> size shift), [4i + 2] the hit word (output base | stage-1 permissions | stage-2 permissions
    // << 6), [4i + 3] the home slot (high half; so that a removal's backward shift does not rehash) and entry number.
    private final long[] slots;
    private final Translation[] values;
    private final boolean[] referenced;
    private final int slotMask;
    private final int runShift; // 64 - log2(number of runs of 16 slots)
    private final StampedLock lock = new StampedLock();
    /** Lookup outcomes for statistics: striped counters, so concurrent DMA does not contend on one word. */
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final int[] sizeCount = new int[64];
    private volatile long presentSizes;
    // Splintered combined entries (stage-1 span larger than the entry) per stage-1 span size: a VA invalidation
    // widens its probe to the largest such span, so that it finds every splinter of a stage-1 block it touches.
    private final int[] splinterCount = new int[64];
    private long splinterSpans;
    private volatile long generation;
    private int size;

    // Entries, by entry number (grown on demand up to the capacity), ENTRY_INTS ints each so that one entry's
    // bookkeeping shares a cache line: slot, scope list, list links (LIST_NEXT also chains free entries), age links.
    private static final int ENTRY_SHIFT = 3;
    private static final int SLOT = 0;
    private static final int LIST = 1;
    private static final int LIST_PREV = 2;
    private static final int LIST_NEXT = 3;
    private static final int AGE_PREV = 4;
    private static final int AGE_NEXT = 5;
    private int[] entries = new int[0];
    private int entriesHandedOut;
    private int freeEntries = NONE; // head of the chain of free entry numbers
    private int ageHead = NONE; // oldest; the age ring is circular through agePrev/ageNext

    // Scope lists, by list number: head entry, size, key, owning node, ASID (-1 for a node's global and IPA lists)
    // and the links of the owning node's chain of ASID lists (also the free-list chain).
    private int[] listHead = new int[0];
    private int[] listSize = new int[0];
    private long[] listKey = new long[0];
    private int[] listAsid = new int[0];
    private int[] chainPrev = new int[0];
    private int[] chainNext = new int[0];
    private VmidNode[] listOwner = new VmidNode[0];
    private int listsHandedOut;
    private int freeLists = NONE; // head of the chain of free list numbers
    private final LongIntMap asidLists = new LongIntMap(); // ASID-list key -> list number

    // (regime, VMID) nodes, dense in an array; emptied ones are swept lazily (see sweepEmptyNodes).
    private VmidNode[] nodes = new VmidNode[8];
    private int nodeCount;
    private int emptyNodes;
    // Emptied ASID lists are kept (up to KEPT_ASID_LISTS) for the refill that usually follows a TLBI, and the list
    // found last is remembered: a walk's insert then needs no map lookup.
    private static final int KEPT_ASID_LISTS = 256;
    private int emptyAsidLists;
    private long lastAsidKey = -1;
    private int lastAsidList = NONE;
    private final LongIntMap nodeIndex = new LongIntMap(); // node key -> index in nodes
    private VmidNode lastNode; // the node found last (only touched under the write lock); never a swept one

    /** Creates a TLB holding at most {@code capacity} entries (1 to 2^28). */
    public Tlb(int capacity) {
        if (capacity < 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("TLB capacity must be 1..2^28 entries, was " + capacity);
        }
        this.capacity = capacity;
        int n = Integer.highestOneBit(Math.max(32, capacity) * 2 - 1) << 1; // load factor at most one half
        this.slots = new long[4 * n];
        this.values = new Translation[n];
        this.referenced = new boolean[n];
        this.slotMask = n - 1;
        this.runShift = 64 - (Integer.numberOfTrailingZeros(n) - GROUP_BITS);
    }

    /** Creates a TLB with {@link #DEFAULT_CAPACITY} entries. */
    public Tlb() {
        this(DEFAULT_CAPACITY);
    }

    /** The maximum number of entries. */
    public int capacity() {
        return capacity;
    }

    /** The number of entries currently held. */
    public int size() {
        long stamp = lock.readLock();
        try {
            return size;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** A counter advanced by every invalidation; pass the value read before a walk to the insert methods. */
    public long generation() {
        return generation;
    }

    // ---------------------------------------------------------------------------------------------------- lookup

    /**
     * Looks up a stage-1 (or combined nested) entry for {@code va}.
     *
     * @param vmid the VMID tag (ignored in EL2 regimes)
     * @param s2 the stage-2 granule of a nested stream, or null for stage 1 only
     * @return the cached translation, or null on a miss
     */
    public Translation lookupStage1(Stage1Context s1, int vmid, Granule s2, long va) {
        StreamWorld world = s1.world();
        Granule g1 = (va & (1L << 55)) != 0 ? s1.ttb1().granule() : s1.ttb0().granule();
        int flavor = flavor(s1.aset(), g1, s2);
        int tagVmid = world.hasVmid() ? vmid : 0;
        long globalKey = key(world, KIND_GLOBAL, tagVmid, 0);
        long asidKey = world.hasAsids() ? key(world, KIND_ASID, tagVmid, s1.asid()) : globalKey;
        long sizes = sizesOf(g1) | (s2 == null ? 0 : sizesOf(s2));
        return lookup(asidKey, globalKey, flavor, sizes, Bits.signExtend(va, 56));
    }

    /**
     * The tags {@link #lookupStage1(Stage1Context, int, Granule, long)} derives from a stream's contexts, computed once
     * (the configuration cache keeps them with the stream) so that a hit only hashes the address.
     */
    static final class Stage1Tags {
        final int vmid;
        final Granule s2;
        final long asidKey;
        final long globalKey;
        final int flavor0;
        final int flavor1;
        final long sizes0;
        final long sizes1;
        final boolean tbi0;
        final boolean tbi1;
        // Per access (accessIndex): bit p set when stage-1 permissions p / stage-2 permissions p (S2R|S2W|S2X|S2UX)
        // allow it, precomputed from Permissions with this context's PAN, WXN and regime: a hit is checked with two
        // shifts.
        final long[] allowedS1 = new long[8];
        final int[] allowedS2 = new int[8];

        /** The tags of stage-1 context {@code s1} with {@code vmid}, nested over a stage-2 granule {@code s2} or null. */
        Stage1Tags(Stage1Context s1, int vmid, Granule s2) {
            this(s1, vmid, s2, null);
        }

        /**
         * The tags of a stream whose STE {@code ste} (or null) may override the attributes of incoming accesses: the
         * permission bitmaps are indexed by the incoming access and hold the answer for the effective one, so that
         * PRIVCFG / INSTCFG cost nothing on a hit.
         */
        Stage1Tags(Stage1Context s1, int vmid, Granule s2, Ste ste) {
            StreamWorld world = s1.world();
            int tagVmid = world.hasVmid() ? vmid : 0;
            this.vmid = vmid;
            this.s2 = s2;
            this.globalKey = key(world, KIND_GLOBAL, tagVmid, 0);
            this.asidKey = world.hasAsids() ? key(world, KIND_ASID, tagVmid, s1.asid()) : globalKey;
            long s2Sizes = s2 == null ? 0 : sizesOf(s2);
            this.flavor0 = flavor(s1.aset(), s1.ttb0().granule(), s2);
            this.flavor1 = flavor(s1.aset(), s1.ttb1().granule(), s2);
            this.sizes0 = sizesOf(s1.ttb0().granule()) | s2Sizes;
            this.sizes1 = sizesOf(s1.ttb1().granule()) | s2Sizes;
            this.tbi0 = s1.ttb0().tbi();
            this.tbi1 = s1.ttb1().tbi();
            for (int a = 0; a < 8; a++) {
                Access incoming = new Access((a & 1) != 0, (a & 2) != 0, (a & 4) != 0);
                Access access = ste == null ? incoming : ste.effectiveAccess(incoming);
                for (int p = 0; p < 64; p++) {
                    if (Permissions.checkStage1(p, s1, access)) {
                        allowedS1[a] |= 1L << p;
                    }
                }
                for (int p = 0; p < 16; p++) {
                    if (s2 == null || Permissions.checkStage2(p, access)) {
                        allowedS2[a] |= 1 << p;
                    }
                }
            }
        }

        /** The accesses (bit {@code accessIndex}) that translation {@code t} permits in this stream. */
        int accesses(Translation t) {
            int s1 = t.s1Perms() & 63;
            int s2 = t.s2Perms() & 15;
            int mask = 0;
            for (int a = 0; a < 8; a++) {
                if ((allowedS1[a] >>> s1 & 1) != 0 && (allowedS2[a] >>> s2 & 1) != 0) {
                    mask |= 1 << a;
                }
            }
            return mask;
        }

        static int accessIndex(Access access) {
            return (access.write() ? 1 : 0) | (access.instruction() ? 2 : 0) | (access.privileged() ? 4 : 0);
        }
    }

    private static final long OUTPUT_BASE = ~0xFFFL;

    /**
     * The cached stage-1 (or nested) translation of {@code va} if it permits {@code access} in the stream of {@code t};
     * null on a miss, a denied access, a top byte the stream does not ignore, or a concurrent change (the caller's full
     * path then walks, faults or retries). Allocates nothing.
     */
    Translation permittedStage1(Stage1Tags t, long va, Access access) {
        long stamp = lock.tryOptimisticRead();
        int slot = permittedSlot(t, va, Stage1Tags.accessIndex(access));
        Translation hit = slot < 0 ? null : values[slot];
        if (hit == null || !lock.validate(stamp)) {
            return null;
        }
        markReferenced(slot);
        return hit;
    }

    /** The slot of a permitted hit, or -1; read under an optimistic stamp the caller validates. */
    private int permittedSlot(Stage1Tags t, long va, int accessIndex) {
        boolean upper = (va & (1L << 55)) != 0;
        long extended = Bits.signExtend(va, 56);
        if (extended != va && !(upper ? t.tbi1 : t.tbi0)) {
            return -1; // without TBI the top byte must extend bit 55: the walker reports the fault
        }
        int slot = probeBoth(t.asidKey, t.globalKey, upper ? t.flavor1 : t.flavor0, upper ? t.sizes1 : t.sizes0,
            extended);
        if (slot >= 0) {
            long word = slots[4 * slot + 2];
            boolean s1Allows = (t.allowedS1[accessIndex] >>> (word & 63) & 1) != 0;
            boolean s2Allows = (t.allowedS2[accessIndex] >>> (word >>> 6 & 15) & 1) != 0;
            if (!(s1Allows && s2Allows)) {
                return -1;
            }
        }
        return slot;
    }

    private void markReferenced(int slot) {
        if (!referenced[slot]) {
            referenced[slot] = true; // a benign race: only an eviction hint
        }
    }

    /** The hit word of {@code t}: its output base with the stage-1 permissions in bits [5:0], stage 2's in [9:6]. */
    private static long hitWord(Translation t) {
        if ((t.outputBase() & ~OUTPUT_BASE) != 0 || t.outputBase() >>> 52 != 0) {
            throw new IllegalArgumentException(String.format("output base 0x%x is not a page-aligned 52-bit address",
                t.outputBase()));
        }
        return t.outputBase() | (t.s1Perms() & 63) | (long) (t.s2Perms() & 15) << 6;
    }

    /** {@link #lookupStage1(Stage1Context, int, Granule, long)} with the stream's precomputed tags. */
    Translation lookupStage1(Stage1Tags tags, long va) {
        boolean upper = (va & (1L << 55)) != 0;
        return lookup(tags.asidKey, tags.globalKey, upper ? tags.flavor1 : tags.flavor0,
            upper ? tags.sizes1 : tags.sizes0, Bits.signExtend(va, 56));
    }

    /** Looks up an IPA (stage-2) entry of {@code vmid} for {@code ipa} in the {@code s2} granule; null on a miss. */
    public Translation lookupIpa(int vmid, Granule s2, long ipa) {
        long key = key(StreamWorld.NS_EL1, KIND_IPA, vmid, 0);
        return lookup(key, key, flavor(false, null, s2), sizesOf(s2), ipa);
    }

    /** The lookup both public forms share: the {@code asidKey} tag, then (when different) the {@code globalKey} tag. */
    private Translation lookup(long asidKey, long globalKey, int flavor, long sizes, long address) {
        long stamp = lock.tryOptimisticRead();
        int slot = probeBoth(asidKey, globalKey, flavor, sizes, address);
        Translation t = slot < 0 ? null : values[slot];
        if (!lock.validate(stamp)) {
            t = lookupLocked(asidKey, globalKey, flavor, sizes, address);
        } else if (t != null) {
            markReferenced(slot);
        }
        (t == null ? misses : hits).increment();
        return t;
    }

    /** How many lookups found an entry since the TLB was made. */
    public long hits() {
        return hits.sum();
    }

    /** How many lookups found no entry since the TLB was made. */
    public long misses() {
        return misses.sum();
    }

    /** The lookup under the read lock, after a writer invalidated the optimistic one (kept out of the hit path). */
    private Translation lookupLocked(long asidKey, long globalKey, int flavor, long sizes, long address) {
        long stamp = lock.readLock();
        try {
            int slot = probeBoth(asidKey, globalKey, flavor, sizes, address);
            if (slot < 0) {
                return null;
            }
            referenced[slot] = true;
            return values[slot];
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private int probeBoth(long asidKey, long globalKey, int flavor, long sizes, long address) {
        int slot = probe(asidKey, flavor, sizes, address);
        if (slot < 0 && asidKey != globalKey) {
            slot = probe(globalKey, flavor, sizes, address);
        }
        return slot;
    }

    private int probe(long key, int flavor, long sizes, long address) {
        long candidates = sizes & presentSizes;
        while (candidates != 0) {
            int shift = Long.numberOfTrailingZeros(candidates);
            candidates &= candidates - 1;
            int slot = find(tag(key, shift, flavor), address >>> shift);
            if (slot >= 0) {
                return slot;
            }
        }
        return -1;
    }

    /** The slot holding exactly ({@code tag}, {@code page}), or -1. Bounded, so a torn optimistic view cannot loop. */
    private int find(long tag, long page) {
        long[] t = slots;
        int mask = slotMask;
        int i = home(tag, page);
        for (int steps = 0; steps <= mask; steps++) {
            long k = t[4 * i];
            if (k == tag && t[4 * i + 1] == page) {
                return i;
            }
            if (k == 0) {
                return -1;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------------------------- insert

    /**
     * Caches a stage-1 or combined nested translation, tagged like {@link #lookupStage1}.
     *
     * @param generation the value of {@link #generation()} read before the walk that produced {@code t}
     * @return whether it was inserted (false when an invalidation happened since {@code generation})
     */
    public boolean insertStage1(Stage1Context s1, int vmid, Granule s2, Translation t, long generation) {
        return insert(stage1Key(s1, vmid, t), stage1Flavor(s1, s2, t), t, generation);
    }

    private static long stage1Key(Stage1Context s1, int vmid, Translation t) {
        StreamWorld world = s1.world();
        int tagVmid = world.hasVmid() ? vmid : 0;
        boolean global = t.global() || !world.hasAsids();
        return global ? key(world, KIND_GLOBAL, tagVmid, 0) : key(world, KIND_ASID, tagVmid, s1.asid());
    }

    private static int stage1Flavor(Stage1Context s1, Granule s2, Translation t) {
        Granule g1 = (t.inputBase() & (1L << 55)) != 0 ? s1.ttb1().granule() : s1.ttb0().granule();
        return flavor(s1.aset(), g1, s2);
    }

    /** Caches a stage-2 translation as an IPA entry of {@code vmid}; see {@link #insertStage1} for the result. */
    public boolean insertIpa(int vmid, Granule s2, Translation t, long generation) {
        return insert(key(StreamWorld.NS_EL1, KIND_IPA, vmid, 0), flavor(false, null, s2), t, generation);
    }

    private boolean insert(long key, int flavor, Translation t, long expectedGeneration) {
        long word = hitWord(t); // before the lock: a bad translation changes nothing
        long stamp = lock.writeLock();
        try {
            if (generation != expectedGeneration) {
                return false;
            }
            insertLocked(key, flavor, t, word);
            sweepEmptyNodes();
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void insertLocked(long key, int flavor, Translation t, long word) {
        int shift = t.sizeShift();
        long page = t.inputBase() >>> shift;
        long tag = tag(key, shift, flavor);
        // One pass from the home slot finds both an existing entry of this tag and block, and the first free slot.
        int h = home(tag, page);
        int i = h;
        for (long k; (k = slots[4 * i]) != 0; i = (i + 1) & slotMask) {
            if (k == tag && slots[4 * i + 1] == page) {
                remove(i); // replaced: the removal's backward shift moves the run, so look for room again
                i = freeSlotFrom(h);
                break;
            }
        }
        if (size == capacity) {
            evictOne(); // may shift this run back: look again
            i = freeSlotFrom(h);
        }
        int e = newEntry();
        entries[(e << ENTRY_SHIFT) + SLOT] = i;
        slots[4 * i + 3] = (long) h << 32 | e;
        slots[4 * i + 2] = word;
        values[i] = t;
        referenced[i] = false;
        slots[4 * i + 1] = page;
        slots[4 * i] = tag;
        addToList(e, listFor(key));
        if (sizeCount[shift]++ == 0) {
            presentSizes |= 1L << shift;
        }
        int span = t.s1SizeShift();
        if (span != shift && splinterCount[span]++ == 0) {
            splinterSpans |= 1L << span;
        }
        if (ageHead == NONE) {
            entries[(e << ENTRY_SHIFT) + AGE_PREV] = e;
            entries[(e << ENTRY_SHIFT) + AGE_NEXT] = e;
            ageHead = e;
        } else {
            // Before the oldest = the young end of the ring.
            int tail = entries[(ageHead << ENTRY_SHIFT) + AGE_PREV];
            entries[(e << ENTRY_SHIFT) + AGE_NEXT] = ageHead;
            entries[(e << ENTRY_SHIFT) + AGE_PREV] = tail;
            entries[(tail << ENTRY_SHIFT) + AGE_NEXT] = e;
            entries[(ageHead << ENTRY_SHIFT) + AGE_PREV] = e;
        }
        size++;
    }

    private int freeSlotFrom(int h) {
        int i = h;
        while (slots[4 * i] != 0) {
            i = (i + 1) & slotMask;
        }
        return i;
    }

    private void evictOne() {
        // Second chance: a referenced entry moves to the young end once; at most size + 1 steps.
        while (true) {
            int victim = ageHead;
            int slot = entries[(victim << ENTRY_SHIFT) + SLOT];
            if (referenced[slot]) {
                referenced[slot] = false;
                ageHead = entries[(victim << ENTRY_SHIFT) + AGE_NEXT];
            } else {
                remove(slot);
                return;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- invalidate

    /** Applies one TLB maintenance operation (a TLBI command or a broadcast TLBI) to the cached entries. */
    public void invalidate(TlbInvalidation op) {
        long stamp = lock.writeLock();
        try {
            generation++;
            apply(op);
            sweepEmptyNodes();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void apply(TlbInvalidation op) {
        if (op instanceof TlbInvalidation.NsnhAll) {
            for (int i = 0; i < nodeCount; i++) {
                VmidNode n = nodes[i];
                if (n.world == StreamWorld.NS_EL1.ordinal()) {
                    clearStage1(n, false);
                    removeAll(n.ipa, false);
                }
            }
        } else if (op instanceof TlbInvalidation.NhAll) {
            VmidNode n = node(StreamWorld.NS_EL1, ((TlbInvalidation.NhAll) op).vmid());
            if (n != null) {
                clearStage1(n, false);
            }
        } else if (op instanceof TlbInvalidation.NhAsid) {
            TlbInvalidation.NhAsid o = (TlbInvalidation.NhAsid) op;
            removeAll(asidList(StreamWorld.NS_EL1, o.vmid(), o.asid()), o.broadcast());
        } else if (op instanceof TlbInvalidation.NhVa) {
            TlbInvalidation.NhVa o = (TlbInvalidation.NhVa) op;
            VmidNode n = node(StreamWorld.NS_EL1, o.vmid());
            if (n != null) {
                long start = spanStart(Bits.signExtend(o.address(), 56), o.range());
                long last = spanLast(start, o.range());
                removeRange(asidList(StreamWorld.NS_EL1, o.vmid(), o.asid()), start, last, o.broadcast());
                removeRange(n.global, start, last, o.broadcast());
            }
        } else if (op instanceof TlbInvalidation.NhVaa) {
            TlbInvalidation.NhVaa o = (TlbInvalidation.NhVaa) op;
            VmidNode n = node(StreamWorld.NS_EL1, o.vmid());
            if (n != null) {
                removeStage1Range(n, spanStart(Bits.signExtend(o.address(), 56), o.range()), o.range());
            }
        } else if (op instanceof TlbInvalidation.S2Ipa) {
            TlbInvalidation.S2Ipa o = (TlbInvalidation.S2Ipa) op;
            VmidNode n = node(StreamWorld.NS_EL1, o.vmid());
            if (n != null) {
                long start = spanStart(o.ipa(), o.range());
                removeRange(n.ipa, start, spanLast(start, o.range()), false);
            }
        } else if (op instanceof TlbInvalidation.S12Vmall) {
            VmidNode n = node(StreamWorld.NS_EL1, ((TlbInvalidation.S12Vmall) op).vmid());
            if (n != null) {
                clearStage1(n, false);
                removeAll(n.ipa, false);
            }
        } else if (op instanceof TlbInvalidation.El2All) {
            for (StreamWorld w : EL2_WORLDS) {
                VmidNode n = node(w, 0);
                if (n != null) {
                    clearStage1(n, false);
                }
            }
        } else if (op instanceof TlbInvalidation.El2Asid) {
            removeAll(asidList(StreamWorld.NS_EL2_E2H, 0, ((TlbInvalidation.El2Asid) op).asid()), false);
        } else if (op instanceof TlbInvalidation.El2Va) {
            TlbInvalidation.El2Va o = (TlbInvalidation.El2Va) op;
            long start = spanStart(Bits.signExtend(o.address(), 56), o.range());
            long last = spanLast(start, o.range());
            VmidNode e2h = node(StreamWorld.NS_EL2_E2H, 0);
            if (e2h != null) {
                removeRange(asidList(StreamWorld.NS_EL2_E2H, 0, o.asid()), start, last, false);
                removeRange(e2h.global, start, last, false);
            }
            VmidNode el2 = node(StreamWorld.NS_EL2, 0);
            if (el2 != null) {
                removeRange(el2.global, start, last, false);
            }
        } else if (op instanceof TlbInvalidation.El2Vaa) {
            TlbInvalidation.El2Vaa o = (TlbInvalidation.El2Vaa) op;
            long start = spanStart(Bits.signExtend(o.address(), 56), o.range());
            for (StreamWorld w : EL2_WORLDS) {
                VmidNode n = node(w, 0);
                if (n != null) {
                    removeStage1Range(n, start, o.range());
                }
            }
        } else {
            throw new IllegalArgumentException("unknown TLB invalidation " + op);
        }
    }

    private static final StreamWorld[] EL2_WORLDS = {StreamWorld.NS_EL2, StreamWorld.NS_EL2_E2H};

    /** First byte of the span: the granule-aligned base for a range, else the (4K-granular) address itself. */
    private static long spanStart(long address, TlbInvalidation.Range range) {
        return range.isRange() ? address & ~Bits.mask(range.tgShift()) : address;
    }

    /** Last byte of the span, saturating at the top of the address space. */
    private static long spanLast(long start, TlbInvalidation.Range range) {
        long last = start + range.bytes() - 1;
        return Long.compareUnsigned(last, start) < 0 ? -1L : last;
    }

    /** Removes every stage-1 entry of node {@code n}: its global list and every ASID list. */
    private void clearStage1(VmidNode n, boolean skipAset) {
        removeAll(n.global, skipAset);
        // Emptied lists stay in the chain until a sweep between operations, so the links hold while this runs.
        for (int l = n.asidChain; l != NONE; ) {
            int next = chainNext[l];
            removeAll(l, skipAset);
            l = next;
        }
    }

    private void removeStage1Range(VmidNode n, long start, TlbInvalidation.Range range) {
        long last = spanLast(start, range);
        for (int l = n.asidChain; l != NONE; ) {
            int next = chainNext[l];
            removeRange(l, start, last, false);
            l = next;
        }
        removeRange(n.global, start, last, false);
    }

    private void removeAll(int list, boolean skipAset) {
        if (list == NONE) {
            return;
        }
        for (int e = listHead[list]; e != NONE; ) {
            int next = entries[(e << ENTRY_SHIFT) + LIST_NEXT];
            int slot = entries[(e << ENTRY_SHIFT) + SLOT];
            if (!(skipAset && aset(slots[4 * slot]))) {
                remove(slot);
            }
            e = next;
        }
    }

    /**
     * Removes the entries of {@code list} whose stage-1 span overlaps [{@code start}, {@code last}]: for a splintered
     * combined entry that is the whole stage-1 block it came from (Arm ARM D8.17), not only the part it maps; for
     * every other entry its own block. IPA entries are never splintered, so the same rule serves TLBI_S2_IPA.
     */
    private void removeRange(int list, long start, long last, boolean skipAset) {
        if (list == NONE || listSize[list] == 0) {
            return;
        }
        // Splinters of a stage-1 block that overlaps the span lie within the span widened to that block's alignment.
        long wideStart = start;
        long wideLast = last;
        if (splinterSpans != 0) {
            long spanMask = Bits.mask(63 - Long.numberOfLeadingZeros(splinterSpans));
            wideStart = start & ~spanMask;
            wideLast = last | spanMask;
        }
        int listed = listSize[list];
        // Probe page by page when that costs fewer steps than scanning the list.
        long probes = 0;
        long sizes = presentSizes;
        for (long s = sizes; s != 0 && probes <= listed; s &= s - 1) {
            int shift = Long.numberOfTrailingZeros(s);
            probes += (wideLast >>> shift) - (wideStart >>> shift) + 1;
            if (probes < 0) {
                probes = Long.MAX_VALUE;
            }
        }
        if (probes <= listed) {
            long key = listKey[list]; // the list may be dropped on the way; its key is all the probes need
            for (long s = sizes; s != 0; s &= s - 1) {
                int shift = Long.numberOfTrailingZeros(s);
                long lastPage = wideLast >>> shift;
                for (long page = wideStart >>> shift; ; page++) {
                    removeBlock(tag(key, shift, 0), page, skipAset, start, last);
                    if (page == lastPage) {
                        break;
                    }
                }
            }
        } else {
            for (int e = listHead[list]; e != NONE; ) {
                int next = entries[(e << ENTRY_SHIFT) + LIST_NEXT];
                int slot = entries[(e << ENTRY_SHIFT) + SLOT];
                if (spanOverlaps(slot, start, last) && !(skipAset && aset(slots[4 * slot]))) {
                    remove(slot);
                }
                e = next;
            }
        }
    }

    /**
     * Removes every flavor of block {@code page} with the home tag of {@code homeTag} whose stage-1 span overlaps
     * [{@code start}, {@code last}]: all flavors lie in one probe run.
     */
    private void removeBlock(long homeTag, long page, boolean skipAset, long start, long last) {
        int i = home(homeTag, page);
        while (true) {
            long k = slots[4 * i];
            if (k == 0) {
                return;
            }
            if ((k & HOME_TAG_MASK) == homeTag && slots[4 * i + 1] == page && !(skipAset && aset(k))
                && spanOverlaps(i, start, last)) {
                remove(i); // the run shifts back into slot i: look at it again
            } else {
                i = (i + 1) & slotMask;
            }
        }
    }

    /** Whether the stage-1 span of the entry in {@code slot} overlaps [{@code start}, {@code last}] (unsigned). */
    private boolean spanOverlaps(int slot, long start, long last) {
        Translation t = values[slot];
        long base = t.s1SpanBase();
        long end = base | Bits.mask(t.s1SizeShift());
        return Long.compareUnsigned(base, last) <= 0 && Long.compareUnsigned(start, end) <= 0;
    }

    private static boolean aset(long tag) {
        return (tag >>> FLAVOR_POS & 1) != 0;
    }

    /** Removes the entry in {@code slot} from the table, its scope list and the age ring. */
    private void remove(int slot) {
        int e = (int) slots[4 * slot + 3];
        removeFromList(e);
        int shift = (int) (slots[4 * slot] >>> SHIFT_POS) & 63;
        if (--sizeCount[shift] == 0) {
            presentSizes &= ~(1L << shift);
        }
        int span = values[slot].s1SizeShift();
        if (span != shift && --splinterCount[span] == 0) {
            splinterSpans &= ~(1L << span);
        }
        int older = entries[(e << ENTRY_SHIFT) + AGE_PREV];
        int younger = entries[(e << ENTRY_SHIFT) + AGE_NEXT];
        if (younger == e) {
            ageHead = NONE;
        } else {
            if (ageHead == e) {
                ageHead = younger;
            }
            entries[(older << ENTRY_SHIFT) + AGE_NEXT] = younger;
            entries[(younger << ENTRY_SHIFT) + AGE_PREV] = older;
        }
        freeEntry(e);
        size--;
        // Backward-shift deletion: pull later members of the run into the hole unless that would put them before
        // their home slot, so that every entry stays reachable from its home without tombstones.
        int hole = slot;
        int j = slot;
        while (true) {
            j = (j + 1) & slotMask;
            long k = slots[4 * j];
            if (k == 0) {
                break;
            }
            long meta = slots[4 * j + 3];
            int h = (int) (meta >>> 32);
            if (((j - h) & slotMask) >= ((j - hole) & slotMask)) {
                slots[4 * hole + 3] = meta;
                slots[4 * hole + 2] = slots[4 * j + 2];
                slots[4 * hole + 1] = slots[4 * j + 1];
                slots[4 * hole] = k;
                values[hole] = values[j];
                referenced[hole] = referenced[j];
                int moved = (int) meta;
                entries[(moved << ENTRY_SHIFT) + SLOT] = hole;
                hole = j;
            }
        }
        slots[4 * hole] = 0;
        slots[4 * hole + 1] = 0;
        slots[4 * hole + 2] = 0;
        slots[4 * hole + 3] = 0;
        values[hole] = null;
        referenced[hole] = false;
    }

    // ---------------------------------------------------------------------------------------------------- entries

    private int newEntry() {
        if (freeEntries != NONE) {
            int e = freeEntries;
            freeEntries = entries[(e << ENTRY_SHIFT) + LIST_NEXT];
            return e;
        }
        if (entriesHandedOut << ENTRY_SHIFT == entries.length) {
            long grown = Math.min(capacity, Math.max(16L, 2L * (entries.length >> ENTRY_SHIFT)));
            entries = Arrays.copyOf(entries, (int) (grown << ENTRY_SHIFT));
        }
        return entriesHandedOut++;
    }

    private void freeEntry(int e) {
        entries[(e << ENTRY_SHIFT) + LIST_NEXT] = freeEntries;
        freeEntries = e;
    }

    // ---------------------------------------------------------------------------------------------------- lists

    private void addToList(int e, int list) {
        int head = listHead[list];
        entries[(e << ENTRY_SHIFT) + LIST] = list;
        entries[(e << ENTRY_SHIFT) + LIST_PREV] = NONE;
        entries[(e << ENTRY_SHIFT) + LIST_NEXT] = head;
        if (head != NONE) {
            entries[(head << ENTRY_SHIFT) + LIST_PREV] = e;
        }
        listHead[list] = e;
        if (listSize[list]++ == 0 && listAsid[list] >= 0) {
            emptyAsidLists--;
        }
        if (listOwner[list].entries++ == 0) {
            emptyNodes--;
        }
    }

    private void removeFromList(int e) {
        int list = entries[(e << ENTRY_SHIFT) + LIST];
        int prev = entries[(e << ENTRY_SHIFT) + LIST_PREV];
        int next = entries[(e << ENTRY_SHIFT) + LIST_NEXT];
        if (prev == NONE) {
            listHead[list] = next;
        } else {
            entries[(prev << ENTRY_SHIFT) + LIST_NEXT] = next;
        }
        if (next != NONE) {
            entries[(next << ENTRY_SHIFT) + LIST_PREV] = prev;
        }
        VmidNode owner = listOwner[list];
        if (--owner.entries == 0) {
            emptyNodes++;
        }
        if (--listSize[list] == 0 && listAsid[list] >= 0) {
            emptyAsidLists++; // kept for a refill; sweepEmptyAsidLists bounds how many
        }
    }

    /** The list of {@code key}'s entries, created (with its node) when missing. */
    private int listFor(long key) {
        int kind = (int) (key >>> 32) & 3;
        VmidNode n = nodeFor((int) (key >>> 34) & 3, (int) (key >>> 16) & 0xFFFF);
        if (kind == KIND_GLOBAL) {
            return n.global;
        }
        if (kind == KIND_IPA) {
            return n.ipa;
        }
        if (key == lastAsidKey) {
            return lastAsidList;
        }
        int list = asidLists.get(key);
        if (list == NONE) {
            list = newList(key, n, (int) key & 0xFFFF);
            emptyAsidLists++;
            asidLists.put(key, list);
            chainPrev[list] = NONE;
            chainNext[list] = n.asidChain;
            if (n.asidChain != NONE) {
                chainPrev[n.asidChain] = list;
            }
            n.asidChain = list;
        }
        lastAsidKey = key;
        lastAsidList = list;
        return list;
    }

    /** The ASID list of (world, VMID, ASID), or {@link #NONE}. */
    private int asidList(StreamWorld world, int vmid, int asid) {
        return asidLists.get(key(world, KIND_ASID, vmid, asid));
    }

    private int newList(long key, VmidNode owner, int asid) {
        int list;
        if (freeLists != NONE) {
            list = freeLists;
            freeLists = chainNext[list];
        } else {
            if (listsHandedOut == listHead.length) {
                int grown = Math.max(16, 2 * listHead.length);
                listHead = Arrays.copyOf(listHead, grown);
                listSize = Arrays.copyOf(listSize, grown);
                listKey = Arrays.copyOf(listKey, grown);
                listAsid = Arrays.copyOf(listAsid, grown);
                chainPrev = Arrays.copyOf(chainPrev, grown);
                chainNext = Arrays.copyOf(chainNext, grown);
                listOwner = Arrays.copyOf(listOwner, grown);
            }
            list = listsHandedOut++;
        }
        listHead[list] = NONE;
        listSize[list] = 0;
        listKey[list] = key;
        listAsid[list] = asid;
        listOwner[list] = owner;
        chainPrev[list] = NONE;
        chainNext[list] = NONE;
        return list;
    }

    /** Unlinks an emptied ASID list from its node's chain and the map, and frees its number. */
    private void dropAsidList(int list) {
        if (list == lastAsidList) {
            lastAsidList = NONE;
            lastAsidKey = -1;
        }
        emptyAsidLists--;
        asidLists.remove(listKey[list]);
        int prev = chainPrev[list];
        int next = chainNext[list];
        if (prev == NONE) {
            listOwner[list].asidChain = next;
        } else {
            chainNext[prev] = next;
        }
        if (next != NONE) {
            chainPrev[next] = prev;
        }
        freeList(list);
    }

    private void freeList(int list) {
        listHead[list] = NONE;
        listSize[list] = 0;
        listOwner[list] = null;
        chainNext[list] = freeLists;
        freeLists = list;
    }

    // ---------------------------------------------------------------------------------------------------- nodes

    private VmidNode node(StreamWorld world, int vmid) {
        int nodeKey = world.ordinal() << 16 | vmid;
        VmidNode last = lastNode;
        if (last != null && last.nodeKey == nodeKey) {
            return last;
        }
        int i = nodeIndex.get(nodeKey);
        return i == NONE ? null : (lastNode = nodes[i]);
    }

    private VmidNode nodeFor(int world, int vmid) {
        int nodeKey = world << 16 | vmid;
        VmidNode last = lastNode;
        if (last != null && last.nodeKey == nodeKey) {
            return last; // walks and invalidations come in runs for one VMID: skip the map
        }
        int i = nodeIndex.get(nodeKey);
        if (i != NONE) {
            return lastNode = nodes[i];
        }
        VmidNode n = new VmidNode(nodeKey, world);
        StreamWorld w = StreamWorld.values()[world];
        n.global = newList(key(w, KIND_GLOBAL, vmid, 0), n, -1);
        n.ipa = newList(key(w, KIND_IPA, vmid, 0), n, -1);
        if (nodeCount == nodes.length) {
            nodes = Arrays.copyOf(nodes, 2 * nodes.length);
        }
        n.index = nodeCount;
        nodes[nodeCount++] = n;
        nodeIndex.put(nodeKey, n.index);
        emptyNodes++;
        return n;
    }

    /** Drops every emptied ASID list once more than {@link #KEPT_ASID_LISTS} are kept; amortized O(1) per list. */
    private void sweepEmptyAsidLists() {
        if (emptyAsidLists <= KEPT_ASID_LISTS) {
            return;
        }
        for (int i = 0; i < nodeCount; i++) {
            for (int l = nodes[i].asidChain; l != NONE; ) {
                int next = chainNext[l];
                if (listSize[l] == 0) {
                    dropAsidList(l);
                }
                l = next;
            }
        }
    }

    /**
     * Drops every node without entries once more than {@link #KEPT_NODES} are empty: a VMID emptied by a TLBI and
     * refilled by the next walk usually keeps its node, while the memory of emptied nodes stays bounded. Called only
     * between operations, never while an invalidation walks the nodes.
     */
    private void sweepEmptyNodes() {
        sweepEmptyAsidLists();
        if (emptyNodes <= KEPT_NODES) {
            return;
        }
        for (int i = nodeCount - 1; i >= 0; i--) {
            VmidNode n = nodes[i];
            if (n.entries == 0) {
                if (n == lastNode) {
                    lastNode = null;
                }
                for (int l = n.asidChain; l != NONE; ) {
                    int next = chainNext[l];
                    dropAsidList(l); // empty, as the node holds no entries
                    l = next;
                }
                freeList(n.global);
                freeList(n.ipa);
                nodeIndex.remove(n.nodeKey);
                VmidNode last = nodes[--nodeCount];
                nodes[nodeCount] = null;
                if (last != n) {
                    nodes[i] = last;
                    last.index = i;
                    nodeIndex.put(last.nodeKey, i);
                }
            }
        }
        emptyNodes = 0;
    }

    // ---------------------------------------------------------------------------------------------------- tags

    static long key(StreamWorld world, int kind, int vmid, int asid) {
        return (long) world.ordinal() << 34 | (long) kind << 32 | (long) vmid << 16 | asid;
    }

    private static int flavor(boolean aset, Granule s1, Granule s2) {
        return (aset ? 1 : 0) | (s1 == null ? 0 : s1.code() << 1) | (s2 == null ? 0 : s2.code() << 3);
    }

    private static final long[] SIZES = new long[Granule.values().length];

    static {
        for (Granule g : Granule.values()) {
            for (int level = 1; level <= 3; level++) {
                SIZES[g.ordinal()] |= 1L << g.levelShift(level);
            }
        }
    }

    private static long sizesOf(Granule g) {
        return SIZES[g.ordinal()];
    }

    private static long tag(long key, int shift, int flavor) {
        return key | (long) shift << SHIFT_POS | (long) flavor << FLAVOR_POS;
    }

    /**
     * The home slot of block {@code page} under a tag (its flavor bits are ignored): the high bits of a multiplicative
     * hash of (tag, page / 16) select a run of 16 slots, the low 4 bits of the page the slot in it.
     */
    private int home(long tag, long page) {
        long h = ((tag & HOME_TAG_MASK) * 0x9E3779B97F4A7C15L ^ page >>> GROUP_BITS) * 0xBF58476D1CE4E5B9L;
        return (int) (h >>> runShift) << GROUP_BITS | (int) page & ((1 << GROUP_BITS) - 1);
    }

    /** One (regime, VMID): its global and IPA lists, the chain of its ASID lists, and how many entries it holds. */
    private static final class VmidNode {
        final int nodeKey;
        final int world;
        int global;
        int ipa;
        int asidChain = NONE;
        int entries;
        int index;

        VmidNode(int nodeKey, int world) {
            this.nodeKey = nodeKey;
            this.world = world;
        }
    }

    /**
     * An open-addressing map from non-negative {@code long} keys to {@code int} values ({@link #NONE} when absent)
     * with linear probing and backward-shift removal: lookups, puts and removals allocate nothing (a put may grow it).
     */
    static final class LongIntMap {
        private static final long EMPTY = -1L;
        private long[] keys = filled(16);
        private int[] values = new int[16];
        private int size;

        private static long[] filled(int n) {
            long[] k = new long[n];
            Arrays.fill(k, EMPTY);
            return k;
        }

        private static int slot(long key, int mask) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ h >>> 32) & mask;
        }

        int size() {
            return size;
        }

        int get(long key) {
            int mask = keys.length - 1;
            for (int i = slot(key, mask); ; i = (i + 1) & mask) {
                long k = keys[i];
                if (k == key) {
                    return values[i];
                }
                if (k == EMPTY) {
                    return NONE;
                }
            }
        }

        void put(long key, int value) {
            if (key < 0) {
                throw new IllegalArgumentException("negative key " + key);
            }
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = slot(key, mask);
            while (keys[i] != EMPTY && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (keys[i] == EMPTY) {
                size++;
            }
            keys[i] = key;
            values[i] = value;
        }

        void remove(long key) {
            int mask = keys.length - 1;
            int i = slot(key, mask);
            while (keys[i] != key) {
                if (keys[i] == EMPTY) {
                    return;
                }
                i = (i + 1) & mask;
            }
            size--;
            int hole = i;
            for (int j = (i + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
                int h = slot(keys[j], mask);
                if (((j - h) & mask) >= ((j - hole) & mask)) {
                    keys[hole] = keys[j];
                    values[hole] = values[j];
                    hole = j;
                }
            }
            keys[hole] = EMPTY;
        }

        private void grow() {
            long[] oldKeys = keys;
            int[] oldValues = values;
            keys = filled(2 * oldKeys.length);
            values = new int[2 * oldKeys.length];
            size = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != EMPTY) {
                    put(oldKeys[i], oldValues[i]);
                }
            }
        }
    }
}
