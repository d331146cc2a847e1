package org.smmuref.smmu.hw;

import org.smmuref.smmu.hw.Command.SyncSignal;
import org.smmuref.smmu.hw.TlbInvalidation.Range;

/**
 * Static factories for the commands a driver issues; each returns the decoded form, whose {@link Command#encode()}
 * gives the two queue dwords.
 */
public final class Commands {
    private Commands() {
    }

    /** CMD_CFGI_STE(StreamID, Leaf=1). */
    public static Command.CfgiSte cfgiSte(int streamId) {
        return new Command.CfgiSte(streamId, true);
    }

    /** CMD_CFGI_STE(StreamID, Leaf). */
    public static Command.CfgiSte cfgiSte(int streamId, boolean leaf) {
        return new Command.CfgiSte(streamId, leaf);
    }

    /** CMD_CFGI_STE_RANGE(StreamID, Range) for Range 0..30. */
    public static Command.CfgiSteRange cfgiSteRange(int streamId, int range) {
        return new Command.CfgiSteRange(streamId, range);
    }

    /** CMD_CFGI_ALL (CFGI_STE_RANGE with Range = 31). */
    public static Command.CfgiAll cfgiAll() {
        return new Command.CfgiAll();
    }

    /** CMD_CFGI_CD(StreamID, SubstreamID, Leaf=1). */
    public static Command.CfgiCd cfgiCd(int streamId, int substreamId) {
        return new Command.CfgiCd(streamId, substreamId, true);
    }

    /** CMD_CFGI_CD(StreamID, SubstreamID, Leaf). */
    public static Command.CfgiCd cfgiCd(int streamId, int substreamId, boolean leaf) {
        return new Command.CfgiCd(streamId, substreamId, leaf);
    }

    /** CMD_CFGI_CD_ALL(StreamID). */
    public static Command.CfgiCdAll cfgiCdAll(int streamId) {
        return new Command.CfgiCdAll(streamId);
    }

    /** CMD_TLBI_NH_ALL(VMID). */
    public static Command.TlbiNhAll tlbiNhAll(int vmid) {
        return new Command.TlbiNhAll(vmid);
    }

    /** CMD_TLBI_NH_ASID(VMID, ASID). */
    public static Command.TlbiNhAsid tlbiNhAsid(int vmid, int asid) {
        return new Command.TlbiNhAsid(vmid, asid);
    }

    /** CMD_TLBI_NH_VA(VMID, ASID, VA, Leaf) for one address (TG = 0). */
    public static Command.TlbiNhVa tlbiNhVa(int vmid, int asid, long va, boolean leaf) {
        return new Command.TlbiNhVa(vmid, asid, va, Range.SINGLE, leaf);
    }

    /** CMD_TLBI_NH_VA(VMID, ASID, VA, Leaf) over a range (needs IDR3.RIL). */
    public static Command.TlbiNhVa tlbiNhVa(int vmid, int asid, long va, Range range, boolean leaf) {
        return new Command.TlbiNhVa(vmid, asid, va, range, leaf);
    }

    /** CMD_TLBI_NH_VAA(VMID, VA, Leaf) for one address. */
    public static Command.TlbiNhVaa tlbiNhVaa(int vmid, long va, boolean leaf) {
        return new Command.TlbiNhVaa(vmid, va, Range.SINGLE, leaf);
    }

    /** CMD_TLBI_NH_VAA(VMID, VA, Leaf) over a range (needs IDR3.RIL). */
    public static Command.TlbiNhVaa tlbiNhVaa(int vmid, long va, Range range, boolean leaf) {
        return new Command.TlbiNhVaa(vmid, va, range, leaf);
    }

    /** CMD_TLBI_EL2_ALL. */
    public static Command.TlbiEl2All tlbiEl2All() {
        return new Command.TlbiEl2All();
    }

    /** CMD_TLBI_EL2_ASID(ASID). */
    public static Command.TlbiEl2Asid tlbiEl2Asid(int asid) {
        return new Command.TlbiEl2Asid(asid);
    }

    /** CMD_TLBI_EL2_VA(ASID, VA, Leaf) over a range or, with {@link Range#SINGLE}, one address. */
    public static Command.TlbiEl2Va tlbiEl2Va(int asid, long va, Range range, boolean leaf) {
        return new Command.TlbiEl2Va(asid, va, range, leaf);
    }

    /** CMD_TLBI_EL2_VAA(VA, Leaf) over a range or, with {@link Range#SINGLE}, one address. */
    public static Command.TlbiEl2Vaa tlbiEl2Vaa(long va, Range range, boolean leaf) {
        return new Command.TlbiEl2Vaa(va, range, leaf);
    }

    /** CMD_TLBI_S12_VMALL(VMID). */
    public static Command.TlbiS12Vmall tlbiS12Vmall(int vmid) {
        return new Command.TlbiS12Vmall(vmid);
    }

    /** CMD_TLBI_S2_IPA(VMID, IPA, Leaf) for one address. */
    public static Command.TlbiS2Ipa tlbiS2Ipa(int vmid, long ipa, boolean leaf) {
        return new Command.TlbiS2Ipa(vmid, ipa, Range.SINGLE, leaf);
    }

    /** CMD_TLBI_S2_IPA(VMID, IPA, Leaf) over a range (needs IDR3.RIL). */
    public static Command.TlbiS2Ipa tlbiS2Ipa(int vmid, long ipa, Range range, boolean leaf) {
        return new Command.TlbiS2Ipa(vmid, ipa, range, leaf);
    }

    /** CMD_TLBI_NSNH_ALL. */
    public static Command.TlbiNsnhAll tlbiNsnhAll() {
        return new Command.TlbiNsnhAll();
    }

    /** CMD_ATC_INV for the whole ATC of the StreamID (Global=1, Size=52). */
    public static Command.AtcInv atcInvAll(int streamId) {
        return new Command.AtcInv(streamId, false, 0, true, 0, 52);
    }

    /** CMD_ATC_INV(StreamID, SubstreamID if ssv, Global, Addr, Size). */
    public static Command.AtcInv atcInv(int streamId, boolean ssv, int substreamId, boolean global, long address,
                                        int size) {
        return new Command.AtcInv(streamId, ssv, substreamId, global, address, size);
    }

    /** CMD_PRI_RESP. */
    public static Command.PriResp priResp(int streamId, boolean ssv, int substreamId, int prgIndex,
                                          Command.PriResponse response) {
        return new Command.PriResp(streamId, ssv, substreamId, prgIndex, response);
    }

    /** CMD_RESUME(StreamID, STAG, Ac=retry, Ab=abort). */
    public static Command.Resume resume(int streamId, int stag, boolean retry, boolean abort) {
        return new Command.Resume(streamId, stag, retry, abort);
    }

    /** CMD_STALL_TERM(StreamID). */
    public static Command.StallTerm stallTerm(int streamId) {
        return new Command.StallTerm(streamId);
    }

    /** CMD_SYNC with CS = SIG_NONE. */
    public static Command.Sync sync() {
        return new Command.Sync(SyncSignal.NONE, 0, 0, 0, 0);
    }

    /** CMD_SYNC with CS = SIG_IRQ and an MSI write of {@code msiData} to {@code msiAddress} (0 = wired IRQ only). */
    public static Command.Sync syncMsi(long msiAddress, int msiData) {
        return new Command.Sync(SyncSignal.IRQ, msiAddress, msiData, 0, 0);
    }

    /** CMD_SYNC with CS = SIG_SEV. */
    public static Command.Sync syncSev() {
        return new Command.Sync(SyncSignal.SEV, 0, 0, 0, 0);
    }

    /** CMD_PREFETCH_CONFIG(StreamID). */
    public static Command.PrefetchConfig prefetchConfig(int streamId) {
        return new Command.PrefetchConfig(streamId, false, 0);
    }
}
