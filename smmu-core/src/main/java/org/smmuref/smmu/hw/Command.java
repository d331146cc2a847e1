package org.smmuref.smmu.hw;

import java.util.Objects;

/**
 * One decoded non-secure SMMUv3 command (smmuv3.md section 4): a record per command, each able to encode itself to
 * the two little-endian dwords the queue holds.
 *
 * <p>Records built by {@link CommandDecoder} carry effective values: a VMID is 0 on an SMMU without stage 2 and 8
 * bits wide without IDR0.VMID16, an ASID 8 bits wide without IDR0.ASID16 (the upper bits are RES0 and need not
 * match). Constructors check that every value fits its field, so {@link #encode()} never fails.
 */
public sealed interface Command {

    /** The command's opcode. */
    CommandOpcode opcode();

    /** The command as the two dwords of a queue entry. */
    long[] encode();

    /** The prefetch hints; the model may ignore them. */
    sealed interface Prefetch extends Command permits PrefetchConfig, PrefetchAddr {
    }

    /** The configuration-cache invalidations (CFGI_*); they never touch TLB contents. */
    sealed interface ConfigInvalidation extends Command
        permits CfgiSte, CfgiSteRange, CfgiAll, CfgiCd, CfgiCdAll, CfgiVmsPidm {
    }

    /** The TLB invalidations (TLBI_*), each with the scope of smmuv3.md section 7.2. */
    sealed interface Tlbi extends Command permits TlbiNhAll, TlbiNhAsid, TlbiNhVa, TlbiNhVaa, TlbiEl2All,
        TlbiEl2Asid, TlbiEl2Va, TlbiEl2Vaa, TlbiS12Vmall, TlbiS2Ipa, TlbiNsnhAll {
        /** What the command invalidates. */
        TlbInvalidation invalidation();
    }

    /** CMD_PREFETCH_CONFIG. */
    record PrefetchConfig(int streamId, boolean ssv, int substreamId) implements Prefetch {
        /** Validates the fields. */
        public PrefetchConfig {
            checkSubstream(ssv, substreamId);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.PREFETCH_CONFIG;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).stream(streamId, ssv, substreamId).dwords();
        }
    }

    /**
     * CMD_PREFETCH_ADDR: prefetch 2^size translations from {@code address} (NS and Stride are encoded as zero).
     */
    record PrefetchAddr(int streamId, boolean ssv, int substreamId, long address, int size) implements Prefetch {
        /** Validates the fields. */
        public PrefetchAddr {
            checkSubstream(ssv, substreamId);
            checkBits("Size", size, 5);
            checkPageAddress("Address", address, 64);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.PREFETCH_ADDR;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).stream(streamId, ssv, substreamId).set("Size", size)
                .address("Address", address).dwords();
        }
    }

    /** CMD_CFGI_STE: the STE of one StreamID; {@code leaf=false} also drops a cached L1STD. */
    record CfgiSte(int streamId, boolean leaf) implements ConfigInvalidation {
        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.CFGI_STE;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("StreamID", Integer.toUnsignedLong(streamId)).flag("Leaf", leaf)
                .dwords();
        }
    }

    /**
     * CMD_CFGI_STE_RANGE with Range 0..30: the 2^(range+1) StreamIDs of the aligned block holding {@code streamId}.
     */
    record CfgiSteRange(int streamId, int range) implements ConfigInvalidation {
        /** Validates the fields; Range 31 is {@link CfgiAll}. */
        public CfgiSteRange {
            if (range < 0 || range > 30) {
                throw new IllegalArgumentException("CFGI_STE_RANGE Range must be 0..30 (31 is CFGI_ALL), was " + range);
            }
        }

        /** The first StreamID of the invalidated block. */
        public long firstStreamId() {
            return Integer.toUnsignedLong(streamId) & ~Bits.mask(range + 1);
        }

        /** The last StreamID of the invalidated block (inclusive). */
        public long lastStreamId() {
            return firstStreamId() | Bits.mask(range + 1);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.CFGI_STE_RANGE;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("StreamID", Integer.toUnsignedLong(streamId)).set("Range", range)
                .dwords();
        }
    }

    /** CMD_CFGI_ALL, which is CMD_CFGI_STE_RANGE with Range = 31: every cached STE, L1STD, CD and L1CD. */
    record CfgiAll() implements ConfigInvalidation {
        /** The Range value that makes a CFGI_STE_RANGE a CFGI_ALL. */
        public static final int RANGE_ALL = 31;

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.CFGI_STE_RANGE;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("Range", RANGE_ALL).dwords();
        }
    }

    /** CMD_CFGI_CD: the CD of (StreamID, SubstreamID); {@code leaf=false} also drops a cached L1CD. */
    record CfgiCd(int streamId, int substreamId, boolean leaf) implements ConfigInvalidation {
        /** Validates the fields. */
        public CfgiCd {
            checkBits("SubstreamID", substreamId, 20);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.CFGI_CD;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("StreamID", Integer.toUnsignedLong(streamId))
                .set("SubstreamID", substreamId).flag("Leaf", leaf).dwords();
        }
    }

    /** CMD_CFGI_CD_ALL: every CD and L1CD of the StreamID. */
    record CfgiCdAll(int streamId) implements ConfigInvalidation {
        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.CFGI_CD_ALL;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("StreamID", Integer.toUnsignedLong(streamId)).dwords();
        }
    }

    /** CMD_CFGI_VMS_PIDM: the cached VMS PARTID map of the VMID (needs IDR3.MPAM). */
    record CfgiVmsPidm(int vmid) implements ConfigInvalidation {
        /** Validates the fields. */
        public CfgiVmsPidm {
            checkBits("VMID", vmid, 16);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.CFGI_VMS_PIDM;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("VMID", vmid).dwords();
        }
    }

    /** CMD_TLBI_NH_ALL(VMID). */
    record TlbiNhAll(int vmid) implements Tlbi {
        /** Validates the fields. */
        public TlbiNhAll {
            checkBits("VMID", vmid, 16);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_NH_ALL;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.NhAll(vmid);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("VMID", vmid).dwords();
        }
    }

    /** CMD_TLBI_NH_ASID(VMID, ASID). */
    record TlbiNhAsid(int vmid, int asid) implements Tlbi {
        /** Validates the fields. */
        public TlbiNhAsid {
            checkBits("VMID", vmid, 16);
            checkBits("ASID", asid, 16);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_NH_ASID;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.NhAsid(vmid, asid, false);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("VMID", vmid).set("ASID", asid).dwords();
        }
    }

    /** CMD_TLBI_NH_VA(VMID, ASID, Addr, Leaf) with an optional range. */
    record TlbiNhVa(int vmid, int asid, long address, TlbInvalidation.Range range, boolean leaf) implements Tlbi {
        /** Validates the fields. */
        public TlbiNhVa {
            checkBits("VMID", vmid, 16);
            checkBits("ASID", asid, 16);
            checkPageAddress("Address", address, 64);
            Objects.requireNonNull(range, "range");
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_NH_VA;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.NhVa(vmid, asid, address, range, leaf, false);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("VMID", vmid).set("ASID", asid).range(address, range, leaf)
                .dwords();
        }
    }

    /** CMD_TLBI_NH_VAA(VMID, Addr, Leaf) with an optional range. */
    record TlbiNhVaa(int vmid, long address, TlbInvalidation.Range range, boolean leaf) implements Tlbi {
        /** Validates the fields. */
        public TlbiNhVaa {
            checkBits("VMID", vmid, 16);
            checkPageAddress("Address", address, 64);
            Objects.requireNonNull(range, "range");
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_NH_VAA;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.NhVaa(vmid, address, range, leaf);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("VMID", vmid).range(address, range, leaf).dwords();
        }
    }

    /** CMD_TLBI_EL2_ALL. */
    record TlbiEl2All() implements Tlbi {
        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_EL2_ALL;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.El2All();
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).dwords();
        }
    }

    /** CMD_TLBI_EL2_ASID(ASID). */
    record TlbiEl2Asid(int asid) implements Tlbi {
        /** Validates the fields. */
        public TlbiEl2Asid {
            checkBits("ASID", asid, 16);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_EL2_ASID;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.El2Asid(asid);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("ASID", asid).dwords();
        }
    }

    /** CMD_TLBI_EL2_VA(ASID, Addr, Leaf) with an optional range. */
    record TlbiEl2Va(int asid, long address, TlbInvalidation.Range range, boolean leaf) implements Tlbi {
        /** Validates the fields. */
        public TlbiEl2Va {
            checkBits("ASID", asid, 16);
            checkPageAddress("Address", address, 64);
            Objects.requireNonNull(range, "range");
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_EL2_VA;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.El2Va(asid, address, range, leaf);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("ASID", asid).range(address, range, leaf).dwords();
        }
    }

    /** CMD_TLBI_EL2_VAA(Addr, Leaf) with an optional range. */
    record TlbiEl2Vaa(long address, TlbInvalidation.Range range, boolean leaf) implements Tlbi {
        /** Validates the fields. */
        public TlbiEl2Vaa {
            checkPageAddress("Address", address, 64);
            Objects.requireNonNull(range, "range");
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_EL2_VAA;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.El2Vaa(address, range, leaf);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).range(address, range, leaf).dwords();
        }
    }

    /** CMD_TLBI_S12_VMALL(VMID). */
    record TlbiS12Vmall(int vmid) implements Tlbi {
        /** Validates the fields. */
        public TlbiS12Vmall {
            checkBits("VMID", vmid, 16);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_S12_VMALL;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.S12Vmall(vmid);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("VMID", vmid).dwords();
        }
    }

    /** CMD_TLBI_S2_IPA(VMID, IPA, Leaf) with an optional range; the IPA is bits [55:12]. */
    record TlbiS2Ipa(int vmid, long ipa, TlbInvalidation.Range range, boolean leaf) implements Tlbi {
        /** Validates the fields. */
        public TlbiS2Ipa {
            checkBits("VMID", vmid, 16);
            checkPageAddress("IPA", ipa, 56);
            Objects.requireNonNull(range, "range");
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_S2_IPA;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.S2Ipa(vmid, ipa, range, leaf);
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("VMID", vmid).range(ipa, range, leaf).dwords();
        }
    }

    /** CMD_TLBI_NSNH_ALL. */
    record TlbiNsnhAll() implements Tlbi {
        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.TLBI_NSNH_ALL;
        }

        @Override
        public TlbInvalidation invalidation() {
            return new TlbInvalidation.NsnhAll();
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).dwords();
        }
    }

    /**
     * CMD_ATC_INV: invalidate the device ATC for 4 KiB * 2^size bytes at {@code address} (size 52 = everything);
     * {@code global} also hits every SubstreamID.
     */
    record AtcInv(int streamId, boolean ssv, int substreamId, boolean global, long address, int size)
        implements Command {
        /** Validates the fields. */
        public AtcInv {
            checkSubstream(ssv, substreamId);
            checkBits("Size", size, 6);
            checkPageAddress("Address", address, 64);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.ATC_INV;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).stream(streamId, ssv, substreamId).flag("Global", global)
                .set("Size", size).address("Address", address).dwords();
        }
    }

    /** The response codes of CMD_PRI_RESP (Resp = 11 is reserved and illegal). */
    enum PriResponse {
        /** 00: the page request failed. */
        FAILURE,
        /** 01: the request was invalid. */
        INVALID,
        /** 10: the pages are now resident. */
        SUCCESS
    }

    /** CMD_PRI_RESP: the response to the page request group {@code prgIndex}. */
    record PriResp(int streamId, boolean ssv, int substreamId, int prgIndex, PriResponse response) implements Command {
        /** Validates the fields. */
        public PriResp {
            checkSubstream(ssv, substreamId);
            checkBits("PRGIndex", prgIndex, 9);
            Objects.requireNonNull(response, "response");
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.PRI_RESP;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).stream(streamId, ssv, substreamId).set("PRGIndex", prgIndex)
                .set("Resp", response.ordinal()).dwords();
        }
    }

    /**
     * CMD_RESUME: resume the stalled transaction {@code stag} of the StreamID; {@code retry} is Ac (1 = retry,
     * 0 = terminate) and {@code abort} is Ab (on terminate: abort rather than RAZ/WI).
     */
    record Resume(int streamId, int stag, boolean retry, boolean abort) implements Command {
        /** Validates the fields. */
        public Resume {
            checkBits("STAG", stag, 16);
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.RESUME;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("StreamID", Integer.toUnsignedLong(streamId)).flag("Ac", retry)
                .flag("Ab", abort).set("STAG", stag).dwords();
        }
    }

    /** CMD_STALL_TERM: terminate every stalled transaction of the StreamID. */
    record StallTerm(int streamId) implements Command {
        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.STALL_TERM;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("StreamID", Integer.toUnsignedLong(streamId)).dwords();
        }
    }

    /** How a CMD_SYNC signals its completion (CS; 11 is reserved and illegal). */
    enum SyncSignal {
        /** 00 SIG_NONE: only CONS moving past the SYNC tells software. */
        NONE,
        /** 01 SIG_IRQ: an MSI write of MSIData to MSIAddress, or the wired interrupt when there is no MSI. */
        IRQ,
        /** 10 SIG_SEV: a WFE wake-up event (only with IDR0.SEV, else like NONE). */
        SEV
    }

    /**
     * CMD_SYNC: completes after every earlier command; then signals as {@code cs} says.
     *
     * @param msiAddress the MSI target, bits [55:2] (4-byte aligned); 0 means no MSI
     * @param msiData the 32-bit value written
     * @param msh MSI shareability, MSH[23:22]
     * @param msiAttr MSI memory type, MSIAttr[27:24]
     */
    record Sync(SyncSignal cs, long msiAddress, int msiData, int msh, int msiAttr) implements Command {
        /** Validates the fields. */
        public Sync {
            Objects.requireNonNull(cs, "cs");
            checkBits("MSH", msh, 2);
            checkBits("MSIAttr", msiAttr, 4);
            if ((msiAddress & 3) != 0 || (msiAddress & ~Bits.mask(56)) != 0) {
                throw new IllegalArgumentException(String.format(
                    "CMD_SYNC MSIAddress 0x%x must be 4-byte aligned and below 2^56", msiAddress));
            }
        }

        @Override
        public CommandOpcode opcode() {
            return CommandOpcode.SYNC;
        }

        @Override
        public long[] encode() {
            return new CommandEncoder(opcode()).set("CS", cs.ordinal()).set("MSH", msh).set("MSIAttr", msiAttr)
                .set("MSIData", Integer.toUnsignedLong(msiData)).address("MSIAddress", msiAddress).dwords();
        }
    }

    private static void checkBits(String name, long value, int width) {
        if ((value & ~Bits.mask(width)) != 0) {
            throw new IllegalArgumentException(name + " " + value + " does not fit in " + width + " bits");
        }
    }

    private static void checkSubstream(boolean ssv, int substreamId) {
        checkBits("SubstreamID", substreamId, 20);
        if (!ssv && substreamId != 0) {
            throw new IllegalArgumentException("SubstreamID " + substreamId + " given without SSV");
        }
    }

    /** An address field [msb:12]: low 12 bits zero, nothing at or above bit {@code bits}. */
    private static void checkPageAddress(String name, long address, int bits) {
        if ((address & 0xFFF) != 0 || (bits < 64 && (address & ~Bits.mask(bits)) != 0)) {
            throw new IllegalArgumentException(String.format(
                "%s 0x%x must be 4 KiB aligned%s", name, address, bits < 64 ? " and below 2^" + bits : ""));
        }
    }
}
