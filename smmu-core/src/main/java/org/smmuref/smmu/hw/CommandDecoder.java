package org.smmuref.smmu.hw;

import java.util.Objects;
import org.smmuref.smmu.hw.Command.PriResponse;
import org.smmuref.smmu.hw.Command.SyncSignal;
import org.smmuref.smmu.hw.TlbInvalidation.Range;

/**
 * Decodes the two dwords of a non-secure command-queue entry into a {@link Command}, checking it against the SMMU's
 * features; anything the SMMU must refuse with CERROR_ILL becomes an {@link IllegalCommandException} with the reason.
 *
 * <p>Refused: reserved opcodes (CFGI_VMS_PIDM without MPAM, secure-only, DPT and IMPDEF opcodes), SSec = 1, commands
 * for missing features (CFGI_CD* and TLBI_NH_* without S1P, S2 TLBIs without S2P, EL2 TLBIs without HYP, ATC_INV
 * without ATS, PRI_RESP without PRI, RESUME / STALL_TERM with STALL_MODEL = 01), CMD_SYNC CS = 11, PRI_RESP
 * Resp = 11, TG != 0 with NUM = SCALE = TTL = 0, and 16 KB TTL = 01 (this model has no IDR5.DS). Non-zero RES0 bits
 * are refused only when the decoder is built with {@code rejectRes0 = true}: the architecture makes that check
 * optional, and the default accepts (ignores) them as hardware commonly does. That includes TG / NUM / SCALE / TTL
 * on an SMMU without IDR3.RIL, where they are RES0: the command then invalidates one address.
 */
public final class CommandDecoder {
    /** Secure-only opcodes: EL3 TLBIs, secure EL2 / secure stage 2 TLBIs and TLBI_SNH_ALL. */
    private static final int[] SECURE_ONLY = {0x18, 0x1A, 0x50, 0x51, 0x52, 0x53, 0x58, 0x5A, 0x60};
    /** CMD_DPTI_ALL and CMD_DPTI_PA need IDR3.DPT, which the features do not offer. */
    private static final int[] DPT = {0x70, 0x73};
    /** PREFETCH_ADDR dword1 bits [11:5] hold NS and Stride, which the layout does not split; never RES0-checked. */
    private static final long PREFETCH_ADDR_UNLISTED_DWORD1 = Bits.range(11, 5);

    private final SmmuFeatures features;
    private final boolean rejectRes0;

    /** A decoder for an SMMU with {@code features} that tolerates non-zero RES0 bits. */
    public CommandDecoder(SmmuFeatures features) {
        this(features, false);
    }

    /**
     * A decoder for an SMMU with {@code features}.
     *
     * @param rejectRes0 whether non-zero RES0 bits (bits no field of the command covers, and range fields of a TLBI
     *     with TG = 0) make the command illegal
     */
    public CommandDecoder(SmmuFeatures features, boolean rejectRes0) {
        this.features = Objects.requireNonNull(features, "features");
        this.rejectRes0 = rejectRes0;
    }

    /** The features commands are checked against. */
    public SmmuFeatures features() {
        return features;
    }

    /** Decodes a queue entry given as its two dwords. */
    public Command decode(long[] dwords) throws IllegalCommandException {
        if (dwords.length != 2) {
            throw new IllegalArgumentException("a command is 2 dwords, got " + dwords.length);
        }
        return decode(dwords[0], dwords[1]);
    }

    /** Decodes the queue entry {@code (dword0, dword1)}. */
    public Command decode(long dword0, long dword1) throws IllegalCommandException {
        int code = (int) (dword0 & 0xFF);
        CommandOpcode op = opcodeOf(code);
        Entry e = new Entry(op, new long[] {dword0, dword1});
        if (op.layout().hasField("SSec") && e.get("SSec") != 0) {
            throw e.illegal("SSec = 1 on the non-secure command queue");
        }
        checkFeatures(e);
        if (rejectRes0) {
            checkRes0(e);
        }
        return switch (op) {
            case PREFETCH_CONFIG -> new Command.PrefetchConfig(e.sid(), e.ssv(), e.ssid());
            case PREFETCH_ADDR ->
                new Command.PrefetchAddr(e.sid(), e.ssv(), e.ssid(), e.address(), (int) e.get("Size"));
            case CFGI_STE -> new Command.CfgiSte(e.sid(), e.flag("Leaf"));
            case CFGI_STE_RANGE -> {
                int range = (int) e.get("Range");
                yield range == Command.CfgiAll.RANGE_ALL
                    ? new Command.CfgiAll() : new Command.CfgiSteRange(e.sid(), range);
            }
            case CFGI_CD -> new Command.CfgiCd(e.sid(), (int) e.get("SubstreamID"), e.flag("Leaf"));
            case CFGI_CD_ALL -> new Command.CfgiCdAll(e.sid());
            case CFGI_VMS_PIDM -> new Command.CfgiVmsPidm(vmid(e));
            case TLBI_NH_ALL -> new Command.TlbiNhAll(vmid(e));
            case TLBI_NH_ASID -> new Command.TlbiNhAsid(vmid(e), asid(e));
            case TLBI_NH_VA -> new Command.TlbiNhVa(vmid(e), asid(e), e.address(), range(e), e.flag("Leaf"));
            case TLBI_NH_VAA -> new Command.TlbiNhVaa(vmid(e), e.address(), range(e), e.flag("Leaf"));
            case TLBI_EL2_ALL -> new Command.TlbiEl2All();
            case TLBI_EL2_ASID -> new Command.TlbiEl2Asid(asid(e));
            case TLBI_EL2_VA -> new Command.TlbiEl2Va(asid(e), e.address(), range(e), e.flag("Leaf"));
            case TLBI_EL2_VAA -> new Command.TlbiEl2Vaa(e.address(), range(e), e.flag("Leaf"));
            case TLBI_S12_VMALL -> new Command.TlbiS12Vmall(vmid(e));
            case TLBI_S2_IPA -> new Command.TlbiS2Ipa(vmid(e), e.address(), range(e), e.flag("Leaf"));
            case TLBI_NSNH_ALL -> new Command.TlbiNsnhAll();
            case ATC_INV -> new Command.AtcInv(e.sid(), e.ssv(), e.ssid(), e.flag("Global"), e.address(),
                (int) e.get("Size"));
            case PRI_RESP -> {
                int resp = (int) e.get("Resp");
                if (resp == 0b11) {
                    throw e.illegal("PRI_RESP Resp = 11 is reserved");
                }
                yield new Command.PriResp(e.sid(), e.ssv(), e.ssid(), (int) e.get("PRGIndex"),
                    PriResponse.values()[resp]);
            }
            case RESUME -> new Command.Resume(e.sid(), (int) e.get("STAG"), e.flag("Ac"), e.flag("Ab"));
            case STALL_TERM -> new Command.StallTerm(e.sid());
            case SYNC -> {
                int cs = (int) e.get("CS");
                if (cs == 0b11) {
                    throw e.illegal("CMD_SYNC CS = 11 is reserved");
                }
                yield new Command.Sync(SyncSignal.values()[cs], e.field("MSIAddress").display(e.dwords),
                    (int) e.get("MSIData"), (int) e.get("MSH"), (int) e.get("MSIAttr"));
            }
        };
    }

    private static CommandOpcode opcodeOf(int code) throws IllegalCommandException {
        for (int s : SECURE_ONLY) {
            if (s == code) {
                throw new IllegalCommandException(code, "secure-only opcode on the non-secure command queue");
            }
        }
        for (int d : DPT) {
            if (d == code) {
                throw new IllegalCommandException(code, "CMD_DPTI_* needs IDR3.DPT, which this SMMU does not have");
            }
        }
        if (code >= 0x80 && code <= 0x8F) {
            throw new IllegalCommandException(code, "IMPLEMENTATION DEFINED opcode not implemented");
        }
        return CommandOpcode.of(code)
            .orElseThrow(() -> new IllegalCommandException(code, "reserved opcode"));
    }

    private void checkFeatures(Entry e) throws IllegalCommandException {
        String missing = switch (e.op) {
            case CFGI_VMS_PIDM -> features.mpam() ? null : "IDR3.MPAM";
            case CFGI_CD, CFGI_CD_ALL, TLBI_NH_ALL, TLBI_NH_ASID, TLBI_NH_VA, TLBI_NH_VAA ->
                features.s1p() ? null : "stage 1 (IDR0.S1P)";
            case TLBI_S12_VMALL, TLBI_S2_IPA -> features.s2p() ? null : "stage 2 (IDR0.S2P)";
            case TLBI_EL2_ALL, TLBI_EL2_ASID, TLBI_EL2_VA, TLBI_EL2_VAA -> features.hyp() ? null : "IDR0.HYP";
            case ATC_INV -> features.ats() ? null : "IDR0.ATS";
            case PRI_RESP -> features.pri() ? null : "IDR0.PRI";
            case RESUME, STALL_TERM -> features.stallModel() == SmmuFeatures.STALL_MODEL_TERMINATE_ONLY
                ? "a stall model (IDR0.STALL_MODEL is 01, terminate only)" : null;
            default -> null;
        };
        if (missing != null) {
            throw e.illegal(e.op.specName() + " needs " + missing);
        }
    }

    private void checkRes0(Entry e) throws IllegalCommandException {
        long[] covered = new long[2];
        for (Field f : e.op.layout().fields()) {
            Bits.insert(covered, f.lsb(), f.width(), Bits.mask(f.width()));
        }
        if (e.op == CommandOpcode.PREFETCH_ADDR) {
            covered[1] |= PREFETCH_ADDR_UNLISTED_DWORD1;
        }
        for (int i = 0; i < 2; i++) {
            long stray = e.dwords[i] & ~covered[i];
            if (stray != 0) {
                throw e.illegal(String.format("RES0 bits 0x%x set in dword%d", stray, i));
            }
        }
        if (e.op.layout().hasField("SCALE") && (e.get("SCALE") >>> 5) != 0) {
            throw e.illegal("SCALE bit 25 is RES0 without IDR5.DS");
        }
        if (e.op.layout().hasField("TTL128") && e.get("TTL128") != 0) {
            throw e.illegal("TTL128 is RES0 without 128-bit descriptors");
        }
        if (e.op.layout().hasField("SubstreamID") && e.op.layout().hasField("SSV") && !e.ssv()
            && e.get("SubstreamID") != 0) {
            throw e.illegal("SubstreamID given with SSV = 0");
        }
    }

    /** The range fields of an address-based TLBI (smmuv3.md section 4, range invalidation). */
    private Range range(Entry e) throws IllegalCommandException {
        int tg = (int) e.get("TG");
        int num = (int) e.get("NUM");
        int scale = (int) (e.get("SCALE") & 0x1F); // bit 25 belongs to SCALE only with IDR5.DS
        int ttl = (int) e.get("TTL");
        if (!features.ril()) {
            // RES0 without range invalidation: refused by a strict decoder only, like every other RES0 field.
            if (rejectRes0 && (tg != 0 || num != 0 || scale != 0 || ttl != 0)) {
                throw e.illegal(String.format("range fields TG=%d NUM=%d SCALE=%d TTL=%d are RES0 without IDR3.RIL",
                    tg, num, scale, ttl));
            }
            return Range.SINGLE;
        }
        if (tg == 0) {
            if (rejectRes0 && (num != 0 || scale != 0 || ttl != 0)) {
                throw e.illegal("NUM, SCALE and TTL are RES0 when TG = 00");
            }
            return Range.SINGLE;
        }
        if (num == 0 && scale == 0 && ttl == 0) {
            throw e.illegal("TG != 00 with NUM = SCALE = TTL = 0 is reserved");
        }
        if (tg == 0b10 && ttl == 0b01) {
            throw e.illegal("16 KB granule TTL = 01 needs IDR5.DS");
        }
        return new Range(10 + 2 * tg, scale, num, ttl);
    }

    /** The effective VMID: absent (0) without stage 2, 8 bits without VMID16. */
    private int vmid(Entry e) {
        return features.s2p() ? (int) (e.get("VMID") & Bits.mask(features.vmidBits())) : 0;
    }

    /** The effective ASID: 8 bits without ASID16. */
    private int asid(Entry e) {
        return (int) (e.get("ASID") & Bits.mask(features.asidBits()));
    }

    /** One entry being decoded: its opcode and dwords, read through the opcode's layout. */
    private static final class Entry {
        final CommandOpcode op;
        final long[] dwords;

        Entry(CommandOpcode op, long[] dwords) {
            this.op = op;
            this.dwords = dwords;
        }

        Field field(String name) {
            return op.layout().field(name);
        }

        long get(String name) {
            return field(name).get(dwords);
        }

        boolean flag(String name) {
            return get(name) != 0;
        }

        int sid() {
            return (int) get("StreamID");
        }

        boolean ssv() {
            return flag("SSV");
        }

        /** The SubstreamID when SSV = 1; with SSV = 0 the field is IGNORED. */
        int ssid() {
            return ssv() ? (int) get("SubstreamID") : 0;
        }

        /** The byte address of the Address field (its bits in place, low 12 bits zero). */
        long address() {
            return field("Address").display(dwords);
        }

        IllegalCommandException illegal(String reason) {
            return new IllegalCommandException(op.code(), reason);
        }
    }
}
