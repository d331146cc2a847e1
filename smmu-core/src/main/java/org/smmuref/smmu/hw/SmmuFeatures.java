package org.smmuref.smmu.hw;

import java.util.Arrays;

/**
 * The features of one SMMUv3 instance, as its ID registers IDR0..IDR5, IIDR and AIDR advertise them.
 *
 * <p>Immutable. Built with {@link #builder()} (which rejects combinations the architecture forbids) or parsed back
 * from register values with {@link #fromIdrs}. {@link #idr(int)} returns each IDR exactly at the bit positions of the
 * spec (smmuv3.md section 1); fields this model does not describe read as zero.
 */
public final class SmmuFeatures {
    /** IDR0.TTF encoding: AArch32 LPAE tables only. */
    public static final int TTF_AARCH32 = 0b01;
    /** IDR0.TTF encoding: VMSAv8-64 (AArch64) tables only. */
    public static final int TTF_AARCH64 = 0b10;
    /** IDR0.TTF encoding: both table formats. */
    public static final int TTF_BOTH = 0b11;
    /** IDR0.TTENDIAN: mixed-endian walks. */
    public static final int TTENDIAN_MIXED = 0b00;
    /** IDR0.TTENDIAN: little-endian walks only. */
    public static final int TTENDIAN_LE = 0b10;
    /** IDR0.TTENDIAN: big-endian walks only. */
    public static final int TTENDIAN_BE = 0b11;
    /** IDR0.STALL_MODEL: stall and terminate both supported. */
    public static final int STALL_MODEL_STALL_AND_TERMINATE = 0b00;
    /** IDR0.STALL_MODEL: terminate only (CD.S and STE.S2S must be 0). */
    public static final int STALL_MODEL_TERMINATE_ONLY = 0b01;
    /** IDR0.STALL_MODEL: stall forced (CD.S must be 1). */
    public static final int STALL_MODEL_STALL_FORCED = 0b10;
    /** IDR0.ST_LEVEL: linear stream tables only. */
    public static final int ST_LEVEL_LINEAR = 0b00;
    /** IDR0.ST_LEVEL: linear and 2-level stream tables. */
    public static final int ST_LEVEL_TWO_LEVEL = 0b01;
    /** Largest queue size field (log2 of entries) the architecture allows. */
    public static final int MAX_QUEUE_LOG2 = 19;

    private static final int[] OAS_BITS = {32, 36, 40, 42, 44, 48, 52};

    private final boolean s1p;
    private final boolean s2p;
    private final int ttf;
    private final boolean cohacc;
    private final boolean btm;
    private final int httu;
    private final boolean hyp;
    private final boolean ats;
    private final boolean ns1ats;
    private final boolean asid16;
    private final boolean msi;
    private final boolean sev;
    private final boolean pri;
    private final boolean vmw;
    private final boolean attrPermsOvr;
    private final boolean vmid16;
    private final boolean cd2l;
    private final int ttendian;
    private final int stallModel;
    private final boolean termModel;
    private final int stLevel;
    private final int sidSize;
    private final int ssidSize;
    private final int priqs;
    private final int eventqs;
    private final int cmdqs;
    private final boolean had;
    private final boolean xnx;
    private final boolean mpam;
    private final boolean fwb;
    private final boolean stt;
    private final boolean ril;
    private final int bbml;
    private final int oas;
    private final boolean gran4k;
    private final boolean gran16k;
    private final boolean gran64k;
    private final int vax;
    private final int iidr;
    private final int aidr;

    private SmmuFeatures(Builder b) {
        s1p = b.s1p;
        s2p = b.s2p;
        ttf = b.ttf;
        cohacc = b.cohacc;
        btm = b.btm;
        httu = b.httu;
        hyp = b.hyp;
        ats = b.ats;
        ns1ats = b.ns1ats;
        asid16 = b.asid16;
        msi = b.msi;
        sev = b.sev;
        pri = b.pri;
        vmw = b.vmw;
        attrPermsOvr = b.attrPermsOvr;
        vmid16 = b.vmid16;
        cd2l = b.cd2l;
        ttendian = b.ttendian;
        stallModel = b.stallModel;
        termModel = b.termModel;
        stLevel = b.stLevel;
        sidSize = b.sidSize;
        ssidSize = b.ssidSize;
        priqs = b.priqs;
        eventqs = b.eventqs;
        cmdqs = b.cmdqs;
        had = b.had;
        xnx = b.xnx;
        mpam = b.mpam;
        fwb = b.fwb;
        stt = b.stt;
        ril = b.ril;
        bbml = b.bbml;
        oas = b.oas;
        gran4k = b.gran4k;
        gran16k = b.gran16k;
        gran64k = b.gran64k;
        vax = b.vax;
        iidr = b.iidr;
        aidr = b.aidr;
    }

    /**
     * A builder starting from the smallest valid SMMU: stage 1 only, AArch64 tables, mixed endianness, stall model
     * 00, linear stream table, SIDSIZE 0, no substreams, queue sizes 0, OAS 32, 4 KB granule only, every optional
     * feature off, IIDR and AIDR 0. Each optional feature then adds exactly its own IDR bits.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder preset to a capable SMMUv3.2 suited to nesting and BTM: S1P+S2P, HYP, BTM, COHACC, ASID16, VMID16,
     * MSI, SEV, CD2L, little-endian walks, terminate-only stall model, 2-level stream tables, 16-bit SIDs, 20-bit
     * SSIDs, 2^19-entry queues, ATTR_PERMS_OVR, RIL, STT, HAD, XNX, FWB, BBML = 2, OAS 48, all three granules, AIDR 0x02 (v3.2).
     *
     * <p>BBML = 2 is the level the model behaves as (SMMU section 3.21.1.3): a change of block size without
     * break-before-make never raises a TLB conflict (F_TLB_CONFLICT is never recorded), the TLB may hold the old and
     * the new overlapping entries until the TLBI and a lookup uses one of them, and the nT bit is ignored.
     */
    public static Builder reference() {
        return new Builder().s1p(true).s2p(true).hyp(true).btm(true).cohacc(true).asid16(true).vmid16(true)
            .msi(true).sev(true).cd2l(true).ttendian(TTENDIAN_LE).stallModel(STALL_MODEL_TERMINATE_ONLY)
            .stLevel(ST_LEVEL_TWO_LEVEL).sidSize(16).ssidSize(20).eventqs(19).cmdqs(19).ril(true).stt(true)
            .attrPermsOvr(true).had(true).xnx(true).fwb(true).bbml(2).oas(48).gran4k(true).gran16k(true).gran64k(true).aidr(0x02);
    }

    /** A builder holding these features, to derive a variant. */
    public Builder toBuilder() {
        return fromIdrsBuilder(idrs(), iidr, aidr);
    }

    /**
     * Parses features back from register values.
     *
     * @param idrs IDR0..IDR5 (exactly six values)
     * @throws IllegalArgumentException if the registers describe an impossible SMMU or one this model cannot act as
     */
    public static SmmuFeatures fromIdrs(int[] idrs, int iidr, int aidr) {
        return fromIdrsBuilder(idrs, iidr, aidr).build();
    }

    private static Builder fromIdrsBuilder(int[] idrs, int iidr, int aidr) {
        if (idrs.length != 6) {
            throw new IllegalArgumentException("expected IDR0..IDR5 (6 values), got " + idrs.length);
        }
        int i0 = idrs[0];
        int i1 = idrs[1];
        int i3 = idrs[3];
        int i5 = idrs[5];
        int oasCode = bits(i5, 0, 3);
        if (oasCode >= OAS_BITS.length) {
            throw new IllegalArgumentException("IDR5.OAS encoding " + oasCode + " (56-bit) is not supported");
        }
        return new Builder()
            .s2p(bit(i0, 0)).s1p(bit(i0, 1)).ttf(bits(i0, 2, 2)).cohacc(bit(i0, 4)).btm(bit(i0, 5))
            .httu(bits(i0, 6, 2)).hyp(bit(i0, 9)).ats(bit(i0, 10)).ns1ats(bit(i0, 11)).asid16(bit(i0, 12))
            .msi(bit(i0, 13)).sev(bit(i0, 14)).pri(bit(i0, 16)).vmw(bit(i0, 17)).vmid16(bit(i0, 18))
            .cd2l(bit(i0, 19)).ttendian(bits(i0, 21, 2)).stallModel(bits(i0, 24, 2)).termModel(bit(i0, 26))
            .stLevel(bits(i0, 27, 2))
            .sidSize(bits(i1, 0, 6)).ssidSize(bits(i1, 6, 5)).priqs(bits(i1, 11, 5)).eventqs(bits(i1, 16, 5))
            .cmdqs(bits(i1, 21, 5)).attrPermsOvr(bit(i1, 26))
            .had(bit(i3, 2)).xnx(bit(i3, 4)).mpam(bit(i3, 7)).fwb(bit(i3, 8)).stt(bit(i3, 9)).ril(bit(i3, 10))
            .bbml(bits(i3, 11, 2))
            .oas(OAS_BITS[oasCode]).gran4k(bit(i5, 4)).gran16k(bit(i5, 5)).gran64k(bit(i5, 6))
            .vax(bits(i5, 10, 2))
            .iidr(iidr).aidr(aidr);
    }

    /**
     * IDRn exactly as the hardware would return it.
     *
     * @param n 0..5
     */
    public int idr(int n) {
        switch (n) {
            case 0:
                return flag(s2p, 0) | flag(s1p, 1) | ttf << 2 | flag(cohacc, 4) | flag(btm, 5) | httu << 6
                    | flag(hyp, 9) | flag(ats, 10) | flag(ns1ats, 11) | flag(asid16, 12) | flag(msi, 13)
                    | flag(sev, 14) | flag(pri, 16) | flag(vmw, 17) | flag(vmid16, 18) | flag(cd2l, 19)
                    | ttendian << 21 | stallModel << 24 | flag(termModel, 26) | stLevel << 27;
            case 1:
                return sidSize | ssidSize << 6 | priqs << 11 | eventqs << 16 | cmdqs << 21 | flag(attrPermsOvr, 26);
            case 2:
            case 4:
                return 0;
            case 3:
                return flag(had, 2) | flag(xnx, 4) | flag(mpam, 7) | flag(fwb, 8) | flag(stt, 9) | flag(ril, 10)
                    | bbml << 11;
            case 5:
                return oasEncoding(oas) | flag(gran4k, 4) | flag(gran16k, 5) | flag(gran64k, 6) | vax << 10;
            default:
                throw new IllegalArgumentException("IDR" + n + " does not exist (0..5)");
        }
    }

    /** IDR0..IDR5 as an array. */
    public int[] idrs() {
        int[] out = new int[6];
        for (int n = 0; n < 6; n++) {
            out[n] = idr(n);
        }
        return out;
    }

    /** The IDR5.OAS encoding of an address size in bits. */
    public static int oasEncoding(int bits) {
        for (int i = 0; i < OAS_BITS.length; i++) {
            if (OAS_BITS[i] == bits) {
                return i;
            }
        }
        throw new IllegalArgumentException("OAS must be one of " + Arrays.toString(OAS_BITS) + ", was " + bits);
    }

    /**
     * The address size in bits that a 3-bit OAS/IPS/S2PS encoding stands for (000=32 ... 110=52, 111=56).
     */
    public static int addressSizeBits(int encoding) {
        if (encoding < 0 || encoding > 7) {
            throw new IllegalArgumentException("address size encoding must be 0..7, was " + encoding);
        }
        return encoding == 7 ? 56 : OAS_BITS[encoding];
    }

    // ---- IDR0 ----

    /** IDR0.S1P: stage 1 translation supported. */
    public boolean s1p() {
        return s1p;
    }

    /** IDR0.S2P: stage 2 translation supported. */
    public boolean s2p() {
        return s2p;
    }

    /** IDR0.TTF encoding (see {@link #TTF_AARCH64}). */
    public int ttf() {
        return ttf;
    }

    /** Whether VMSAv8-64 (AArch64) translation tables are supported (TTF[1]). */
    public boolean aarch64Tables() {
        return (ttf & 0b10) != 0;
    }

    /** Whether AArch32 LPAE translation tables are supported (TTF[0]). */
    public boolean aarch32Tables() {
        return (ttf & 0b01) != 0;
    }

    /** IDR0.COHACC: coherent access to tables and queues. */
    public boolean cohacc() {
        return cohacc;
    }

    /** IDR0.BTM: broadcast TLB maintenance supported. */
    public boolean btm() {
        return btm;
    }

    /**
     * IDR0.HTTU: 0 none, 1 access flag, 2 access flag and dirty state, 3 also table AF. At most 2 for features from
     * {@link Builder#build()}: the walker updates AF and dirty state in leaves (SMMU 3.13), not AF in tables (HAFT).
     */
    public int httu() {
        return httu;
    }

    /** IDR0.HYP: EL2 and EL2-E2H stage-1 contexts. */
    public boolean hyp() {
        return hyp;
    }

    /** IDR0.ATS: PCIe ATS supported. */
    public boolean ats() {
        return ats;
    }

    /** IDR0.NS1ATS: 1 means split-stage ATS is <em>not</em> supported. */
    public boolean ns1ats() {
        return ns1ats;
    }

    /** IDR0.ASID16: 16-bit ASIDs. */
    public boolean asid16() {
        return asid16;
    }

    /** IDR0.MSI: message-signalled interrupts. */
    public boolean msi() {
        return msi;
    }

    /** IDR0.SEV: WFE wake-up events. */
    public boolean sev() {
        return sev;
    }

    /** IDR0.PRI: page request interface. */
    public boolean pri() {
        return pri;
    }

    /** IDR0.VMW: VMID wildcards for invalidation. */
    public boolean vmw() {
        return vmw;
    }

    /** IDR1.ATTR_PERMS_OVR: STE.PRIVCFG / INSTCFG (and GBPA's) may override the incoming PnU and InD attributes. */
    public boolean attrPermsOvr() {
        return attrPermsOvr;
    }

    /** IDR0.VMID16: 16-bit VMIDs. */
    public boolean vmid16() {
        return vmid16;
    }

    /** IDR0.CD2L: 2-level CD tables. */
    public boolean cd2l() {
        return cd2l;
    }

    /** IDR0.TTENDIAN encoding (see {@link #TTENDIAN_LE}). */
    public int ttendian() {
        return ttendian;
    }

    /** IDR0.STALL_MODEL encoding (see {@link #STALL_MODEL_TERMINATE_ONLY}). */
    public int stallModel() {
        return stallModel;
    }

    /** IDR0.TERM_MODEL: 1 means RAZ/WI termination is not supported (CD.A must be 1). */
    public boolean termModel() {
        return termModel;
    }

    /** IDR0.ST_LEVEL encoding (see {@link #ST_LEVEL_TWO_LEVEL}). */
    public int stLevel() {
        return stLevel;
    }

    /** Whether 2-level stream tables are supported. */
    public boolean twoLevelStreamTable() {
        return stLevel == ST_LEVEL_TWO_LEVEL;
    }

    // ---- IDR1 ----

    /** IDR1.SIDSIZE: StreamID width in bits. */
    public int sidSize() {
        return sidSize;
    }

    /** IDR1.SSIDSIZE: SubstreamID width in bits (0 = no substreams). */
    public int ssidSize() {
        return ssidSize;
    }

    /** IDR1.PRIQS: log2 of the largest PRI queue. */
    public int priqs() {
        return priqs;
    }

    /** IDR1.EVENTQS: log2 of the largest event queue. */
    public int eventqs() {
        return eventqs;
    }

    /** IDR1.CMDQS: log2 of the largest command queue. */
    public int cmdqs() {
        return cmdqs;
    }

    // ---- IDR3 ----

    /** IDR3.HAD: hierarchical attribute disables. */
    public boolean had() {
        return had;
    }

    /** IDR3.XNX: stage-2 XN[1:0] (EL0/EL1 execute-never). */
    public boolean xnx() {
        return xnx;
    }

    /** IDR3.MPAM. */
    public boolean mpam() {
        return mpam;
    }

    /** IDR3.FWB: stage-2 forced write-back (STE.S2FWB). */
    public boolean fwb() {
        return fwb;
    }

    /** IDR3.STT: small translation tables (TxSZ up to 48, or 47 for 64 KB). */
    public boolean stt() {
        return stt;
    }

    /** IDR3.RIL: range invalidation and TTL hints. */
    public boolean ril() {
        return ril;
    }

    /** IDR3.BBML: break-before-make level (0..2). */
    public int bbml() {
        return bbml;
    }

    // ---- IDR5 ----

    /** IDR5.OAS in bits (32, 36, 40, 42, 44, 48 or 52). */
    public int oas() {
        return oas;
    }

    /** IDR5.GRAN4K. */
    public boolean gran4k() {
        return gran4k;
    }

    /** IDR5.GRAN16K. */
    public boolean gran16k() {
        return gran16k;
    }

    /** IDR5.GRAN64K. */
    public boolean gran64k() {
        return gran64k;
    }

    /** Whether the translation granule of 2^{@code shift} bytes (12, 14 or 16) is supported. */
    public boolean supportsGranule(int shift) {
        switch (shift) {
            case 12:
                return gran4k;
            case 14:
                return gran16k;
            case 16:
                return gran64k;
            default:
                return false;
        }
    }

    /** IDR5.VAX: 0 = 48-bit VAs, 1 = 52-bit VAs. */
    public int vax() {
        return vax;
    }

    /** The IIDR register value. */
    public int iidr() {
        return iidr;
    }

    /** The AIDR register value (ArchMajorRev[7:4], ArchMinorRev[3:0]). */
    public int aidr() {
        return aidr;
    }

    /** The SMMUv3 minor revision from AIDR (0 = v3.0, 1 = v3.1, ...). */
    public int archMinorRevision() {
        return aidr & 0xF;
    }

    // ---- derived ----

    /** OAS in bits (the output address size). */
    public int oasBits() {
        return oas;
    }

    /** IAS in bits: max(40 if AArch32 tables, OAS if AArch64 tables) per SPEC 3.4. */
    public int iasBits() {
        return Math.max(aarch32Tables() ? 40 : 0, aarch64Tables() ? oas : 0);
    }

    /** Number of VMID bits (16 with VMID16, else 8). */
    public int vmidBits() {
        return vmid16 ? 16 : 8;
    }

    /** Number of ASID bits (16 with ASID16, else 8). */
    public int asidBits() {
        return asid16 ? 16 : 8;
    }

    /** Whether only little-endian table walks are supported. */
    public boolean littleEndianOnly() {
        return ttendian == TTENDIAN_LE;
    }

    /** Whether only big-endian table walks are supported. */
    public boolean bigEndianOnly() {
        return ttendian == TTENDIAN_BE;
    }

    @Override
    public boolean equals(Object o) {
        // Every modelled feature round-trips through the registers, so equal registers mean equal features.
        return o instanceof SmmuFeatures other && Arrays.equals(idrs(), other.idrs()) && iidr == other.iidr
            && aidr == other.aidr;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(idrs()) + 7 * iidr + aidr;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SmmuFeatures[");
        for (int n = 0; n < 6; n++) {
            sb.append(String.format("IDR%d=0x%08x, ", n, idr(n)));
        }
        return sb.append(String.format("IIDR=0x%08x, AIDR=0x%08x]", iidr, aidr)).toString();
    }

    private static int flag(boolean b, int bit) {
        return b ? 1 << bit : 0;
    }

    private static boolean bit(int word, int bit) {
        return ((word >>> bit) & 1) != 0;
    }

    private static int bits(int word, int lsb, int width) {
        return (word >>> lsb) & ((1 << width) - 1);
    }

    /** Mutable builder of {@link SmmuFeatures}; {@link #build()} validates the combination. */
    public static final class Builder {
        private boolean s1p = true;
        private boolean s2p;
        private int ttf = TTF_AARCH64;
        private boolean cohacc;
        private boolean btm;
        private int httu;
        private boolean hyp;
        private boolean ats;
        private boolean ns1ats;
        private boolean asid16;
        private boolean msi;
        private boolean sev;
        private boolean pri;
        private boolean vmw;
        private boolean attrPermsOvr;
        private boolean vmid16;
        private boolean cd2l;
        private int ttendian = TTENDIAN_MIXED;
        private int stallModel = STALL_MODEL_STALL_AND_TERMINATE;
        private boolean termModel;
        private int stLevel = ST_LEVEL_LINEAR;
        private int sidSize;
        private int ssidSize;
        private int priqs;
        private int eventqs;
        private int cmdqs;
        private boolean had;
        private boolean xnx;
        private boolean mpam;
        private boolean fwb;
        private boolean stt;
        private boolean ril;
        private int bbml;
        private int oas = 32;
        private boolean gran4k = true;
        private boolean gran16k;
        private boolean gran64k;
        private int vax;
        private int iidr;
        private int aidr;

        private Builder() {
        }

        /** Sets IDR0.S1P. */
        public Builder s1p(boolean v) {
            s1p = v;
            return this;
        }

        /** Sets IDR0.S2P. */
        public Builder s2p(boolean v) {
            s2p = v;
            return this;
        }

        /** Sets IDR0.TTF (2-bit encoding). */
        public Builder ttf(int v) {
            ttf = v;
            return this;
        }

        /** Sets IDR0.COHACC. */
        public Builder cohacc(boolean v) {
            cohacc = v;
            return this;
        }

        /** Sets IDR0.BTM. */
        public Builder btm(boolean v) {
            btm = v;
            return this;
        }

        /** Sets IDR0.HTTU (2-bit encoding). */
        public Builder httu(int v) {
            httu = v;
            return this;
        }

        /** Sets IDR0.HYP. */
        public Builder hyp(boolean v) {
            hyp = v;
            return this;
        }

        /** Sets IDR0.ATS. */
        public Builder ats(boolean v) {
            ats = v;
            return this;
        }

        /** Sets IDR0.NS1ATS (1 = split-stage ATS not supported). */
        public Builder ns1ats(boolean v) {
            ns1ats = v;
            return this;
        }

        /** Sets IDR0.ASID16. */
        public Builder asid16(boolean v) {
            asid16 = v;
            return this;
        }

        /** Sets IDR0.MSI. */
        public Builder msi(boolean v) {
            msi = v;
            return this;
        }

        /** Sets IDR0.SEV. */
        public Builder sev(boolean v) {
            sev = v;
            return this;
        }

        /** Sets IDR0.PRI. */
        public Builder pri(boolean v) {
            pri = v;
            return this;
        }

        /** Sets IDR0.VMW. */
        public Builder vmw(boolean v) {
            vmw = v;
            return this;
        }

        /** Sets IDR1.ATTR_PERMS_OVR. */
        public Builder attrPermsOvr(boolean v) {
            attrPermsOvr = v;
            return this;
        }

        /** Sets IDR0.VMID16. */
        public Builder vmid16(boolean v) {
            vmid16 = v;
            return this;
        }

        /** Sets IDR0.CD2L. */
        public Builder cd2l(boolean v) {
            cd2l = v;
            return this;
        }

        /** Sets IDR0.TTENDIAN (2-bit encoding). */
        public Builder ttendian(int v) {
            ttendian = v;
            return this;
        }

        /** Sets IDR0.STALL_MODEL (2-bit encoding). */
        public Builder stallModel(int v) {
            stallModel = v;
            return this;
        }

        /** Sets IDR0.TERM_MODEL. */
        public Builder termModel(boolean v) {
            termModel = v;
            return this;
        }

        /** Sets IDR0.ST_LEVEL (2-bit encoding). */
        public Builder stLevel(int v) {
            stLevel = v;
            return this;
        }

        /** Sets IDR1.SIDSIZE. */
        public Builder sidSize(int v) {
            sidSize = v;
            return this;
        }

        /** Sets IDR1.SSIDSIZE. */
        public Builder ssidSize(int v) {
            ssidSize = v;
            return this;
        }

        /** Sets IDR1.PRIQS. */
        public Builder priqs(int v) {
            priqs = v;
            return this;
        }

        /** Sets IDR1.EVENTQS. */
        public Builder eventqs(int v) {
            eventqs = v;
            return this;
        }

        /** Sets IDR1.CMDQS. */
        public Builder cmdqs(int v) {
            cmdqs = v;
            return this;
        }

        /** Sets IDR3.HAD. */
        public Builder had(boolean v) {
            had = v;
            return this;
        }

        /** Sets IDR3.XNX. */
        public Builder xnx(boolean v) {
            xnx = v;
            return this;
        }

        /** Sets IDR3.MPAM. */
        public Builder mpam(boolean v) {
            mpam = v;
            return this;
        }

        /** Sets IDR3.FWB. */
        public Builder fwb(boolean v) {
            fwb = v;
            return this;
        }

        /** Sets IDR3.STT. */
        public Builder stt(boolean v) {
            stt = v;
            return this;
        }

        /** Sets IDR3.RIL. */
        public Builder ril(boolean v) {
            ril = v;
            return this;
        }

        /** Sets IDR3.BBML (2-bit encoding). */
        public Builder bbml(int v) {
            bbml = v;
            return this;
        }

        /** Sets the output address size in bits (32, 36, 40, 42, 44, 48 or 52). */
        public Builder oas(int bits) {
            oas = bits;
            return this;
        }

        /** Sets IDR5.GRAN4K. */
        public Builder gran4k(boolean v) {
            gran4k = v;
            return this;
        }

        /** Sets IDR5.GRAN16K. */
        public Builder gran16k(boolean v) {
            gran16k = v;
            return this;
        }

        /** Sets IDR5.GRAN64K. */
        public Builder gran64k(boolean v) {
            gran64k = v;
            return this;
        }

        /** Sets IDR5.VAX (2-bit encoding). */
        public Builder vax(int v) {
            vax = v;
            return this;
        }

        /** Sets the IIDR register value. */
        public Builder iidr(int v) {
            iidr = v;
            return this;
        }

        /** Sets the AIDR register value. */
        public Builder aidr(int v) {
            aidr = v;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first impossible or unsupported combination
         */
        public SmmuFeatures build() {
            SmmuFeatures f = buildForDecoding();
            // The walker sets AF and dirty state in leaf descriptors only: table-descriptor AF (HAFT) is not modelled.
            require(httu <= 2, "IDR0.HTTU=" + httu + " is not modelled: the walker updates AF and dirty state in leaf"
                + " descriptors but never the AF of table descriptors (HAFT), so use httu(1) or httu(2)");
            return f;
        }

        /**
         * Validates and builds features that may include what the model cannot run (today: HTTU = 3), for decoding
         * structures against them only: the STE and CD decoders' HTTU rules stay testable, and an {@link Smmu}
         * refuses such features.
         */
        SmmuFeatures buildForDecoding() {
            require(s1p || s2p, "at least one of S1P and S2P must be set");
            require(ttf == TTF_AARCH64,
                "TTF must be 0b10 (AArch64): 0b00 is reserved and AArch32 LPAE tables are not modelled (was " + ttf
                    + ")");
            require(httu >= 0 && httu <= 3, "HTTU must be 0..3");
            require(!hyp || (s1p && s2p), "HYP requires both S1P and S2P");
            require(!pri || ats, "PRI requires ATS (IDR0.PRI is RES0 when ATS is 0)");
            require(ttendian == TTENDIAN_MIXED || ttendian == TTENDIAN_LE || ttendian == TTENDIAN_BE,
                "TTENDIAN 0b01 is reserved (was " + ttendian + ")");
            require(stallModel >= 0 && stallModel <= 2, "STALL_MODEL 0b11 is reserved (was " + stallModel + ")");
            require(stLevel == ST_LEVEL_LINEAR || stLevel == ST_LEVEL_TWO_LEVEL,
                "ST_LEVEL must be 0b00 or 0b01 (was " + stLevel + ")");
            require(sidSize >= 0 && sidSize <= 32, "SIDSIZE must be 0..32 (was " + sidSize + ")");
            require(stLevel == ST_LEVEL_TWO_LEVEL || sidSize < 7,
                "ST_LEVEL linear-only requires SIDSIZE < 7 (was " + sidSize + "): 2-level tables are mandatory");
            require(ssidSize >= 0 && ssidSize <= 20, "SSIDSIZE must be 0..20 (was " + ssidSize + ")");
            requireQueue("PRIQS", priqs);
            requireQueue("EVENTQS", eventqs);
            requireQueue("CMDQS", cmdqs);
            require(bbml >= 0 && bbml <= 2, "BBML 0b11 is reserved (was " + bbml + ")");
            // IDR3.BBML: "0b01 or 0b10 in an implementation of SMMUv3.2 or later" (AIDR ArchMajorRev 0 = SMMUv3).
            require(bbml != 0 || (aidr & 0xF0) != 0 || (aidr & 0xF) < 2, String.format(
                "BBML=0 is not allowed for SMMUv3.%d (AIDR 0x%02x): v3.2 and later implement level 1 or 2",
                aidr & 0xF, aidr));
            oasEncoding(oas);
            require(gran4k || gran16k || gran64k, "at least one translation granule must be supported");
            require(vax == 0 || vax == 1, "VAX must be 0 (48-bit) or 1 (52-bit) (was " + vax + ")");
            return new SmmuFeatures(this);
        }

        private static void requireQueue(String name, int log2) {
            require(log2 >= 0 && log2 <= MAX_QUEUE_LOG2,
                name + " must be 0.." + MAX_QUEUE_LOG2 + " (was " + log2 + ")");
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
