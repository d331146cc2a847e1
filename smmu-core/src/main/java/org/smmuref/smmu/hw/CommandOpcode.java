package org.smmuref.smmu.hw;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command opcodes a non-secure SMMUv3 command queue understands, each with its field layout (smmuv3.md section
 * 4).
 *
 * <p>Layouts list every field the spec names for the command, at absolute bit positions of the two little-endian
 * dwords (dword1 bit n is bit 64+n). Bits covered by no field are RES0. Secure-only, DPT and IMPDEF opcodes are not
 * listed: on this queue they are always CERROR_ILL (see {@link CommandDecoder}).
 */
public enum CommandOpcode {
    /** CMD_PREFETCH_CONFIG(StreamID, SSec, SubstreamID, SSV). */
    PREFETCH_CONFIG(0x01, stream(true, true)),
    /**
     * CMD_PREFETCH_ADDR(StreamID, SSec, SubstreamID, SSV, Addr, NS, Size, Stride). NS and Stride sit in dword1 bits
     * [11:5], whose exact split the spec sheet does not give; the layout leaves them out and the RES0 check skips them.
     */
    PREFETCH_ADDR(0x02, stream(true, true), Field.value("Size", 68, 64), Field.address("Address", 127, 76)),
    /** CMD_CFGI_STE(StreamID, SSec, Leaf). */
    CFGI_STE(0x03, stream(true, false), Field.value("Leaf", 64, 64)),
    /** CMD_CFGI_STE_RANGE(StreamID, SSec, Range); Range = 31 is CMD_CFGI_ALL. */
    CFGI_STE_RANGE(0x04, stream(true, false), Field.value("Range", 68, 64)),
    /** CMD_CFGI_CD(StreamID, SSec, SubstreamID, Leaf). */
    CFGI_CD(0x05, cfgiCd(), Field.value("Leaf", 64, 64)),
    /** CMD_CFGI_CD_ALL(StreamID, SSec). */
    CFGI_CD_ALL(0x06, stream(true, false)),
    /** CMD_CFGI_VMS_PIDM(SSec, VMID): only with IDR3.MPAM. */
    CFGI_VMS_PIDM(0x07, List.of(ssec(), vmid())),
    /** CMD_TLBI_NH_ALL(VMID). */
    TLBI_NH_ALL(0x10, List.of(vmid())),
    /** CMD_TLBI_NH_ASID(VMID, ASID). */
    TLBI_NH_ASID(0x11, List.of(vmid(), asid())),
    /** CMD_TLBI_NH_VA(VMID, ASID, Addr, Leaf) with the range fields. */
    TLBI_NH_VA(0x12, concat(range0(), List.of(vmid(), asid())), vaDword1(127)),
    /** CMD_TLBI_NH_VAA(VMID, Addr, Leaf) with the range fields. */
    TLBI_NH_VAA(0x13, concat(range0(), List.of(vmid())), vaDword1(127)),
    /** CMD_TLBI_EL2_ALL: needs IDR0.HYP. */
    TLBI_EL2_ALL(0x20, List.of()),
    /** CMD_TLBI_EL2_ASID(ASID): needs IDR0.HYP. */
    TLBI_EL2_ASID(0x21, List.of(asid())),
    /** CMD_TLBI_EL2_VA(ASID, Addr, Leaf): needs IDR0.HYP. */
    TLBI_EL2_VA(0x22, concat(range0(), List.of(asid())), vaDword1(127)),
    /** CMD_TLBI_EL2_VAA(Addr, Leaf): needs IDR0.HYP. */
    TLBI_EL2_VAA(0x23, range0(), vaDword1(127)),
    /** CMD_TLBI_S12_VMALL(VMID): needs stage 2. */
    TLBI_S12_VMALL(0x28, List.of(vmid())),
    /** CMD_TLBI_S2_IPA(VMID, IPA, Leaf) with the range fields; the IPA is Address[55:12]. Needs stage 2. */
    TLBI_S2_IPA(0x2A, concat(range0(), List.of(vmid())), vaDword1(119)),
    /** CMD_TLBI_NSNH_ALL. */
    TLBI_NSNH_ALL(0x30, List.of()),
    /** CMD_ATC_INV(StreamID, SubstreamID, SSV, Global, Addr, Size): needs IDR0.ATS. */
    ATC_INV(0x40, concat(List.of(Field.value("Global", 9, 9)), stream(false, true)),
        Field.value("Size", 69, 64), Field.address("Address", 127, 76)),
    /** CMD_PRI_RESP(StreamID, SubstreamID, SSV, PRGIndex, Resp): needs IDR0.PRI. */
    PRI_RESP(0x41, stream(false, true), Field.value("PRGIndex", 72, 64), Field.value("Resp", 77, 76)),
    /** CMD_RESUME(StreamID, SSec, STAG, Ac, Ab): not with STALL_MODEL = 01. */
    RESUME(0x44, List.of(ssec(), Field.value("Ac", 12, 12), Field.value("Ab", 13, 13), streamId()),
        Field.value("STAG", 79, 64)),
    /** CMD_STALL_TERM(StreamID, SSec): not with STALL_MODEL = 01. */
    STALL_TERM(0x45, stream(true, false)),
    /** CMD_SYNC(CS, MSIAddr, MSIData, MSIAttr). */
    SYNC(0x46, List.of(Field.value("CS", 13, 12), Field.value("MSH", 23, 22), Field.value("MSIAttr", 27, 24),
        Field.value("MSIData", 63, 32)), Field.address("MSIAddress", 119, 66));

    private static final CommandOpcode[] BY_CODE = new CommandOpcode[256];

    static {
        for (CommandOpcode op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    private final int code;
    private final FieldLayout layout;

    CommandOpcode(int code, List<Field> dword0, Field... dword1) {
        this.code = code;
        List<Field> fields = new ArrayList<>();
        fields.add(Field.value("Opcode", 7, 0));
        fields.addAll(dword0);
        fields.addAll(List.of(dword1));
        this.layout = new FieldLayout("CMD_" + name(), 2, fields);
    }

    /** The opcode value, bits [7:0] of dword0. */
    public int code() {
        return code;
    }

    /** The command's field layout; its name is the spec's, e.g. {@code CMD_CFGI_STE}. */
    public FieldLayout layout() {
        return layout;
    }

    /** The spec name, e.g. {@code CMD_TLBI_NH_VA}. */
    public String specName() {
        return layout.name();
    }

    /** The opcode with value {@code code}, if it is one of the listed non-secure opcodes. */
    public static Optional<CommandOpcode> of(int code) {
        return code < 0 || code > 255 ? Optional.empty() : Optional.ofNullable(BY_CODE[code]);
    }

    /** The opcode whose spec name is {@code name}, with or without the {@code CMD_} prefix, case-insensitive. */
    public static Optional<CommandOpcode> byName(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT);
        String bare = n.startsWith("CMD_") ? n.substring(4) : n;
        if (bare.equals("CFGI_ALL")) {
            return Optional.of(CFGI_STE_RANGE);
        }
        for (CommandOpcode op : values()) {
            if (op.name().equals(bare)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }

    private static Field ssec() {
        return Field.value("SSec", 10, 10);
    }

    private static Field streamId() {
        return Field.value("StreamID", 63, 32);
    }

    private static Field vmid() {
        return Field.value("VMID", 47, 32);
    }

    private static Field asid() {
        return Field.value("ASID", 63, 48);
    }

    /** The dword0 stream fields: SSec (if the command has it), SSV and SubstreamID (if it has them), StreamID. */
    private static List<Field> stream(boolean withSsec, boolean withSubstream) {
        List<Field> f = new ArrayList<>();
        if (withSsec) {
            f.add(ssec());
        }
        if (withSubstream) {
            f.add(Field.value("SSV", 11, 11));
            f.add(Field.value("SubstreamID", 31, 12));
        }
        f.add(streamId());
        return f;
    }

    /** CFGI_CD always names a SubstreamID (no SSV). */
    private static List<Field> cfgiCd() {
        return List.of(ssec(), Field.value("SubstreamID", 31, 12), streamId());
    }

    /** NUM[16:12] and SCALE[25:20] of the range-capable TLBIs; SCALE bit 25 exists only with IDR5.DS. */
    private static List<Field> range0() {
        return List.of(Field.value("NUM", 16, 12), Field.value("SCALE", 25, 20));
    }

    /** dword1 of an address-based TLBI: Leaf[0], TTL128[7], TTL[9:8], TG[11:10], Address[msb:12]. */
    private static Field[] vaDword1(int addressMsb) {
        return new Field[] {Field.value("Leaf", 64, 64), Field.value("TTL128", 71, 71), Field.value("TTL", 73, 72),
            Field.value("TG", 75, 74), Field.address("Address", addressMsb, 76)};
    }

    private static List<Field> concat(List<Field> a, List<Field> b) {
        List<Field> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
