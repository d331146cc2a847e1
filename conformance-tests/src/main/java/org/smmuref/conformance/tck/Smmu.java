package org.smmuref.conformance.tck;

/**
 * The TCK's own SMMUv3 encoders, written from the spec sheet's tables (shared/spec/iommufd-driver.md §2.2 and the
 * CMDQ field list), independent of any implementation's helpers.
 */
public final class Smmu {
    /** STE.Config = stage-1 translate. */
    public static final int CFG_S1_TRANS = 5;
    /** CMD_CFGI_STE. */
    public static final int CFGI_STE = 0x03;
    /** CMD_CFGI_CD. */
    public static final int CFGI_CD = 0x05;
    /** CMD_TLBI_NH_ASID. */
    public static final int TLBI_NH_ASID = 0x11;
    /** CMD_TLBI_NH_VA. */
    public static final int TLBI_NH_VA = 0x12;
    /** CMD_TLBI_S12_VMALL. */
    public static final int TLBI_S12_VMALL = 0x28;
    /** CMD_SYNC. */
    public static final int CMD_SYNC = 0x46;
    /** Allowed guest bits of vSTE word 0 (V, CFG, S1FMT, S1ContextPtr, S1CDMAX). */
    public static final long VSTE_WORD0_ALLOWED = 0xf80fffffffffffffL;
    /** Allowed guest bits of vSTE word 1 (S1DSS, S1CIR, S1COR, S1CSH, S1STALLD, EATS). */
    public static final long VSTE_WORD1_ALLOWED = 0x380000ffL;
    /** F_TRANSLATION event type. */
    public static final int F_TRANSLATION = 0x10;

    private Smmu() {
    }

    /** vSTE words 0 and 1: V = 1, Config = S1 translate, linear CD table at {@code cdIpa}, WBRA inner/outer, ISH. */
    public static long[] s1Vste(long cdIpa) {
        long w0 = 1L | (long) CFG_S1_TRANS << 1 | (cdIpa & 0x000f_ffff_ffff_ffc0L);
        long w1 = 1L << 2 | 1L << 4 | 3L << 6;
        return new long[] {w0, w1};
    }

    /** CMD_TLBI_NH_VA for {@code asid} at {@code va} (VMID left 0: the kernel writes its own). */
    public static long[] tlbiNhVa(int asid, long va, boolean leaf) {
        return new long[] {TLBI_NH_VA | (long) asid << 48, (va & ~0xfffL) | (leaf ? 1 : 0)};
    }

    /** CMD_TLBI_NH_ASID. */
    public static long[] tlbiNhAsid(int asid) {
        return new long[] {TLBI_NH_ASID | (long) asid << 48, 0};
    }

    /** A command with opcode {@code op} and StreamID field {@code sid} (CFGI_* / ATC_INV layout). */
    public static long[] withSid(int op, long sid) {
        return new long[] {op | sid << 32, 0};
    }
}
