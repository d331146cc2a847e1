package org.smmuref.smmu.driver;

import org.smmuref.smmu.hw.Field;
import org.smmuref.smmu.hw.SmmuLayouts;

/**
 * Builds the STEs the driver installs and knows which STE bits the SMMU reads for each configuration
 * (iommufd-driver.md sections 2.2, 2.3 and 5; field positions come from {@link SmmuLayouts#STE}).
 */
public final class SteWords {
    /** STE.Config abort. */
    public static final int CFG_ABORT = 0;
    /** STE.Config bypass. */
    public static final int CFG_BYPASS = 4;
    /** STE.Config stage-1 translate, stage-2 bypass. */
    public static final int CFG_S1_TRANS = 5;
    /** STE.Config stage-2 translate. */
    public static final int CFG_S2_TRANS = 6;
    /** STE.Config nested (stage 1 over stage 2). */
    public static final int CFG_NESTED = 7;
    /** STE.S1DSS terminate. */
    public static final int S1DSS_TERMINATE = 0;
    /** STE.S1DSS bypass. */
    public static final int S1DSS_BYPASS = 1;
    /** STE.S1DSS use CD 0. */
    public static final int S1DSS_SSID0 = 2;
    /** STE.EATS: ATS translation requests answered (full ATS). */
    public static final int EATS_TRANS = 1;
    /** STE.EATS: split-stage ATS. */
    public static final int EATS_S1CHK = 2;
    /** STE.SHCFG: use the incoming shareability. */
    public static final int SHCFG_INCOMING = 1;
    /** CD fetch attribute: write-back read-allocate. */
    public static final int S1C_CACHE_WBRA = 1;
    /** Inner shareable. */
    public static final int SH_ISH = 3;
    /** Outer shareable. */
    public static final int SH_OSH = 2;
    /** Table-walk cacheability (TCR / VTCR RGN encoding): write-back, read- and write-allocate. */
    public static final int RGN_WBWA = 1;
    /** Table-walk cacheability: non-cacheable. */
    public static final int RGN_NC = 0;
    /**
     * The bits of a table or CD-table address the kernel keeps ({@code STRTAB_STE_0_S1CTXPTR_MASK},
     * {@code STRTAB_STE_3_S2TTB_MASK}, {@code CTXDESC_CD_1_TTB0_MASK} all end at bit 51): VMSAv8-64 addresses end
     * there, although the SMMU's fields reach bit 55.
     */
    public static final long ADDRESS_BITS_51 = (1L << 52) - 1;

    static final Field V = f("V");
    static final Field CONFIG = f("Config");
    static final Field S1FMT = f("S1Fmt");
    static final Field S1CONTEXTPTR = f("S1ContextPtr");
    static final Field S1CDMAX = f("S1CDMax");
    static final Field S1DSS = f("S1DSS");
    static final Field S1CIR = f("S1CIR");
    static final Field S1COR = f("S1COR");
    static final Field S1CSH = f("S1CSH");
    static final Field MEV = f("MEV");
    static final Field S2FWB = f("S2FWB");
    static final Field S1STALLD = f("S1STALLD");
    static final Field EATS = f("EATS");
    static final Field STRW = f("STRW");
    static final Field SHCFG = f("SHCFG");
    static final Field S2VMID = f("S2VMID");
    static final Field S2T0SZ = f("S2T0SZ");
    static final Field S2SL0 = f("S2SL0");
    static final Field S2IR0 = f("S2IR0");
    static final Field S2OR0 = f("S2OR0");
    static final Field S2SH0 = f("S2SH0");
    static final Field S2TG = f("S2TG");
    static final Field S2PS = f("S2PS");
    static final Field S2AA64 = f("S2AA64");
    static final Field S2ENDI = f("S2ENDI");
    static final Field S2PTW = f("S2PTW");
    static final Field S2S = f("S2S");
    static final Field S2R = f("S2R");
    static final Field S2TTB = f("S2TTB");

    /**
     * Guest-controlled qword 0 bits: V, Config, S1Fmt, S1ContextPtr [51:6], S1CDMax (0xf80fffffffffffff). Like the
     * kernel, only the 52-bit part of S1ContextPtr is accepted: VMSAv8-64 addresses end at bit 51.
     */
    public static final long NESTING_ALLOWED_0 = mask(V, CONFIG, S1FMT, S1CONTEXTPTR, S1CDMAX)[0]
        & ~(0xFL << 52);
    /** Guest-controlled qword 1 bits: S1DSS, S1CIR, S1COR, S1CSH, S1STALLD, EATS (0x380000ff). */
    public static final long NESTING_ALLOWED_1 = mask(S1DSS, S1CIR, S1COR, S1CSH, S1STALLD, EATS)[1];

    private static final long[] S1_USED = mask(S1FMT, S1CONTEXTPTR, S1CDMAX, S1DSS, S1CIR, S1COR, S1CSH, S1STALLD, STRW,
        EATS, MEV, S2VMID);
    private static final long[] S2_USED = mask(S2FWB, EATS, SHCFG, MEV, S2VMID, S2T0SZ, S2SL0, S2IR0, S2OR0, S2SH0, S2TG,
        S2PS, S2AA64, S2ENDI, S2PTW, S2S, S2R, S2TTB);
    private static final long[] S2_WORDS = mask(S2VMID, S2T0SZ, S2SL0, S2IR0, S2OR0, S2SH0, S2TG, S2PS, S2AA64, S2ENDI,
        S2PTW, S2S, S2R, S2TTB);

    private SteWords() {
    }

    /**
     * The stage-2 part of an STE: the table and its VTCR fields.
     *
     * @param ttb S2TTB (a PA)
     * @param t0sz S2T0SZ
     * @param sl0 S2SL0
     * @param tg S2TG (0 = 4 KB, 1 = 64 KB, 2 = 16 KB)
     * @param ps S2PS (the OAS encoding)
     * @param coherentWalk the SMMU's table walks are coherent (IDR0.COHACC): io-pgtable then asks for write-back
     *     walks, inner shareable (S2IR0 = S2OR0 = WBWA, S2SH0 = ISH); otherwise non-cacheable, outer shareable
     */
    public record S2Config(long ttb, int t0sz, int sl0, int tg, int ps, boolean coherentWalk) {
        /** A stage-2 configuration with coherent table walks. */
        public S2Config(long ttb, int t0sz, int sl0, int tg, int ps) {
            this(ttb, t0sz, sl0, tg, ps, true);
        }
    }

    /** An abort STE: V=1, Config=abort, nothing else (the blocked state of a device). */
    public static long[] abort() {
        long[] e = new long[EntryWriter.QWORDS];
        V.set(e, 1);
        CONFIG.set(e, CFG_ABORT);
        return e;
    }

    /** A bypass STE; SHCFG=incoming when the SMMU can override attributes (IDR1.ATTR_TYPES_OVR). */
    public static long[] bypass(boolean attrTypesOvr) {
        long[] e = new long[EntryWriter.QWORDS];
        V.set(e, 1);
        CONFIG.set(e, CFG_BYPASS);
        if (attrTypesOvr) {
            SHCFG.set(e, SHCFG_INCOMING);
        }
        return e;
    }

    /**
     * A stage-1 STE pointing at a CD table (the host's own S1 domains; used by the writer tests).
     *
     * @param stallDisabled S1STALLD (set by Linux when the SMMU can stall but the master does not)
     */
    public static long[] cdTable(long cdTablePa, int s1Fmt, int s1CdMax, int s1Dss, boolean ats, boolean stallDisabled,
                                 boolean attrTypesOvr) {
        long[] e = new long[EntryWriter.QWORDS];
        V.set(e, 1);
        CONFIG.set(e, CFG_S1_TRANS);
        S1FMT.set(e, s1Fmt);
        S1CONTEXTPTR.setDisplay(e, cdTablePa & ADDRESS_BITS_51);
        S1CDMAX.set(e, s1CdMax);
        S1DSS.set(e, s1Dss);
        S1CIR.set(e, S1C_CACHE_WBRA);
        S1COR.set(e, S1C_CACHE_WBRA);
        S1CSH.set(e, SH_ISH);
        S1STALLD.set(e, stallDisabled ? 1 : 0);
        EATS.set(e, ats ? EATS_TRANS : 0);
        if (attrTypesOvr && s1Dss == S1DSS_BYPASS) {
            SHCFG.set(e, SHCFG_INCOMING);
        }
        return e;
    }

    /**
     * A stage-2 STE ({@code arm_smmu_make_s2_domain_ste}): NS-EL1, S2AA64, S2PTW, S2R, the VMID, the table (bits
     * [51:4] as the kernel masks it), and the VTCR walk attributes io-pgtable chose ({@link S2Config#coherentWalk}).
     *
     * @param stall the master stalls on faults (S2S)
     */
    public static long[] s2(S2Config s2, int vmid, boolean ats, boolean fwb, boolean stall, boolean attrTypesOvr) {
        long[] e = new long[EntryWriter.QWORDS];
        V.set(e, 1);
        CONFIG.set(e, CFG_S2_TRANS);
        EATS.set(e, ats ? EATS_TRANS : 0);
        S2FWB.set(e, fwb ? 1 : 0);
        if (attrTypesOvr) {
            SHCFG.set(e, SHCFG_INCOMING);
        }
        S2VMID.set(e, vmid);
        S2T0SZ.set(e, s2.t0sz());
        S2SL0.set(e, s2.sl0());
        S2IR0.set(e, s2.coherentWalk() ? RGN_WBWA : RGN_NC);
        S2OR0.set(e, s2.coherentWalk() ? RGN_WBWA : RGN_NC);
        S2SH0.set(e, s2.coherentWalk() ? SH_ISH : SH_OSH);
        S2TG.set(e, s2.tg());
        S2PS.set(e, s2.ps());
        S2AA64.set(e, 1);
        S2PTW.set(e, 1);
        S2S.set(e, stall ? 1 : 0);
        S2R.set(e, 1);
        S2TTB.setDisplay(e, s2.ttb() & ADDRESS_BITS_51);
        return e;
    }

    /**
     * The physical nested STE of section 2.3: the parent's stage-2 STE, Config=nested, the guest's qword 0 (without
     * its Config) and qword 1 (EATS already stripped by validation), and MEV.
     */
    public static long[] nested(long[] s2Ste, long guest0, long guest1) {
        long[] e = EntryWriter.copy(s2Ste);
        long cfgMask = mask(CONFIG)[0];
        e[0] = mask(V)[0] | ((long) CFG_NESTED << CONFIG.lsb()) | (guest0 & ~cfgMask);
        e[1] |= guest1;
        MEV.set(e, 1);
        return e;
    }

    /** A copy of {@code ste} with only its stage-2 words (2 and 3) kept: the KUnit nested fixture uses it. */
    public static long[] stage2Words(long[] ste) {
        long[] out = new long[EntryWriter.QWORDS];
        for (int i = 0; i < EntryWriter.QWORDS; i++) {
            out[i] = ste[i] & S2_WORDS[i];
        }
        return out;
    }

    /** The bits the SMMU reads for the configuration in {@code ste} ({@code arm_smmu_get_ste_used}). */
    public static long[] used(long[] ste) {
        long[] used = new long[EntryWriter.QWORDS];
        used[0] = mask(V)[0];
        if (V.get(ste) == 0) {
            return used;
        }
        used[0] |= mask(CONFIG)[0];
        int cfg = (int) CONFIG.get(ste);
        if ((cfg & 1) != 0) {
            or(used, S1_USED);
            if (S1DSS.get(ste) == S1DSS_BYPASS) {
                or(used, mask(SHCFG));
            }
        }
        if ((cfg & 2) != 0) {
            or(used, S2_USED);
        }
        if (cfg == CFG_BYPASS) {
            or(used, mask(SHCFG));
        }
        return used;
    }

    /**
     * Bits that may change while in use ({@code arm_smmu_get_ste_update_safe}): MEV only changes how faults are
     * reported; EATS=TRANS may come or go unless split-stage ATS or S2 stalls are involved in either entry.
     */
    public static long[] updateSafe(long[] current, long[] target) {
        long[] safe = new long[EntryWriter.QWORDS];
        long s1chk = (long) EATS_S1CHK << (EATS.lsb() & 63);
        long s2s = mask(S2S)[2];
        if (((current[1] | target[1]) & s1chk) == 0 && ((current[2] | target[2]) & s2s) == 0) {
            safe[1] |= (long) EATS_TRANS << (EATS.lsb() & 63);
        }
        safe[1] |= mask(MEV)[1];
        return safe;
    }

    /** An 8-qword mask with every bit of the given fields set. */
    static long[] mask(Field... fields) {
        long[] m = new long[EntryWriter.QWORDS];
        for (Field field : fields) {
            field.set(m, -1L >>> (64 - field.width()));
        }
        return m;
    }

    private static void or(long[] into, long[] bits) {
        for (int i = 0; i < into.length; i++) {
            into[i] |= bits[i];
        }
    }

    private static Field f(String name) {
        return SmmuLayouts.STE.field(name);
    }
}
