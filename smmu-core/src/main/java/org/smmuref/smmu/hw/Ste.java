package org.smmuref.smmu.hw;

import static org.smmuref.smmu.hw.SmmuLayouts.STE_CONFIG;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_EATS;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S1CDMAX;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S1CONTEXTPTR;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S1DSS;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S1FMT;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S1STALLD;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2AA64;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2ENDI;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2HA;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2HAFT;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2HD;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2PS;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2S;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2SL0;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2T0SZ;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2TG;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2TTB;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_S2VMID;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_STRW;
import static org.smmuref.smmu.hw.SmmuLayouts.STE_V;

/**
 * A decoded, legal Stream Table Entry of the Non-secure stream table.
 *
 * <p>{@link #decode} applies every legality rule of the SMMUv3 spec (section 5.2.2, "SteIllegal") that concerns the
 * features this model has, and returns <em>effective</em> values: fields IGNORED in the STE's Config are not checked
 * and not reported, reserved encodings that "behave as" another are folded, S2PS is capped to the OAS, and the
 * stage-2 start level and concatenation are worked out.
 *
 * @param config what the stream does
 * @param streamWorld the translation regime (NS-EL1 whenever stage 2 translates)
 * @param vmid the S2VMID tagging the stream's TLB entries, or -1 when S2VMID is IGNORED (no stage 2 implemented,
 *     no translation, or a stream world other than NS-EL1)
 * @param eats the effective EATS (0b00 when ATS is off, the Config bypasses, or EATS=0b10 without CR0.ATSCHK)
 * @param mev whether event merging is permitted
 * @param stage1 stage-1 configuration, or {@code null} unless Config translates at stage 1
 * @param stage2 stage-2 configuration, or {@code null} unless Config translates at stage 2
 * @param privCfg the effective PRIVCFG: 0b00 use the incoming attribute (also for the reserved 0b01, and always
 *     without IDR1.ATTR_PERMS_OVR, where the field is RES0), 0b10 unprivileged, 0b11 privileged
 * @param instCfg the effective INSTCFG, likewise: 0b00 incoming, 0b10 data, 0b11 instruction (reads only)
 */
public record Ste(Config config, StreamWorld streamWorld, int vmid, int eats, boolean mev, Stage1 stage1,
    Stage2 stage2, int privCfg, int instCfg) {

    /** The STE.Config outcomes. */
    public enum Config {
        /** 0b0xx: abort, no event. */
        ABORT,
        /** 0b100: both stages bypass. */
        BYPASS,
        /** 0b101: stage 1 translates, stage 2 bypasses. */
        STAGE1,
        /** 0b110: stage 1 bypasses, stage 2 translates. */
        STAGE2,
        /** 0b111: nested, both stages translate. */
        NESTED;

        /** Whether stage 1 translates. */
        public boolean stage1() {
            return this == STAGE1 || this == NESTED;
        }

        /** Whether stage 2 translates. */
        public boolean stage2() {
            return this == STAGE2 || this == NESTED;
        }
    }

    /** The StreamWorld of a Non-secure stream (SPEC 5.2 STRW). */
    public enum StreamWorld {
        /** Non-secure EL1 (with VMID when stage 2 is implemented and ASID). */
        NS_EL1,
        /** Non-secure EL2: no ASID, no VMID, TTB0 only. */
        NS_EL2,
        /** Non-secure EL2 with E2H: ASID, no VMID. */
        NS_EL2_E2H
    }

    /**
     * The SMMU register state that STE decoding depends on.
     *
     * @param atsCheck SMMU_CR0.ATSCHK
     * @param e2h SMMU_CR2.E2H
     */
    public record Controls(boolean atsCheck, boolean e2h) {
        /** ATSCHK=0, E2H=0. */
        public static final Controls DEFAULT = new Controls(false, false);
    }

    /**
     * Stage-1 fields of a translating STE.
     *
     * @param s1Fmt the effective CD table format: 0 linear (also for the reserved 0b11 and whenever substreams are
     *     disabled), 1 two-level with 4 KB leaves, 2 two-level with 64 KB leaves
     * @param contextPtr the CD (or L1 CD table) address: an IPA when {@link #contextPtrIsIpa}
     * @param contextPtrIsIpa whether stage 2 also translates (Config=0b111), making CD pointers IPAs
     * @param s1CdMax the effective S1CDMax (0 when SSIDSIZE is 0: substreams disabled)
     * @param s1Dss the effective S1DSS: 0 terminate, 1 bypass, 2 substream 0 (the reserved 0b11 behaves as 0)
     * @param stallDisabled S1STALLD
     * @param cir S1CIR
     * @param cor S1COR
     * @param csh S1CSH
     */
    public record Stage1(int s1Fmt, long contextPtr, boolean contextPtrIsIpa, int s1CdMax, int s1Dss,
        boolean stallDisabled, int cir, int cor, int csh) {
        /** Whether substreams are enabled (S1CDMax != 0). */
        public boolean substreamsEnabled() {
            return s1CdMax != 0;
        }
    }

    /**
     * Stage-2 fields of a translating STE, with effective values.
     *
     * @param granuleShift 12, 14 or 16 (from S2TG)
     * @param t0sz S2T0SZ
     * @param inputBits the IPA size, 64 - S2T0SZ
     * @param startLevel the walk's start level from S2SL0 and S2TG
     * @param concatenatedTables the number of concatenated initial tables, 1..16
     * @param ttb the table base as the walk uses it: bits [51:4] of S2TTB, aligned down to the initial table size
     * @param psBits the effective output size, min(S2PS, OAS) in bits
     * @param affd S2AFFD
     * @param ptw S2PTW (only meaningful when nested)
     * @param hd S2HD
     * @param ha S2HA
     * @param stall S2S
     * @param record S2R
     * @param fwb the effective S2FWB (0 without IDR3.FWB)
     * @param bigEndian S2ENDI
     * @param ir0 S2IR0
     * @param or0 S2OR0
     * @param sh0 S2SH0
     */
    public record Stage2(int granuleShift, int t0sz, int inputBits, int startLevel, int concatenatedTables,
        long ttb, int psBits, boolean affd, boolean ptw, boolean hd, boolean ha, boolean stall, boolean record,
        boolean fwb, boolean bigEndian, int ir0, int or0, int sh0) {
    }

    /**
     * Decodes and validates an STE.
     *
     * @param dwords the 8 little-endian dwords of the STE
     * @return the decoded STE; an STE whose Config is 0b0xx decodes to {@link Config#ABORT}
     * @throws ConfigFault C_BAD_STE with the reason when V=0 or any legality rule fails
     * @throws IllegalArgumentException if {@code dwords} does not hold 8 values
     */
    public static Ste decode(long[] dwords, SmmuFeatures f, Controls controls) {
        if (dwords.length != 8) {
            throw new IllegalArgumentException("an STE is 8 dwords, got " + dwords.length);
        }
        if (STE_V.get(dwords) == 0) {
            throw bad("V=0: the STE is invalid");
        }
        int rawConfig = (int) STE_CONFIG.get(dwords);
        if ((rawConfig & 0b100) == 0) {
            return new Ste(Config.ABORT, StreamWorld.NS_EL1, -1, 0, false, null, null, 0, 0);
        }
        Config config = Config.values()[1 + (rawConfig & 0b11)];
        if (config.stage1() && !f.s1p()) {
            throw bad("Config=0b" + Integer.toBinaryString(rawConfig) + " enables stage 1 but IDR0.S1P=0");
        }
        if (config.stage2() && !f.s2p()) {
            throw bad("Config=0b" + Integer.toBinaryString(rawConfig) + " enables stage 2 but IDR0.S2P=0");
        }
        boolean s2s = STE_S2S.get(dwords) != 0;
        int eats = effectiveEats(dwords, f, controls, config, s2s);

        // StreamWorld: STRW is used only for stage-1-only streams on an SMMU with stage 1 and HYP.
        boolean strwUsed = f.s1p() && f.hyp() && config == Config.STAGE1;
        int strw = (int) STE_STRW.get(dwords);
        StreamWorld world = StreamWorld.NS_EL1;
        if (strwUsed) {
            if ((strw & 1) != 0) {
                throw bad("STRW=0b" + Integer.toBinaryString(strw) + " is reserved (x1 is ILLEGAL for Non-secure)");
            }
            if (strw == 0b10) {
                world = controls.e2h() ? StreamWorld.NS_EL2_E2H : StreamWorld.NS_EL2;
            }
        }

        Stage1 stage1 = config.stage1() ? decodeStage1(dwords, f, config) : null;
        Stage2 stage2 = config.stage2() ? decodeStage2(dwords, f, s2s) : null;

        boolean vmidIgnored = !f.s2p() || world != StreamWorld.NS_EL1 || config == Config.BYPASS;
        int vmid = -1;
        if (!vmidIgnored) {
            vmid = (int) STE_S2VMID.get(dwords);
            if (!f.vmid16() && (vmid >>> 8) != 0) {
                throw bad(String.format("S2VMID=0x%x needs 16 bits but IDR0.VMID16=0", vmid));
            }
        }
        boolean mev = SmmuLayouts.STE.field("MEV").get(dwords) != 0;
        // PRIVCFG / INSTCFG are RES0 without ATTR_PERMS_OVR; the reserved 0b01 behaves as 0b00 (use incoming).
        int privCfg = f.attrPermsOvr() ? attributeOverride(SmmuLayouts.STE.field("PRIVCFG").get(dwords)) : 0;
        int instCfg = f.attrPermsOvr() ? attributeOverride(SmmuLayouts.STE.field("INSTCFG").get(dwords)) : 0;
        return new Ste(config, world, vmid, eats, mev, stage1, stage2, privCfg, instCfg);
    }

    private static int attributeOverride(long field) {
        return field == 0b01 ? 0 : (int) field;
    }

    /** {@code access} as this STE's PRIVCFG / INSTCFG present it to translation (SMMU section 13.1.2). */
    public Access effectiveAccess(Access access) {
        return privCfg == 0 && instCfg == 0 ? access : access.withOverrides(privCfg, instCfg);
    }

    /** {@link #decode(long[], SmmuFeatures, Controls)} with {@link Controls#DEFAULT}. */
    public static Ste decode(long[] dwords, SmmuFeatures f) {
        return decode(dwords, f, Controls.DEFAULT);
    }

    /** The STE properties that CD legality depends on. */
    public Cd.Context cdContext() {
        if (stage1 == null) {
            throw new IllegalStateException("Config " + config + " does not translate at stage 1: no CD is used");
        }
        return new Cd.Context(config.stage2(), stage1.stallDisabled(), streamWorld);
    }

    private static int effectiveEats(long[] dwords, SmmuFeatures f, Controls controls, Config config, boolean s2s) {
        if (!f.ats() || config == Config.BYPASS) {
            return 0; // IGNORED: no ATS, or no translation stage enabled
        }
        int eats = (int) STE_EATS.get(dwords);
        switch (eats) {
            case 0b01:
                if (config.stage2() && s2s) {
                    throw bad("EATS=0b01 (full ATS) with stage 2 enabled and S2S=1");
                }
                return eats;
            case 0b10:
                if (config != Config.NESTED) {
                    throw bad("EATS=0b10 (split-stage ATS) needs Config=0b111, was " + config);
                }
                if (s2s) {
                    throw bad("EATS=0b10 (split-stage ATS) with S2S=1");
                }
                if (f.ns1ats()) {
                    throw bad("EATS=0b10 (split-stage ATS) but IDR0.NS1ATS=1 (not supported)");
                }
                return controls.atsCheck() ? eats : 0;
            case 0b11:
                return 0; // Full ATS with DPT checks: reserved without IDR3.DPT, behaves as 0b00
            default:
                return 0;
        }
    }

    private static Stage1 decodeStage1(long[] dwords, SmmuFeatures f, Config config) {
        boolean stallDisabled = STE_S1STALLD.get(dwords) != 0;
        if (stallDisabled && f.stallModel() != SmmuFeatures.STALL_MODEL_STALL_AND_TERMINATE) {
            throw bad("S1STALLD=1 but IDR0.STALL_MODEL=0b" + Integer.toBinaryString(f.stallModel())
                + " (the stall model is not configurable)");
        }
        int cdMax = (int) STE_S1CDMAX.get(dwords);
        if (f.ssidSize() == 0) {
            cdMax = 0; // IGNORED: substreams unsupported
        } else if (cdMax > f.ssidSize()) {
            throw bad("S1CDMax=" + cdMax + " exceeds IDR1.SSIDSIZE=" + f.ssidSize());
        }
        int fmt = (int) STE_S1FMT.get(dwords);
        if (cdMax == 0 || fmt == 0b11) {
            fmt = 0; // IGNORED without substreams; 0b11 is reserved and behaves as 0b00
        } else if (!f.cd2l()) {
            throw bad("S1Fmt=0b" + Integer.toBinaryString(fmt) + " selects a 2-level CD table but IDR0.CD2L=0");
        }
        long contextPtr = STE_S1CONTEXTPTR.display(dwords);
        boolean ipa = config.stage2();
        int limitBits = ipa ? f.iasBits() : f.oasBits();
        if (!fitsIn(contextPtr, limitBits)) {
            throw bad(String.format("S1ContextPtr=0x%x is outside the %d-bit %s", contextPtr, limitBits,
                ipa ? "IAS (it is an IPA when nested)" : "OAS"));
        }
        int dss = cdMax == 0 ? 0 : (int) STE_S1DSS.get(dwords);
        if (dss == 0b11) {
            dss = 0; // reserved, behaves as terminate
        }
        return new Stage1(fmt, contextPtr, ipa, cdMax, dss, stallDisabled,
            (int) SmmuLayouts.STE.field("S1CIR").get(dwords), (int) SmmuLayouts.STE.field("S1COR").get(dwords),
            (int) SmmuLayouts.STE.field("S1CSH").get(dwords));
    }

    private static Stage2 decodeStage2(long[] dwords, SmmuFeatures f, boolean s2s) {
        if (s2s && f.stallModel() == SmmuFeatures.STALL_MODEL_TERMINATE_ONLY) {
            throw bad("S2S=1 but IDR0.STALL_MODEL=0b01 (terminate only)");
        }
        if (!s2s && f.stallModel() == SmmuFeatures.STALL_MODEL_STALL_FORCED) {
            throw bad("S2S=0 but IDR0.STALL_MODEL=0b10 (stall forced)");
        }
        if (STE_S2AA64.get(dwords) == 0) {
            throw bad("S2AA64=0 selects VMSAv8-32 LPAE tables but IDR0.TTF supports AArch64 only");
        }
        boolean ha = STE_S2HA.get(dwords) != 0;
        boolean hd = STE_S2HD.get(dwords) != 0;
        if ((ha || hd) && f.httu() == 0) {
            throw bad("S2HA/S2HD set but IDR0.HTTU=0 (no hardware flag updates)");
        }
        if (hd && f.httu() == 1) {
            throw bad("S2HD=1 but IDR0.HTTU=0b01 (access flag only)");
        }
        if (f.httu() == 3 && STE_S2HAFT.get(dwords) != 0 && !ha) {
            throw bad("S2HAFT=1 with S2HA=0");
        }
        int tg = (int) STE_S2TG.get(dwords);
        int granule = TranslationGeometry.granuleFromTg0(tg);
        if (granule == TranslationGeometry.RESERVED) {
            throw bad("S2TG=0b11 is reserved");
        }
        if (!f.supportsGranule(granule)) {
            throw bad("S2TG selects the " + (1 << (granule - 10)) + " KB granule, not supported by IDR5");
        }
        int psBits = effectiveAddressSize((int) STE_S2PS.get(dwords), f);
        long ttbField = STE_S2TTB.display(dwords) & ttbMask(f);
        if (!fitsIn(ttbField, psBits)) {
            throw bad(String.format("S2TTB=0x%x is outside the effective S2PS of %d bits", ttbField, psBits));
        }
        if (granule != 16 && !fitsIn(ttbField, 48)) {
            throw bad(String.format("S2TTB=0x%x is outside 48 bits with a %d KB granule and S2DS=0", ttbField,
                1 << (granule - 10)));
        }
        int t0sz = (int) STE_S2T0SZ.get(dwords);
        int max = f.stt() ? (granule == 16 ? 47 : 48) : 39;
        int min;
        if (f.archMinorRevision() == 0) {
            min = 64 - f.iasBits();
        } else {
            min = Math.max(granule == 16 ? 12 : 16, 64 - f.iasBits());
        }
        if (t0sz < min || t0sz > max) {
            throw bad("S2T0SZ=" + t0sz + " is outside " + min + ".." + max + " for the " + (1 << (granule - 10))
                + " KB granule");
        }
        int sl0 = (int) STE_S2SL0.get(dwords);
        int inputBits = 64 - t0sz;
        int startLevel = TranslationGeometry.stage2StartLevel(granule, sl0, f.stt(), f.oasBits());
        if (startLevel < 0) {
            throw bad("S2SL0=" + sl0 + " is not a valid start level for the " + (1 << (granule - 10))
                + " KB granule on this SMMU");
        }
        if (!TranslationGeometry.stage2Consistent(inputBits, startLevel, granule)) {
            throw bad("S2T0SZ=" + t0sz + " (" + inputBits + "-bit IPA) is inconsistent with S2SL0=" + sl0
                + " (start level " + startLevel + ") for the " + (1 << (granule - 10))
                + " KB granule: it needs 1..16 initial tables");
        }
        if (f.ttendian() == SmmuFeatures.TTENDIAN_LE && STE_S2ENDI.get(dwords) != 0) {
            throw bad("S2ENDI=1 (big-endian walks) but IDR0.TTENDIAN supports little-endian only");
        }
        if (f.ttendian() == SmmuFeatures.TTENDIAN_BE && STE_S2ENDI.get(dwords) == 0) {
            throw bad("S2ENDI=0 (little-endian walks) but IDR0.TTENDIAN supports big-endian only");
        }
        int concat = TranslationGeometry.concatenatedTables(inputBits, startLevel, granule);
        long align = TranslationGeometry.initialTableBytes(inputBits, startLevel, granule, psBits);
        // The SMMU treats the base's bits below the initial table's alignment as zero (SPEC 5.2 S2TTB).
        long ttb = ttbField & -align;
        FieldLayout l = SmmuLayouts.STE;
        return new Stage2(granule, t0sz, inputBits, startLevel, concat, ttb, psBits,
            l.field("S2AFFD").get(dwords) != 0, l.field("S2PTW").get(dwords) != 0, hd, ha, s2s,
            l.field("S2R").get(dwords) != 0, f.fwb() && l.field("S2FWB").get(dwords) != 0,
            STE_S2ENDI.get(dwords) != 0, (int) l.field("S2IR0").get(dwords), (int) l.field("S2OR0").get(dwords),
            (int) l.field("S2SH0").get(dwords));
    }

    /**
     * The effective size in bits of an S2PS or IPS encoding: reserved encodings behave as the largest the revision
     * defines (48 bits in v3.0, 52 in v3.1..v3.3), then capped to the OAS.
     */
    static int effectiveAddressSize(int encoding, SmmuFeatures f) {
        int revisionMax = f.archMinorRevision() == 0 ? 5 : 6;
        int bits = SmmuFeatures.addressSizeBits(Math.min(encoding, revisionMax));
        return Math.min(bits, f.oasBits());
    }

    /** Table-base address bits the revision uses: [51:4] (v3.1+) or [47:4] (v3.0); higher bits are RES0. */
    static long ttbMask(SmmuFeatures f) {
        return Bits.range(f.archMinorRevision() == 0 ? 47 : 51, 4);
    }

    static boolean fitsIn(long address, int bits) {
        return (address >>> bits) == 0;
    }

    private static ConfigFault bad(String reason) {
        return ConfigFault.of(ConfigEvent.C_BAD_STE, reason);
    }
}
