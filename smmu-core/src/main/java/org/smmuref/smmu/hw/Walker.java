package org.smmuref.smmu.hw;

/**
 * The VMSAv8-64 translation table walker (DS=0): stage 1, stage 2 and nested, for the 4K, 16K and 64K granules.
 *
 * <p>Faults are returned as {@link TranslationFault} values. Per stage and level the order is: external abort on the
 * descriptor fetch, then translation fault (invalid, reserved or illegally placed descriptor), then address-size
 * fault (table or leaf output beyond IPS / S2PS); on the final descriptor the access flag is checked before the
 * permissions. Hierarchical attributes (APTable, XNTable, PXNTable) are accumulated and applied to the leaf's
 * permissions, never checked on the way down.
 *
 * <p>In a nested walk every stage-1 descriptor address is an IPA, translated by a {@link Stage2Translator} before the
 * read (the {@link TranslationEngine} passes one that caches these as IPA entries in its TLB); a table address in the
 * stage-2 block of the previous level's table reuses that block's translation within the walk instead of asking again.
 * The walker itself keeps no state between walks and is safe for concurrent use.
 */
public final class Walker {

    /** Translates an IPA at stage 2 with a given CLASS, including the permission check; the walker's own or cached. */
    @FunctionalInterface
    public interface Stage2Translator {
        /**
         * Translates {@code ipa}.
         *
         * @param access the transaction's access, used when {@code cls} is {@link FaultClass#IN}; table and CD
         *     fetches ({@link FaultClass#TT}, {@link FaultClass#CD}) are reads with S2PTW semantics, except that a
         *     write with {@link FaultClass#TT} is the hardware AF / dirty update of a stage-1 descriptor
         * @param inputAddress the transaction's input address, for the fault record
         */
        TranslationResult translate(Stage2Context s2, long ipa, Access access, FaultClass cls, long inputAddress);
    }

    private static final long AF = 1L << 10;
    private static final long NG = 1L << 11;
    private static final long AP2 = 1L << 7;   // stage 1: read-only; stage 2: S2AP[1], write permitted
    private static final long DBM = 1L << 51;

    /**
     * The properties of the implementation that shape walks, as opposed to a stream's configuration.
     *
     * @param oasBits the SMMU's OAS (IDR5.OAS): with 52 (FEAT_LPA) a 64K-granule table or leaf descriptor carries
     *     OA[51:48] in bits [15:12] and 64K level-1 blocks are legal, whatever a stream's IPS / S2PS (Arm ARM D8.3);
     *     an output beyond the stream's effective IPS / S2PS is then an address-size fault. Below 52 those bits are
     *     RES0 and ignored.
     * @param xnx IDR3.XNX: stage-2 XN is the two-bit XN[1:0] of bits [54:53] (Arm ARM table D8-78), else bit 54 only
     */
    public record Implementation(int oasBits, boolean xnx) {
        /** A 52-bit OAS without XNX: the walker's behaviour when nothing else is said. */
        public static final Implementation DEFAULT = new Implementation(52, false);

        /** Validates the OAS. */
        public Implementation {
            Stage1Context.checkOutputSize("OAS", oasBits);
        }
    }

    private final PhysicalMemory memory;
    private final boolean lpa;
    private final boolean xnx;
    private final Stage2Translator uncachedStage2 = this::stage2;

    /** Creates a walker reading descriptors from {@code memory}, for {@link Implementation#DEFAULT}. */
    public Walker(PhysicalMemory memory) {
        this(memory, Implementation.DEFAULT);
    }

    /** Creates a walker reading descriptors from {@code memory} for an implementation with {@code impl}. */
    public Walker(PhysicalMemory memory, Implementation impl) {
        this.memory = memory;
        this.lpa = impl.oasBits() == 52;
        this.xnx = impl.xnx();
    }

    /** A stage-1-only translation of {@code va} (table addresses are PAs), with the permission check. */
    public TranslationResult stage1(Stage1Context s1, long va, Access access) {
        TranslationResult r = walkStage1(s1, null, va, null, access);
        if (r instanceof Translation) {
            TranslationFault f = checkStage1(s1, (Translation) r, va, access);
            return f == null ? r : f;
        }
        return r;
    }

    /**
     * A stage-2 translation of {@code ipa} with the permission check for {@code cls}: the access itself for
     * {@link FaultClass#IN}, a read with S2PTW semantics for table ({@link FaultClass#TT}) and CD fetches.
     */
    public TranslationResult stage2(Stage2Context s2, long ipa, Access access, FaultClass cls, long inputAddress) {
        TranslationResult r = walkStage2(s2, ipa, access, cls, inputAddress);
        if (r instanceof Translation) {
            TranslationFault f = checkStage2(s2, (Translation) r, ipa, access, cls, inputAddress);
            return f == null ? r : f;
        }
        return r;
    }

    /** A full nested translation of {@code va} without any caching. */
    public TranslationResult nested(Stage1Context s1, Stage2Context s2, long va, Access access) {
        return nested(s1, s2, va, access, uncachedStage2);
    }

    /**
     * A nested translation whose stage-2 lookups (every stage-1 table address, then the stage-1 output) go through
     * {@code s2t}. Stage-1 faults, including its permission check, come before the stage-2 translation of the output.
     * The result is the combined entry: the smaller of the two blocks, with both stages' permissions, remembering the
     * stage-1 block's size.
     */
    public TranslationResult nested(Stage1Context s1, Stage2Context s2, long va, Access access, Stage2Translator s2t) {
        TranslationResult r1 = walkStage1(s1, s2, va, s2t, access);
        if (!(r1 instanceof Translation)) {
            return r1;
        }
        Translation t1 = (Translation) r1;
        TranslationFault f = checkStage1(s1, t1, va, access);
        if (f != null) {
            return f;
        }
        long ipa = t1.outputAddress(va);
        TranslationResult r2 = s2t.translate(s2, ipa, access, FaultClass.IN, va);
        if (!(r2 instanceof Translation)) {
            return r2;
        }
        return combine(va, t1, (Translation) r2);
    }

    /** The combined nested entry for {@code va} from a stage-1 result and the stage-2 result of its output IPA. */
    public static Translation combine(long va, Translation t1, Translation t2) {
        boolean s1Smaller = t1.sizeShift() <= t2.sizeShift();
        int shift = s1Smaller ? t1.sizeShift() : t2.sizeShift();
        long low = Bits.mask(shift);
        long ipa = t1.outputAddress(va);
        // The stage-1 span stays with the entry: a stage-1 block splintered into stage-2 pages is invalidated as a
        // whole by a VA TLBI at any of its addresses (Arm ARM D8.17).
        return new Translation(Bits.signExtend(va, 56) & ~low, shift, t2.outputAddress(ipa) & ~low, ipa & ~low,
            t1.s1Perms(), t2.s2Perms(), t1.attributes().withStage2(t2.attributes()), t1.global(),
            s1Smaller ? t1.level() : t2.level(), s1Smaller ? t1.granule() : t2.granule(), t1.sizeShift());
    }

    /** The stage-1 permission fault for {@code access} through {@code t}, or null when it is allowed. */
    public static TranslationFault checkStage1(Stage1Context s1, Translation t, long va, Access access) {
        if (Permissions.checkStage1(t.s1Perms(), s1, access)) {
            return null;
        }
        return new TranslationFault(FaultType.F_PERMISSION, false, FaultClass.IN, va, 0, 0, false, t.level());
    }

    /**
     * The stage-2 permission fault for {@code access} through {@code t}, or null. CD fetches are reads with S2PTW
     * semantics whatever the access; so are TT fetches, except that a TT write is a hardware AF / dirty update of a
     * stage-1 descriptor, a write at stage 2 (SMMU 3.13); the fault's TTRnW says which.
     */
    public static TranslationFault checkStage2(Stage2Context s2, Translation t, long ipa, Access access, FaultClass cls,
                                               long inputAddress) {
        boolean ok;
        if (cls == FaultClass.IN) {
            ok = Permissions.checkStage2(t.s2Perms(), access);
        } else {
            int need = cls == FaultClass.TT && access.write() ? Permissions.S2W : Permissions.S2R;
            ok = (t.s2Perms() & need) != 0 && !(s2.ptw() && t.attributes().s2Device());
        }
        if (ok) {
            return null;
        }
        return new TranslationFault(FaultType.F_PERMISSION, true, cls, inputAddress, ipa, 0,
            cls == FaultClass.TT && !access.write(), t.level());
    }

    /**
     * Walks stage 1 for {@code va} without the final permission check. With {@code s2} non-null the walk is nested:
     * the TTB and every next-level table address are IPAs translated through {@code s2t} before each read.
     */
    public TranslationResult walkStage1(Stage1Context s1, Stage2Context s2, long va, Stage2Translator s2t) {
        return walkStage1(s1, s2, va, s2t, Access.READ);
    }

    /**
     * {@link #walkStage1(Stage1Context, Stage2Context, long, Stage2Translator)} for {@code access}, which decides the
     * hardware dirty-state update: with CD.HA an AF = 0 leaf gets AF set instead of an Access flag fault; with CD.HD a
     * write that only AP[2] of a DBM = 1 leaf refuses clears AP[2]. Both are one compare-and-swap on the descriptor,
     * retried from a fresh read of it when DMA or software changed it meanwhile (Arm ARM D8.4.3 / D8.4.4, SMMU 3.13).
     * A read of a writable-clean leaf returns it read-only with {@link Permissions#DIRTYABLE}. In a nested walk the
     * update is a write at stage 2 to the descriptor's IPA (CLASS=TT, TTRnW=0), which S2HD may mark dirty in turn.
     */
    public TranslationResult walkStage1(Stage1Context s1, Stage2Context s2, long va, Stage2Translator s2t,
                                        Access access) {
        boolean upper = (va & (1L << 55)) != 0;
        TtbHalf half = upper ? s1.ttb1() : s1.ttb0();
        if (half.epd()) {
            return stage1Fault(FaultType.F_TRANSLATION, va, -1);
        }
        int n = half.inputBits();
        int top = half.tbi() ? 56 : 64; // bits [top-1:n] must all equal VA[55]
        long above = Bits.extract(va, n, top - n);
        if (above != (upper ? Bits.mask(top - n) : 0)) {
            return stage1Fault(FaultType.F_TRANSLATION, va, -1);
        }
        Granule g = half.granule();
        int level = g.startLevel(n);
        int indexBits = n - g.levelShift(level);
        long table = half.ttb() & ~Bits.mask(indexBits + 3);
        int ips = s1.ips();
        boolean oa52 = lpa && g == Granule.G64K; // the implementation's OAS decides the format, IPS the fault
        boolean noWrite = false;
        boolean noUser = false;
        boolean pxnTable = false;
        boolean xnTable = false;
        Translation tableBlock = null; // the stage-2 block of the previous table: later tables often lie in it too
        while (true) {
            int shift = g.levelShift(level);
            long descAddress = table + (((va >>> shift) & Bits.mask(indexBits)) << 3);
            long descPa = descAddress;
            if (s2 != null) {
                if (tableBlock == null || (descAddress ^ tableBlock.inputBase()) >>> tableBlock.sizeShift() != 0) {
                    TranslationResult r = s2t.translate(s2, descAddress, Access.READ, FaultClass.TT, va);
                    if (!(r instanceof Translation)) {
                        return r;
                    }
                    tableBlock = (Translation) r;
                }
                descPa = tableBlock.outputAddress(descAddress);
            }
            long desc;
            try {
                desc = memory.readLong(descPa);
            } catch (ExternalAbortException e) {
                return new TranslationFault(FaultType.F_WALK_EABT, false, FaultClass.TT, va, 0, descPa, true, level);
            }
            if ((desc & 1) == 0) {
                return stage1Fault(FaultType.F_TRANSLATION, va, level);
            }
            boolean tableOrPage = (desc & 2) != 0;
            if (level < 3 && tableOrPage) {
                long next = outputAddress(desc, g.shift(), oa52);
                if (next >>> ips != 0) {
                    return stage1Fault(FaultType.F_ADDR_SIZE, va, level);
                }
                if (!half.had()) {
                    pxnTable |= (desc & (1L << 59)) != 0;
                    xnTable |= (desc & (1L << 60)) != 0;
                    noUser |= (desc & (1L << 61)) != 0;
                    noWrite |= (desc & (1L << 62)) != 0;
                }
                table = next;
                level++;
                indexBits = g.stride();
                continue;
            }
            if (level == 3 ? !tableOrPage : !g.blockAllowed(level, oa52)) {
                return stage1Fault(FaultType.F_TRANSLATION, va, level);
            }
            long oa = outputAddress(desc, shift, oa52);
            if (oa >>> ips != 0) {
                return stage1Fault(FaultType.F_ADDR_SIZE, va, level);
            }
            if ((desc & AF) == 0 && !s1.affd() && !s1.ha()) {
                return stage1Fault(FaultType.F_ACCESS, va, level);
            }
            int perms = stage1Perms(desc, s1.world(), noWrite, noUser, pxnTable, xnTable);
            long updated = s1.ha() ? desc | AF : desc;
            if (s1.hd() && (desc & (DBM | AP2)) == (DBM | AP2)) {
                int dirty = stage1Perms(desc & ~AP2, s1.world(), noWrite, noUser, pxnTable, xnTable);
                if (access.write() && Permissions.checkStage1(dirty, s1, access)) {
                    updated &= ~AP2;
                    perms = dirty;
                } else if ((dirty & (Permissions.PW | Permissions.UW)) != 0) {
                    perms |= Permissions.DIRTYABLE;
                }
            }
            if (updated != desc) {
                long updatePa = descPa;
                if (s2 != null) {
                    TranslationResult w = s2t.translate(s2, descAddress, Access.WRITE, FaultClass.TT, va);
                    if (!(w instanceof Translation)) {
                        return w;
                    }
                    updatePa = ((Translation) w).outputAddress(descAddress);
                }
                try {
                    if (!memory.compareAndSetLong(updatePa, desc, updated)) {
                        continue; // the descriptor changed since it was read: walk this level again from memory
                    }
                } catch (ExternalAbortException e) {
                    return new TranslationFault(FaultType.F_WALK_EABT, false, FaultClass.TT, va, 0, updatePa, false,
                        level);
                }
            }
            MemoryAttributes attrs = MemoryAttributes.of((int) Bits.extract(desc, 2, 3), (int) Bits.extract(desc, 8, 2),
                (desc & (1L << 5)) != 0, -1, -1);
            boolean global = (desc & NG) == 0 || !s1.world().hasAsids();
            return new Translation(Bits.signExtend(va, 56) & ~Bits.mask(shift), shift, oa, oa, perms, Permissions.ALL,
                attrs, global, level, g);
        }
    }

    /** Walks stage 2 for {@code ipa} without the final permission check; faults carry S2=1 and {@code cls}. */
    public TranslationResult walkStage2(Stage2Context s2, long ipa, FaultClass cls, long inputAddress) {
        return walkStage2(s2, ipa, Access.READ, cls, inputAddress);
    }

    /**
     * {@link #walkStage2(Stage2Context, long, FaultClass, long)} for {@code access}: with S2HA an AF = 0 leaf gets AF
     * set; with S2HD a data write (or, for CLASS=TT, a stage-1 descriptor update) to a DBM = 1 leaf with S2AP[1] = 0
     * sets S2AP[1], by compare-and-swap as at stage 1; another access returns such a leaf with
     * {@link Permissions#DIRTYABLE}.
     */
    public TranslationResult walkStage2(Stage2Context s2, long ipa, Access access, FaultClass cls,
                                        long inputAddress) {
        int n = s2.inputBits();
        Granule g = s2.granule();
        int level = s2.startLevel();
        if (ipa >>> n != 0) {
            return stage2Fault(FaultType.F_TRANSLATION, cls, inputAddress, ipa, level);
        }
        // The concatenated initial tables are contiguous, so one index over all of them selects table and entry.
        int indexBits = n - g.levelShift(level);
        long table = s2.s2ttb() & ~Bits.mask(indexBits + 3);
        int ps = s2.ps();
        boolean oa52 = lpa && g == Granule.G64K;
        while (true) {
            int shift = g.levelShift(level);
            long descPa = table + (((ipa >>> shift) & Bits.mask(indexBits)) << 3);
            long desc;
            try {
                desc = memory.readLong(descPa);
            } catch (ExternalAbortException e) {
                return new TranslationFault(FaultType.F_WALK_EABT, true, cls, inputAddress, ipa, descPa,
                    cls == FaultClass.TT, level);
            }
            if ((desc & 1) == 0) {
                return stage2Fault(FaultType.F_TRANSLATION, cls, inputAddress, ipa, level);
            }
            boolean tableOrPage = (desc & 2) != 0;
            if (level < 3 && tableOrPage) {
                long next = outputAddress(desc, g.shift(), oa52);
                if (next >>> ps != 0) {
                    return stage2Fault(FaultType.F_ADDR_SIZE, cls, inputAddress, ipa, level);
                }
                table = next;
                level++;
                indexBits = g.stride();
                continue;
            }
            if (level == 3 ? !tableOrPage : !g.blockAllowed(level, oa52)) {
                return stage2Fault(FaultType.F_TRANSLATION, cls, inputAddress, ipa, level);
            }
            long oa = outputAddress(desc, shift, oa52);
            if (oa >>> ps != 0) {
                return stage2Fault(FaultType.F_ADDR_SIZE, cls, inputAddress, ipa, level);
            }
            if ((desc & AF) == 0 && !s2.affd() && !s2.ha()) {
                return stage2Fault(FaultType.F_ACCESS, cls, inputAddress, ipa, level);
            }
            int perms = ((desc & (1L << 6)) != 0 ? Permissions.S2R : 0)
                | ((desc & AP2) != 0 ? Permissions.S2W : 0)
                | stage2Execute(desc);
            long updated = s2.ha() ? desc | AF : desc;
            if (s2.hd() && (desc & (DBM | AP2)) == DBM) {
                if (access.write() && !access.instruction()) {
                    updated |= AP2;
                    perms |= Permissions.S2W;
                } else {
                    perms |= Permissions.DIRTYABLE;
                }
            }
            if (updated != desc) {
                try {
                    if (!memory.compareAndSetLong(descPa, desc, updated)) {
                        continue; // changed since read: read this level's descriptor again
                    }
                } catch (ExternalAbortException e) {
                    return new TranslationFault(FaultType.F_WALK_EABT, true, cls, inputAddress, ipa, descPa, false,
                        level);
                }
            }
            MemoryAttributes attrs = MemoryAttributes.of(-1, -1, false, (int) Bits.extract(desc, 2, 4),
                (int) Bits.extract(desc, 8, 2));
            long base = ipa & ~Bits.mask(shift);
            return new Translation(base, shift, oa, base, Permissions.ALL, perms, attrs, false, level, g);
        }
    }

    /**
     * The execute permissions of a stage-2 leaf (Arm ARM table D8-78). With XNX, XN[1:0] = bits [54:53]: 00 both,
     * 01 (PXN) EL0 only, 10 (XN) neither, 11 (UXN) EL1 only. Without it, bit 53 is RES0 and bit 54 alone is XN.
     */
    private int stage2Execute(long desc) {
        int xn = (int) Bits.extract(desc, 53, 2);
        if (!xnx) {
            xn &= 2;
        }
        return switch (xn) {
            case 0 -> Permissions.S2X | Permissions.S2UX;
            case 1 -> Permissions.S2UX;
            case 3 -> Permissions.S2X;
            default -> 0;
        };
    }

    /** The output address of a table or leaf descriptor whose address bits start at {@code lsb}. */
    static long outputAddress(long desc, int lsb, boolean oa52) {
        long address = desc & Bits.range(47, lsb);
        if (oa52) {
            address |= Bits.extract(desc, 12, 4) << 48; // 64K granule with 52-bit OA: OA[51:48] in bits [15:12]
        }
        return address;
    }

    private static int stage1Perms(long desc, StreamWorld world, boolean noWrite, boolean noUser, boolean pxnTable,
                                   boolean xnTable) {
        boolean readOnly = (desc & (1L << 7)) != 0 || noWrite; // AP[2], APTable[1]
        boolean xn = (desc & (1L << 54)) != 0 || xnTable;      // UXN/XN, UXNTable/XNTable
        if (!world.hasUnprivileged()) {
            // Single privilege level: AP[1] and PXN are ignored; unprivileged accesses see the same permissions.
            int p = Permissions.PR | (readOnly ? 0 : Permissions.PW) | (xn ? 0 : Permissions.PX);
            return p | (p << 3);
        }
        boolean user = (desc & (1L << 6)) != 0 && !noUser;      // AP[1], APTable[0]
        boolean pxn = (desc & (1L << 53)) != 0 || pxnTable;
        int p = Permissions.PR;
        if (!readOnly) {
            p |= Permissions.PW;
        }
        if (user) {
            p |= Permissions.UR | (readOnly ? 0 : Permissions.UW);
        }
        // Memory writable at EL0 is never executable at EL1 in AArch64.
        if (!pxn && !(user && !readOnly)) {
            p |= Permissions.PX;
        }
        if (!xn) {
            p |= Permissions.UX;
        }
        return p;
    }

    private static TranslationFault stage1Fault(FaultType type, long va, int level) {
        return new TranslationFault(type, false, FaultClass.IN, va, 0, 0, false, level);
    }

    private static TranslationFault stage2Fault(FaultType type, FaultClass cls, long inputAddress, long ipa,
                                                int level) {
        return new TranslationFault(type, true, cls, inputAddress, ipa, 0, cls == FaultClass.TT, level);
    }
}
