package org.smmuref.smmu.hw;

/**
 * Translates transaction addresses through the {@link Tlb} and, on a miss, the {@link Walker}: stage 1 only, stage 2
 * only, or nested. Successful walks are cached; a hit re-checks the access (read / write / execute / privileged)
 * against the cached stage-1 and stage-2 permissions, so a permission fault on a hit names the right stage.
 *
 * <p>Nested walks keep the stage-2 translations of the stage-1 table addresses, and of the stage-1 output, in a small
 * stage-2 walk cache (per VMID, stage-2 granule and 4K IPA page, consulted before the TLB's IPA entries); it is empty
 * again after any TLB invalidation, which the architecture allows. The combined result is cached in the TLB as a VA
 * entry with both stages' permissions. Stage-2-only streams and CD fetches through stage 2 use TLB IPA entries.
 *
 * <p>The hit path allocates nothing: it returns the cached {@link Translation}, to which the caller applies
 * {@link Translation#outputAddress(long)}. Safe for concurrent use; completion of invalidations with respect to
 * transactions already holding a translation (CMD_SYNC) is the caller's business.
 */
public final class TranslationEngine {
    private final Walker walker;
    private final Tlb tlb;
    private final int ias;
    // Sized for the table pages of a few concurrent walks; a conflict only costs a stage-2 walk.
    private static final int WALK_CACHE_PAGES = 256;
    private static final int ANY_ACCESS = 0xFF;
    private final MicroTlb walkCache = new MicroTlb(WALK_CACHE_PAGES);
    private final Walker.Stage2Translator nestedStage2 = this::nestedStage2;

    /**
     * Creates an engine.
     *
     * @param iasBits the SMMU's IAS: a stage-2-only stream's input above it takes a stage-1 address-size fault
     */
    public TranslationEngine(PhysicalMemory memory, Tlb tlb, int iasBits) {
        this(memory, tlb, iasBits, Walker.Implementation.DEFAULT);
    }

    /**
     * Creates an engine whose walker follows {@code impl} (the SMMU's IDRs).
     *
     * @param iasBits the SMMU's IAS: a stage-2-only stream's input above it takes a stage-1 address-size fault
     */
    public TranslationEngine(PhysicalMemory memory, Tlb tlb, int iasBits, Walker.Implementation impl) {
        if (iasBits < 32 || iasBits > 52) {
            throw new IllegalArgumentException("IAS must be 32..52 bits, was " + iasBits);
        }
        this.walker = new Walker(memory, impl);
        this.tlb = tlb;
        this.ias = iasBits;
    }

    /** The TLB this engine fills. */
    public Tlb tlb() {
        return tlb;
    }

    /** The walker this engine uses on a miss. */
    public Walker walker() {
        return walker;
    }

    /**
     * Translates {@code address} for {@code access}.
     *
     * @param s1 the stage-1 context, or null when stage 1 is bypassed
     * @param s2 the stage-2 context, or null when stage 2 is bypassed
     * @return the translation (apply {@link Translation#outputAddress(long)}), or the fault
     * @throws IllegalArgumentException when both stages are null, or stage 2 is combined with an EL2 regime
     */
    public TranslationResult translate(Stage1Context s1, Stage2Context s2, long address, Access access) {
        if (s1 == null) {
            if (s2 == null) {
                throw new IllegalArgumentException("bypass of both stages is not a translation");
            }
            if (address >>> ias != 0) {
                return new TranslationFault(FaultType.F_ADDR_SIZE, false, FaultClass.IN, address, 0, 0, false, -1);
            }
            return stage2(s2, address, access, FaultClass.IN, address);
        }
        Granule s2Granule = null;
        int vmid = s1.vmid();
        if (s2 != null) {
            if (s1.world() != StreamWorld.NS_EL1) {
                throw new IllegalArgumentException("a stream with stage 2 is in the NS-EL1 regime, not " + s1.world());
            }
            s2Granule = s2.granule();
            vmid = s2.vmid();
        }
        return translate(s1, s2, vmid, s2Granule, tlb.lookupStage1(s1, vmid, s2Granule, address), address, access);
    }

    /**
     * {@link #translate(Stage1Context, Stage2Context, long, Access)} of a stage-1 or nested stream whose TLB tags were
     * computed once with its configuration ({@code tags} of {@code s1} over {@code s2}).
     */
    TranslationResult translate(Stage1Context s1, Stage2Context s2, Tlb.Stage1Tags tags, long address,
                                Access access) {
        return translate(s1, s2, tags.vmid, tags.s2, tlb.lookupStage1(tags, address), address, access);
    }

    /** Uses the TLB's answer {@code hit} (null on a miss) for {@code address}, or walks and caches. */
    private TranslationResult translate(Stage1Context s1, Stage2Context s2, int vmid, Granule s2Granule,
                                        Translation hit, long address, Access access) {
        if (hit != null && topByteAccepted(s1, address)) {
            TranslationFault f = checkHit(s1, s2, hit, address, access);
            if (f == null) {
                return hit;
            }
            if (!dirtyWalk(hit.s1Perms() | hit.s2Perms(), access)) {
                return f;
            }
            // A write to a writable-clean entry: only a walk may mark the descriptor dirty (HTTU, SMMU 3.13).
        }
        return walkAndCache(s1, s2, vmid, s2Granule, address, access);
    }

    /** The permission fault of using cached {@code hit} for {@code access}, stage 1 first; null when allowed. */
    private static TranslationFault checkHit(Stage1Context s1, Stage2Context s2, Translation hit, long address,
                                             Access access) {
        TranslationFault f = Walker.checkStage1(s1, hit, address, access);
        if (f == null && s2 != null) {
            f = Walker.checkStage2(s2, hit, hit.ipa(address), access, FaultClass.IN, address);
        }
        return f;
    }

    /** Whether a refused {@code access} through an entry with permissions {@code perms} must walk to set dirty state. */
    private static boolean dirtyWalk(int perms, Access access) {
        return access.write() && (perms & Permissions.DIRTYABLE) != 0;
    }

    /** The miss path, kept apart so that the hit path stays small enough to inline into the DMA port. */
    private TranslationResult walkAndCache(Stage1Context s1, Stage2Context s2, int vmid, Granule s2Granule,
                                           long address, Access access) {
        long generation = tlb.generation();
        if (s2 == null) {
            TranslationResult r = walker.walkStage1(s1, null, address, null, access);
            if (!(r instanceof Translation)) {
                return r;
            }
            Translation t = (Translation) r;
            tlb.insertStage1(s1, vmid, null, t, generation);
            TranslationFault f = Walker.checkStage1(s1, t, address, access);
            return f == null ? t : f;
        }
        TranslationResult r = walker.nested(s1, s2, address, access, nestedStage2);
        if (r instanceof Translation) {
            tlb.insertStage1(s1, vmid, s2Granule, (Translation) r, generation);
        }
        return r;
    }

    /**
     * Translates the IPA of a table or CD fetch at stage 2 through the TLB: a read with S2PTW semantics whose faults
     * carry {@code cls} (CD for S1ContextPtr / L1CD fetches, TT for stage-1 table addresses).
     *
     * @param inputAddress the transaction's input address, for the fault record
     */
    public TranslationResult translateTableIpa(Stage2Context s2, long ipa, FaultClass cls, long inputAddress) {
        return translateTableIpa(s2, ipa, Access.READ, cls, inputAddress);
    }

    /**
     * {@link #translateTableIpa(Stage2Context, long, FaultClass, long)} for a table read or, with a write
     * {@code access} and CLASS=TT, the stage-2 write of a hardware AF / dirty update to a stage-1 descriptor.
     */
    public TranslationResult translateTableIpa(Stage2Context s2, long ipa, Access access, FaultClass cls,
                                               long inputAddress) {
        if (cls == FaultClass.IN) {
            throw new IllegalArgumentException("CLASS=IN is a transaction translation: use translate(null, s2, ...)");
        }
        return stage2(s2, ipa, access.write() ? Access.WRITE : Access.READ, cls, inputAddress);
    }

    /** Stage 2 of {@code ipa} through the TLB's IPA entries; a walked translation is cached there. */
    private TranslationResult stage2(Stage2Context s2, long ipa, Access access, FaultClass cls, long inputAddress) {
        Translation t = tlb.lookupIpa(s2.vmid(), s2.granule(), ipa);
        if (t != null && ipa >>> s2.inputBits() == 0) {
            TranslationFault f = Walker.checkStage2(s2, t, ipa, access, cls, inputAddress);
            if (f == null || !dirtyWalk(t.s2Perms(), access)) {
                return f == null ? t : f;
            }
        }
        long generation = tlb.generation();
        TranslationResult r = walker.walkStage2(s2, ipa, access, cls, inputAddress);
        if (!(r instanceof Translation)) {
            return r;
        }
        t = (Translation) r;
        tlb.insertIpa(s2.vmid(), s2.granule(), t, generation);
        TranslationFault f = Walker.checkStage2(s2, t, ipa, access, cls, inputAddress);
        return f == null ? t : f;
    }

    /**
     * Stage 2 of an IPA a nested walk reads (a stage-1 table, or the stage-1 output): the walk cache, then the TLB's
     * IPA entries, then a stage-2 walk, whose result goes to the walk cache (stamped with the TLB generation read
     * before it, so an invalidation during the walk leaves a dead entry).
     */
    private TranslationResult nestedStage2(Stage2Context s2, long ipa, Access access, FaultClass cls,
                                           long inputAddress) {
        long generation = tlb.generation();
        long key = walkCacheKey(s2.vmid(), s2.granule());
        Translation t = null;
        if (ipa >>> s2.inputBits() == 0) {
            MicroTlb.Entry e = walkCache.lookup(key, ipa, ANY_ACCESS, generation, 0);
            t = e != null ? e.translation() : tlb.lookupIpa(s2.vmid(), s2.granule(), ipa);
            if (t != null && dirtyWalk(t.s2Perms(), access)
                && Walker.checkStage2(s2, t, ipa, access, cls, inputAddress) != null) {
                t = null; // a write to a writable-clean stage-2 page: the walk marks it dirty
            }
        }
        if (t == null) {
            TranslationResult r = walker.walkStage2(s2, ipa, access, cls, inputAddress);
            if (!(r instanceof Translation)) {
                return r;
            }
            t = (Translation) r;
            walkCache.fill(key, ipa, generation, 0, ANY_ACCESS, t);
        }
        TranslationFault f = Walker.checkStage2(s2, t, ipa, access, cls, inputAddress);
        return f == null ? t : f;
    }

    private static long walkCacheKey(int vmid, Granule s2) {
        return (long) vmid << 8 | s2.code();
    }

    /** The walk cache's live stage-2 translation of {@code ipa} for (VMID, granule), or null; for tests. */
    Translation walkCached(int vmid, Granule s2, long ipa) {
        MicroTlb.Entry e = walkCache.lookup(walkCacheKey(vmid, s2), ipa, ANY_ACCESS, tlb.generation(), 0);
        return e == null ? null : e.translation();
    }

    /** Whether a TLB hit may be used for {@code va}: without TBI, the top byte must be the sign extension of bit 55. */
    private static boolean topByteAccepted(Stage1Context s1, long va) {
        boolean upper = (va & (1L << 55)) != 0;
        TtbHalf half = upper ? s1.ttb1() : s1.ttb0();
        return half.tbi() || Bits.signExtend(va, 56) == va;
    }
}
