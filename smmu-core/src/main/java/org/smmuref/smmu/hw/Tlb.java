package org.smmuref.smmu.hw;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.StampedLock;

/**
 * The SMMU's translation lookaside buffer: cached {@link Translation}s, separate from any configuration cache.
 *
 * <p><b>Tags.</b> An entry is tagged by regime, VMID, kind (ASID-tagged stage-1 entry, global stage-1 entry, or IPA
 * entry without ASID), ASID, ASET, the stage-1 and stage-2 granules, and its naturally aligned input block (address
 * and size). Combined nested entries are stage-1 (VA) entries: TLBI_S2_IPA does not look at them, the VA-scoped and
 * VMID-wide commands do. Stage-2 translations (stage-2-only streams, and the stage-1 table addresses of nested walks)
 * are IPA entries.
 *
 * <p><b>Lookup</b> hashes (regime, kind, VMID, ASID, size, address &gt;&gt; size) into a chained table and probes each
 * block size the context's granules can produce that is currently present in the TLB, for the ASID and then the
 * global tag; ASET and granules are compared on the entry.
 *
 * <p><b>Invalidation</b> follows the scopes of spec section 7.2 / 7.3 exactly (ASID-scoped broadcasts skip ASET=1
 * entries); TTL and Leaf hints are ignored, i.e. every overlapping entry is removed, which over-invalidation allows.
 * Entries are also linked into per-(regime, VMID) lists (global, IPA) and per-(regime, VMID, ASID) lists, so that a
 * command touches only the entries of its scope; a by-address command probes the hash table page by page when that is
 * cheaper than scanning its list.
 *
 * <p><b>Capacity and eviction.</b> The capacity is fixed at construction; a full TLB evicts one entry per insert by
 * second-chance FIFO (a hit marks an entry referenced; it is skipped once), never by flushing everything.
 *
 * <p><b>Concurrency.</b> A {@link StampedLock}: lookups run as optimistic reads (no lock write, no allocation) and
 * retry under the read lock if a writer intervened; inserts and invalidations take the write lock. Chains only ever
 * point from newer to older entries and removed entries are never reused, so an optimistic reader cannot loop. Every
 * invalidation advances a generation; an insert whose walk started before the latest invalidation is dropped, so a
 * walk racing with a TLBI cannot resurrect what the TLBI removed.
 */
public final class Tlb {
    /** Default capacity in entries. */
    public static final int DEFAULT_CAPACITY = 4096;

    static final int KIND_ASID = 0;
    static final int KIND_GLOBAL = 1;
    static final int KIND_IPA = 2;

    private final int capacity;
    private final Entry[] buckets;
    private final int bucketMask;
    private final StampedLock lock = new StampedLock();
    private final Map<Integer, VmidNode> nodes = new HashMap<>();
    private final int[] sizeCount = new int[64];
    private volatile long presentSizes;
    private volatile long generation;
    private int size;
    private Entry ageHead; // oldest; the age list is circular through agePrev/ageNext

    /** Creates a TLB holding at most {@code capacity} entries (1 to 2^28). */
    public Tlb(int capacity) {
        if (capacity < 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("TLB capacity must be 1..2^28 entries, was " + capacity);
        }
        this.capacity = capacity;
        int n = Integer.highestOneBit(Math.max(16, capacity) * 2 - 1);
        this.buckets = new Entry[n];
        this.bucketMask = n - 1;
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
        long canonical = Bits.signExtend(va, 56);
        long stamp = lock.tryOptimisticRead();
        Entry e = probeBoth(asidKey, globalKey, flavor, sizes, canonical);
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                e = probeBoth(asidKey, globalKey, flavor, sizes, canonical);
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return hit(e);
    }

    /** Looks up an IPA (stage-2) entry of {@code vmid} for {@code ipa} in the {@code s2} granule; null on a miss. */
    public Translation lookupIpa(int vmid, Granule s2, long ipa) {
        long key = key(StreamWorld.NS_EL1, KIND_IPA, vmid, 0);
        int flavor = flavor(false, null, s2);
        long sizes = sizesOf(s2);
        long stamp = lock.tryOptimisticRead();
        Entry e = probe(key, flavor, sizes, ipa);
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                e = probe(key, flavor, sizes, ipa);
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return hit(e);
    }

    private static Translation hit(Entry e) {
        if (e == null) {
            return null;
        }
        if (!e.referenced) {
            e.referenced = true; // a benign race: only an eviction hint
        }
        return e.translation;
    }

    private Entry probeBoth(long asidKey, long globalKey, int flavor, long sizes, long address) {
        Entry e = probe(asidKey, flavor, sizes, address);
        if (e == null && asidKey != globalKey) {
            e = probe(globalKey, flavor, sizes, address);
        }
        return e;
    }

    private Entry probe(long key, int flavor, long sizes, long address) {
        long candidates = sizes & presentSizes;
        while (candidates != 0) {
            int shift = Long.numberOfTrailingZeros(candidates);
            candidates &= candidates - 1;
            long page = address >>> shift;
            for (Entry e = buckets[index(key, shift, page)]; e != null; e = e.hashNext) {
                if (e.key == key && e.page == page && e.sizeShift == shift && e.flavor == flavor) {
                    return e;
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------------- insert

    /**
     * Caches a stage-1 or combined nested translation, tagged like {@link #lookupStage1}.
     *
     * @param generation the value of {@link #generation()} read before the walk that produced {@code t}
     * @return whether it was inserted (false when an invalidation happened since {@code generation})
     */
    public boolean insertStage1(Stage1Context s1, int vmid, Granule s2, Translation t, long generation) {
        StreamWorld world = s1.world();
        Granule g1 = (t.inputBase() & (1L << 55)) != 0 ? s1.ttb1().granule() : s1.ttb0().granule();
        int tagVmid = world.hasVmid() ? vmid : 0;
        boolean global = t.global() || !world.hasAsids();
        long key = global ? key(world, KIND_GLOBAL, tagVmid, 0) : key(world, KIND_ASID, tagVmid, s1.asid());
        return insert(key, flavor(s1.aset(), g1, s2), t, generation);
    }

    /** Caches a stage-2 translation as an IPA entry of {@code vmid}; see {@link #insertStage1} for the result. */
    public boolean insertIpa(int vmid, Granule s2, Translation t, long generation) {
        return insert(key(StreamWorld.NS_EL1, KIND_IPA, vmid, 0), flavor(false, null, s2), t, generation);
    }

    private boolean insert(long key, int flavor, Translation t, long expectedGeneration) {
        long stamp = lock.writeLock();
        try {
            if (generation != expectedGeneration) {
                return false;
            }
            int shift = t.sizeShift();
            long page = t.inputBase() >>> shift;
            Entry old = probeExact(key, flavor, shift, page);
            if (old != null) {
                remove(old);
            } else if (size == capacity) {
                evictOne();
            }
            Entry e = new Entry(key, flavor, shift, page, t);
            int i = index(key, shift, page);
            e.hashNext = buckets[i];
            buckets[i] = e;
            listFor(key, true).add(e);
            if (sizeCount[shift]++ == 0) {
                presentSizes |= 1L << shift;
            }
            if (ageHead == null) {
                e.agePrev = e;
                e.ageNext = e;
                ageHead = e;
            } else {
                linkBefore(e, ageHead);
            }
            size++;
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private Entry probeExact(long key, int flavor, int shift, long page) {
        for (Entry e = buckets[index(key, shift, page)]; e != null; e = e.hashNext) {
            if (e.key == key && e.page == page && e.sizeShift == shift && e.flavor == flavor) {
                return e;
            }
        }
        return null;
    }

    private void evictOne() {
        // Second chance: a referenced entry moves to the young end once; at most size + 1 steps.
        while (true) {
            Entry victim = ageHead;
            if (victim.referenced) {
                victim.referenced = false;
                ageHead = victim.ageNext;
            } else {
                remove(victim);
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
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void apply(TlbInvalidation op) {
        if (op instanceof TlbInvalidation.NsnhAll) {
            for (VmidNode n : nodesOf(StreamWorld.NS_EL1)) {
                n.clearStage1(false);
                removeAll(n.ipa, false);
            }
        } else if (op instanceof TlbInvalidation.NhAll) {
            VmidNode n = node(StreamWorld.NS_EL1, ((TlbInvalidation.NhAll) op).vmid());
            if (n != null) {
                n.clearStage1(false);
            }
        } else if (op instanceof TlbInvalidation.NhAsid) {
            TlbInvalidation.NhAsid o = (TlbInvalidation.NhAsid) op;
            VmidNode n = node(StreamWorld.NS_EL1, o.vmid());
            if (n != null) {
                removeAll(n.asids.get(o.asid()), o.broadcast());
            }
        } else if (op instanceof TlbInvalidation.NhVa) {
            TlbInvalidation.NhVa o = (TlbInvalidation.NhVa) op;
            VmidNode n = node(StreamWorld.NS_EL1, o.vmid());
            if (n != null) {
                long start = spanStart(Bits.signExtend(o.address(), 56), o.range());
                long last = spanLast(start, o.range());
                removeRange(n.asids.get(o.asid()), start, last, o.broadcast());
                removeRange(n.global, start, last, o.broadcast());
            }
        } else if (op instanceof TlbInvalidation.NhVaa) {
            TlbInvalidation.NhVaa o = (TlbInvalidation.NhVaa) op;
            VmidNode n = node(StreamWorld.NS_EL1, o.vmid());
            if (n != null) {
                n.removeStage1Range(spanStart(Bits.signExtend(o.address(), 56), o.range()), o.range());
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
                n.clearStage1(false);
                removeAll(n.ipa, false);
            }
        } else if (op instanceof TlbInvalidation.El2All) {
            for (StreamWorld w : new StreamWorld[] {StreamWorld.NS_EL2, StreamWorld.NS_EL2_E2H}) {
                VmidNode n = node(w, 0);
                if (n != null) {
                    n.clearStage1(false);
                }
            }
        } else if (op instanceof TlbInvalidation.El2Asid) {
            VmidNode n = node(StreamWorld.NS_EL2_E2H, 0);
            if (n != null) {
                removeAll(n.asids.get(((TlbInvalidation.El2Asid) op).asid()), false);
            }
        } else if (op instanceof TlbInvalidation.El2Va) {
            TlbInvalidation.El2Va o = (TlbInvalidation.El2Va) op;
            long start = spanStart(Bits.signExtend(o.address(), 56), o.range());
            long last = spanLast(start, o.range());
            VmidNode e2h = node(StreamWorld.NS_EL2_E2H, 0);
            if (e2h != null) {
                removeRange(e2h.asids.get(o.asid()), start, last, false);
                removeRange(e2h.global, start, last, false);
            }
            VmidNode el2 = node(StreamWorld.NS_EL2, 0);
            if (el2 != null) {
                removeRange(el2.global, start, last, false);
            }
        } else if (op instanceof TlbInvalidation.El2Vaa) {
            TlbInvalidation.El2Vaa o = (TlbInvalidation.El2Vaa) op;
            long start = spanStart(Bits.signExtend(o.address(), 56), o.range());
            for (StreamWorld w : new StreamWorld[] {StreamWorld.NS_EL2, StreamWorld.NS_EL2_E2H}) {
                VmidNode n = node(w, 0);
                if (n != null) {
                    n.removeStage1Range(start, o.range());
                }
            }
        } else {
            throw new IllegalArgumentException("unknown TLB invalidation " + op);
        }
    }

    /** First byte of the span: the granule-aligned base for a range, else the (4K-granular) address itself. */
    private static long spanStart(long address, TlbInvalidation.Range range) {
        return range.isRange() ? address & ~Bits.mask(range.tgShift()) : address;
    }

    /** Last byte of the span, saturating at the top of the address space. */
    private static long spanLast(long start, TlbInvalidation.Range range) {
        long last = start + range.bytes() - 1;
        return Long.compareUnsigned(last, start) < 0 ? -1L : last;
    }

    private void removeAll(EntryList list, boolean skipAset) {
        if (list == null) {
            return;
        }
        for (Entry e = list.head; e != null; ) {
            Entry next = e.listNext;
            if (!(skipAset && e.aset())) {
                remove(e);
            }
            e = next;
        }
    }

    private void removeRange(EntryList list, long start, long last, boolean skipAset) {
        if (list == null || list.size == 0) {
            return;
        }
        // Probe page by page when that costs fewer steps than scanning the list.
        long probes = 0;
        long sizes = presentSizes;
        for (long s = sizes; s != 0 && probes <= list.size; s &= s - 1) {
            int shift = Long.numberOfTrailingZeros(s);
            probes += (last >>> shift) - (start >>> shift) + 1;
            if (probes < 0) {
                probes = Long.MAX_VALUE;
            }
        }
        if (probes <= list.size) {
            long key = list.key;
            for (long s = sizes; s != 0; s &= s - 1) {
                int shift = Long.numberOfTrailingZeros(s);
                long lastPage = last >>> shift;
                for (long page = start >>> shift; ; page++) {
                    Entry e = buckets[index(key, shift, page)];
                    while (e != null) {
                        Entry next = e.hashNext;
                        if (e.key == key && e.page == page && e.sizeShift == shift && !(skipAset && e.aset())) {
                            remove(e);
                        }
                        e = next;
                    }
                    if (page == lastPage) {
                        break;
                    }
                }
            }
        } else {
            for (Entry e = list.head; e != null; ) {
                Entry next = e.listNext;
                if (overlaps(e, start, last) && !(skipAset && e.aset())) {
                    remove(e);
                }
                e = next;
            }
        }
    }

    private static boolean overlaps(Entry e, long start, long last) {
        long base = e.page << e.sizeShift;
        long end = base | Bits.mask(e.sizeShift);
        return Long.compareUnsigned(base, last) <= 0 && Long.compareUnsigned(start, end) <= 0;
    }

    private void remove(Entry e) {
        int i = index(e.key, e.sizeShift, e.page);
        if (buckets[i] == e) {
            buckets[i] = e.hashNext;
        } else {
            Entry p = buckets[i];
            while (p.hashNext != e) {
                p = p.hashNext;
            }
            p.hashNext = e.hashNext; // e.hashNext is left intact for optimistic readers standing on e
        }
        e.list.unlink(e);
        if (--sizeCount[e.sizeShift] == 0) {
            presentSizes &= ~(1L << e.sizeShift);
        }
        if (e.ageNext == e) {
            ageHead = null;
        } else {
            if (ageHead == e) {
                ageHead = e.ageNext;
            }
            e.agePrev.ageNext = e.ageNext;
            e.ageNext.agePrev = e.agePrev;
        }
        size--;
    }

    private static void linkBefore(Entry e, Entry at) {
        e.ageNext = at;
        e.agePrev = at.agePrev;
        at.agePrev.ageNext = e;
        at.agePrev = e;
    }

    // ---------------------------------------------------------------------------------------------------- indexes

    private VmidNode node(StreamWorld world, int vmid) {
        return nodes.get(world.ordinal() << 16 | vmid);
    }

    private List<VmidNode> nodesOf(StreamWorld world) {
        List<VmidNode> out = new ArrayList<>();
        for (VmidNode n : nodes.values()) {
            if (n.world == world.ordinal()) {
                out.add(n);
            }
        }
        return out;
    }

    private EntryList listFor(long key, boolean create) {
        int world = (int) (key >>> 34) & 3;
        int kind = (int) (key >>> 32) & 3;
        int vmid = (int) (key >>> 16) & 0xFFFF;
        int asid = (int) key & 0xFFFF;
        int nodeKey = world << 16 | vmid;
        VmidNode n = nodes.get(nodeKey);
        if (n == null) {
            n = new VmidNode(nodeKey, world, vmid);
            nodes.put(nodeKey, n);
        }
        if (kind == KIND_GLOBAL) {
            return n.global;
        }
        if (kind == KIND_IPA) {
            return n.ipa;
        }
        EntryList l = n.asids.get(asid);
        if (l == null && create) {
            l = new EntryList(key, n, asid);
            n.asids.put(asid, l);
        }
        return l;
    }

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

    private int index(long key, int shift, long page) {
        long h = key * 0x9E3779B97F4A7C15L + page * 0xC2B2AE3D27D4EB4FL + shift;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return (int) h & bucketMask;
    }

    /** One cached translation with its tag and its links into the hash chain, its scope list and the age ring. */
    private static final class Entry {
        final long key;
        final int flavor;
        final int sizeShift;
        final long page;
        final Translation translation;
        Entry hashNext;
        Entry listPrev;
        Entry listNext;
        EntryList list;
        Entry agePrev;
        Entry ageNext;
        boolean referenced;

        Entry(long key, int flavor, int sizeShift, long page, Translation translation) {
            this.key = key;
            this.flavor = flavor;
            this.sizeShift = sizeShift;
            this.page = page;
            this.translation = translation;
        }

        boolean aset() {
            return (flavor & 1) != 0;
        }
    }

    /** The entries of one tag (regime, kind, VMID, ASID): a doubly linked list that unlinks in O(1). */
    private final class EntryList {
        final long key;
        final VmidNode owner;
        final int asid; // -1 for the node's global and IPA lists
        Entry head;
        int size;

        EntryList(long key, VmidNode owner, int asid) {
            this.key = key;
            this.owner = owner;
            this.asid = asid;
        }

        void add(Entry e) {
            e.list = this;
            e.listPrev = null;
            e.listNext = head;
            if (head != null) {
                head.listPrev = e;
            }
            head = e;
            size++;
            owner.entries++;
        }

        void unlink(Entry e) {
            if (e.listPrev == null) {
                head = e.listNext;
            } else {
                e.listPrev.listNext = e.listNext;
            }
            if (e.listNext != null) {
                e.listNext.listPrev = e.listPrev;
            }
            size--;
            if (size == 0 && asid >= 0) {
                owner.asids.remove(asid);
            }
            if (--owner.entries == 0) {
                nodes.remove(owner.nodeKey);
            }
        }
    }

    /** Every list of one (regime, VMID): its global and IPA entries and its ASIDs. */
    private final class VmidNode {
        final int nodeKey;
        final int world;
        final EntryList global;
        final EntryList ipa;
        final Map<Integer, EntryList> asids = new HashMap<>();
        int entries;

        VmidNode(int nodeKey, int world, int vmid) {
            this.nodeKey = nodeKey;
            this.world = world;
            StreamWorld w = StreamWorld.values()[world];
            this.global = new EntryList(key(w, KIND_GLOBAL, vmid, 0), this, -1);
            this.ipa = new EntryList(key(w, KIND_IPA, vmid, 0), this, -1);
        }

        void clearStage1(boolean skipAset) {
            removeAll(global, skipAset);
            for (Iterator<EntryList> it = new ArrayList<>(asids.values()).iterator(); it.hasNext(); ) {
                removeAll(it.next(), skipAset);
            }
        }

        void removeStage1Range(long start, TlbInvalidation.Range range) {
            long last = spanLast(start, range);
            for (EntryList l : new ArrayList<>(asids.values())) {
                removeRange(l, start, last, false);
            }
            removeRange(global, start, last, false);
        }
    }
}
