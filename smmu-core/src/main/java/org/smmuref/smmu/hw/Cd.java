package org.smmuref.smmu.hw;

import static org.smmuref.smmu.hw.SmmuLayouts.CD;

/**
 * A decoded, legal Context Descriptor (stage-1 configuration of one substream).
 *
 * <p>{@link #decode} applies the legality rules of the SMMUv3 spec (section 5.4.2, "CdIllegal") for the features this
 * model has and returns effective values. Fields of a TTB half whose walks are disabled by EPDx are IGNORED and not
 * checked (SPEC 5.4.1.1).
 *
 * @param ttb0 the TTB0 half (lower VA range)
 * @param ttb1 the TTB1 half (upper VA range); always disabled in the NS-EL2 stream world, which has TTB0 only
 * @param ipsBits the effective IPS: min(IPS, OAS) in bits
 * @param affd AFFD
 * @param wxn WXN
 * @param uwxn UWXN
 * @param pan PAN
 * @param ha HA (hardware access-flag update)
 * @param hd HD (hardware dirty-state update)
 * @param stall S: stall on a translation-related fault
 * @param record R: record translation-related faults
 * @param abort A: abort (rather than RAZ/WI) terminated transactions
 * @param aset ASET: 1 = the ASID is not shared with PEs
 * @param asid ASID (at most 8 bits without IDR0.ASID16; meaningless in the NS-EL2 stream world)
 * @param mair MAIR1:MAIR0 as one 64-bit MAIR value
 * @param bigEndian ENDI
 * @param ttbIsIpa whether the TTBs (and every table address) are IPAs, i.e. the STE is nested
 */
public record Cd(TtbConfig ttb0, TtbConfig ttb1, int ipsBits, boolean affd, boolean wxn, boolean uwxn,
    boolean pan, boolean ha, boolean hd, boolean stall, boolean record, boolean abort, boolean aset, int asid,
    long mair, boolean bigEndian, boolean ttbIsIpa) {

    /**
     * The STE properties that CD legality depends on.
     *
     * @param nested whether stage 2 also translates (Config=0b111)
     * @param stallDisabled STE.S1STALLD
     * @param streamWorld the STE's StreamWorld
     */
    public record Context(boolean nested, boolean stallDisabled, Ste.StreamWorld streamWorld) {
        /** Stage 1 only, stalls allowed, NS-EL1. */
        public static final Context NS_EL1 = new Context(false, false, Ste.StreamWorld.NS_EL1);
    }

    /**
     * One half of the stage-1 configuration (TTB0 or TTB1).
     *
     * @param walksEnabled false when EPDx=1 (or the half does not exist): a TLB miss is a translation fault
     * @param ttb the table base as the walk uses it (bits [51:4], aligned down to the initial table size)
     * @param txsz TxSZ
     * @param inputBits 64 - TxSZ
     * @param granuleShift 12, 14 or 16
     * @param startLevel the walk's start level
     * @param tbi TBIx: top byte ignored
     * @param had HADx: hierarchical attributes disabled (0 without IDR3.HAD)
     * @param ir IRx
     * @param or ORx
     * @param sh SHx
     */
    public record TtbConfig(boolean walksEnabled, long ttb, int txsz, int inputBits, int granuleShift,
        int startLevel, boolean tbi, boolean had, int ir, int or, int sh) {

        static TtbConfig disabled(boolean tbi) {
            return new TtbConfig(false, 0, 0, 0, 0, 0, tbi, false, 0, 0, 0);
        }
    }

    /**
     * Decodes and validates a CD reached through an STE described by {@code context}.
     *
     * @param dwords the 8 little-endian dwords of the CD
     * @throws ConfigFault C_BAD_CD with the reason when V=0 or any legality rule fails
     * @throws IllegalArgumentException if {@code dwords} does not hold 8 values
     */
    public static Cd decode(long[] dwords, SmmuFeatures f, Context context) {
        if (dwords.length != 8) {
            throw new IllegalArgumentException("a CD is 8 dwords, got " + dwords.length);
        }
        if (!flag(dwords, "V")) {
            throw bad("V=0: the CD is invalid");
        }
        boolean s = flag(dwords, "S");
        boolean a = flag(dwords, "A");
        if (context.stallDisabled() && s) {
            throw bad("S=1 but the STE sets S1STALLD=1");
        }
        if (f.termModel() && !a) {
            throw bad("A=0 but IDR0.TERM_MODEL=1 (RAZ/WI termination not supported)");
        }
        if (f.stallModel() == SmmuFeatures.STALL_MODEL_TERMINATE_ONLY && s) {
            throw bad("S=1 but IDR0.STALL_MODEL=0b01 (terminate only)");
        }
        if (f.stallModel() == SmmuFeatures.STALL_MODEL_STALL_FORCED && !s) {
            throw bad("S=0 but IDR0.STALL_MODEL=0b10 (stall forced)");
        }
        boolean el2 = context.streamWorld() == Ste.StreamWorld.NS_EL2;
        // EPDx are IGNORED (effective 0) in the EL2 regime, which also has no TTB1.
        boolean walk0 = el2 || !flag(dwords, "EPD0");
        boolean walk1 = !el2 && !flag(dwords, "EPD1");
        boolean endi = flag(dwords, "ENDI");
        if (walk0 || walk1) {
            if (f.ttendian() == SmmuFeatures.TTENDIAN_LE && endi) {
                throw bad("ENDI=1 (big-endian walks) but IDR0.TTENDIAN supports little-endian only");
            }
            if (f.ttendian() == SmmuFeatures.TTENDIAN_BE && !endi) {
                throw bad("ENDI=0 (little-endian walks) but IDR0.TTENDIAN supports big-endian only");
            }
        }
        if (!flag(dwords, "AA64")) {
            throw bad("AA64=0 selects VMSAv8-32 LPAE tables but IDR0.TTF supports AArch64 only");
        }
        boolean ha = flag(dwords, "HA");
        boolean hd = flag(dwords, "HD");
        if ((ha || hd) && f.httu() == 0) {
            throw bad("HA/HD set but IDR0.HTTU=0 (no hardware flag updates)");
        }
        if (hd && f.httu() == 1) {
            throw bad("HD=1 but IDR0.HTTU=0b01 (access flag only)");
        }
        if (f.httu() == 3 && flag(dwords, "HAFT") && !ha) {
            throw bad("HAFT=1 with HA=0");
        }
        int asid = (int) CD.field("ASID").get(dwords);
        boolean asidUsed = context.streamWorld() != Ste.StreamWorld.NS_EL2;
        if (asidUsed && !f.asid16() && (asid >>> 8) != 0) {
            throw bad(String.format("ASID=0x%x needs 16 bits but IDR0.ASID16=0", asid));
        }
        int ipsBits = Ste.effectiveAddressSize((int) CD.field("IPS").get(dwords), f);
        TtbConfig ttb0 = walk0
            ? half(dwords, f, 0, TranslationGeometry.granuleFromTg0((int) CD.field("TG0").get(dwords)), ipsBits)
            : TtbConfig.disabled(flag(dwords, "TBI0"));
        TtbConfig ttb1 = walk1
            ? half(dwords, f, 1, TranslationGeometry.granuleFromTg1((int) CD.field("TG1").get(dwords)), ipsBits)
            : TtbConfig.disabled(!el2 && flag(dwords, "TBI1"));
        long mair = CD.field("MAIR0").get(dwords) | CD.field("MAIR1").get(dwords) << 32;
        return new Cd(ttb0, ttb1, ipsBits, flag(dwords, "AFFD"), flag(dwords, "WXN"), flag(dwords, "UWXN"),
            flag(dwords, "PAN"), ha, hd, s, flag(dwords, "R"), a, flag(dwords, "ASET"), asid, mair, endi,
            context.nested());
    }

    private static TtbConfig half(long[] dwords, SmmuFeatures f, int n, int granule, int ipsBits) {
        String tg = "TG" + n;
        int txsz = (int) CD.field("T" + n + "SZ").get(dwords);
        if (granule == TranslationGeometry.RESERVED) {
            throw bad(tg + "=0b" + Long.toBinaryString(CD.field(tg).get(dwords)) + " is reserved");
        }
        String kb = (1 << (granule - 10)) + " KB";
        int max = f.stt() ? (granule == 16 ? 47 : 48) : 39;
        int min = f.vax() == 1 && granule == 16 ? 12 : 16;
        if (txsz < min || txsz > max) {
            throw bad("T" + n + "SZ=" + txsz + " is outside " + min + ".." + max + " for the " + kb + " granule");
        }
        if (!f.supportsGranule(granule)) {
            throw bad(tg + " selects the " + kb + " granule, not supported by IDR5");
        }
        long ttbField = CD.field("TTB" + n).display(dwords) & Ste.ttbMask(f);
        if (!Ste.fitsIn(ttbField, ipsBits)) {
            throw bad(String.format("TTB%d=0x%x is outside the effective IPS of %d bits", n, ttbField, ipsBits));
        }
        if (granule != 16 && !Ste.fitsIn(ttbField, 48)) {
            throw bad(String.format("TTB%d=0x%x is outside 48 bits with the %s granule and DS=0", n, ttbField, kb));
        }
        int inputBits = 64 - txsz;
        int startLevel = TranslationGeometry.stage1StartLevel(inputBits, granule);
        long align = TranslationGeometry.initialTableBytes(inputBits, startLevel, granule, ipsBits);
        return new TtbConfig(true, ttbField & -align, txsz, inputBits, granule, startLevel,
            flag(dwords, "TBI" + n), f.had() && flag(dwords, "HAD" + n), (int) CD.field("IR" + n).get(dwords),
            (int) CD.field("OR" + n).get(dwords), (int) CD.field("SH" + n).get(dwords));
    }

    private static boolean flag(long[] dwords, String name) {
        return CD.field(name).get(dwords) != 0;
    }

    private static ConfigFault bad(String reason) {
        return ConfigFault.of(ConfigEvent.C_BAD_CD, reason);
    }
}
