package org.smmuref.smmu.driver;

import java.util.function.LongToIntFunction;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;

/**
 * {@code arm_vsmmu_convert_user_cmd} (iommufd-driver.md section 2.6): which raw guest CMDQ commands a vIOMMU
 * accepts and how they are rewritten before they reach the physical queue.
 *
 * <ul>
 *   <li>TLBI_NSNH_ALL becomes TLBI_NH_ALL of the vIOMMU's VMID with qword 1 cleared: a guest may not flush every
 *       VMID.</li>
 *   <li>TLBI_NH_VA / NH_VAA / NH_ALL / NH_ASID keep every field but the VMID, which is overwritten.</li>
 *   <li>ATC_INV / CFGI_CD / CFGI_CD_ALL name a vSID, replaced by the pSID of its vDEVICE (none: EIO).</li>
 *   <li>Everything else (CFGI_STE, CFGI_ALL, S12_VMALL, S2_IPA, EL2, prefetch, CMD_SYNC, PRI_RESP, RESUME, reserved
 *       opcodes) is EIO.</li>
 * </ul>
 *
 * <p>From v7.4 every other field is checked first as well ({@link #validate}); before it only the opcode was.
 */
public final class GuestCommands {
    /** CMD_CFGI_CD. */
    public static final int CFGI_CD = 0x05;
    /** CMD_CFGI_CD_ALL. */
    public static final int CFGI_CD_ALL = 0x06;
    /** CMD_TLBI_NH_ALL. */
    public static final int TLBI_NH_ALL = 0x10;
    /** CMD_TLBI_NH_ASID. */
    public static final int TLBI_NH_ASID = 0x11;
    /** CMD_TLBI_NH_VA. */
    public static final int TLBI_NH_VA = 0x12;
    /** CMD_TLBI_NH_VAA. */
    public static final int TLBI_NH_VAA = 0x13;
    /** CMD_TLBI_NSNH_ALL. */
    public static final int TLBI_NSNH_ALL = 0x30;
    /** CMD_ATC_INV. */
    public static final int ATC_INV = 0x40;

    private static final long VMID_MASK = 0xFFFFL << 32;
    private static final long LOW_WORD = 0xFFFF_FFFFL;

    private static final long OPCODE = 0xFFL;
    private static final long VMID = 0xFFFFL << 32;
    private static final long ASID = 0xFFFFL << 48;
    private static final long NUM = 0x1FL << 12;
    private static final long SCALE = 0x1FL << 20;
    private static final long SID = 0xFFFF_FFFFL << 32;
    private static final long SSV = 1L << 11;
    private static final long SSID = 0xF_FFFFL << 12;
    private static final long GLOBAL = 1L << 9;
    private static final long LEAF = 1L;
    private static final long TTL = 0x3L << 8;
    private static final long TG = 0x3L << 10;
    private static final long ADDR = ~0xFFFL;
    private static final long ATC_SIZE = 0x3FL;
    private static final int TG_16K = 2;
    private static final int ATC_SIZE_ALL = 52;

    private GuestCommands() {
    }

    /** What the per-opcode field checks depend on: the physical SMMU's features. */
    public record Limits(int asidBits, boolean rangeInvalidation, boolean ats, boolean substreams) {
    }

    /**
     * The v7.4 field checks of {@code arm_vsmmu_validate_user_cmd} / {@code arm_vsmmu_validate_range} on a raw guest
     * command, before it is converted: every bit outside the opcode's allowed fields must be zero (DS, the 52-bit
     * extension of SCALE and TTL 16 KB level 1, is not supported, so those encodings are EIO too).
     *
     * @throws IommufdException EIO naming the first offending field
     */
    public static void validate(long q0, long q1, Limits limits) {
        int opcode = (int) (q0 & OPCODE);
        long asid = limits.asidBits() >= 16 ? ASID : 0xFFL << 48;
        long range0 = limits.rangeInvalidation() ? NUM | SCALE : 0;
        long range1 = limits.rangeInvalidation() ? TTL | TG : 0;
        switch (opcode) {
            case TLBI_NSNH_ALL -> allowed(opcode, q0, q1, OPCODE, 0);
            case TLBI_NH_ALL -> allowed(opcode, q0, q1, OPCODE | VMID, 0);
            case TLBI_NH_ASID -> allowed(opcode, q0, q1, OPCODE | VMID | asid, 0);
            case TLBI_NH_VA, TLBI_NH_VAA -> {
                long a0 = OPCODE | VMID | range0 | (opcode == TLBI_NH_VA ? asid : 0);
                allowed(opcode, q0, q1, a0, LEAF | ADDR | range1);
                if (limits.rangeInvalidation()) {
                    validateRange(opcode, q0, q1);
                }
            }
            case ATC_INV -> {
                if (!limits.ats()) {
                    throw eio(opcode, "ATC_INV needs an SMMU with ATS");
                }
                long sub = limits.substreams() ? SSV | SSID | GLOBAL : 0;
                allowed(opcode, q0, q1, OPCODE | SID | sub, ATC_SIZE | ADDR);
                if ((q1 & ATC_SIZE) > ATC_SIZE_ALL) {
                    throw eio(opcode, "Size " + (q1 & ATC_SIZE) + " is above 52");
                }
            }
            case CFGI_CD -> allowed(opcode, q0, q1, OPCODE | SID | (limits.substreams() ? SSID : 0), LEAF);
            case CFGI_CD_ALL -> allowed(opcode, q0, q1, OPCODE | SID, 0);
            default -> throw eio(opcode, "the opcode is not accepted by a vIOMMU");
        }
    }

    private static void validateRange(int opcode, long q0, long q1) {
        long num = (q0 & NUM) >>> 12;
        long scale = (q0 & SCALE) >>> 20;
        int tg = (int) ((q1 & TG) >>> 10);
        int ttl = (int) ((q1 & TTL) >>> 8);
        if (tg == 0) {
            if (num != 0 || scale != 0 || ttl != 0) {
                throw eio(opcode, "TG 0 (no range) with NUM, SCALE or TTL set");
            }
            return;
        }
        if (tg == TG_16K && ttl == 1) {
            throw eio(opcode, "TTL 1 with a 16 KB TG needs DS");
        }
        if (num == 0 && scale == 0 && ttl == 0) {
            throw eio(opcode, "NUM = SCALE = TTL = 0 with TG != 0 is reserved");
        }
    }

    private static void allowed(int opcode, long q0, long q1, long mask0, long mask1) {
        if ((q0 & ~mask0) != 0) {
            throw eio(opcode, String.format("dword 0 bits 0x%016x are outside its fields", q0 & ~mask0));
        }
        if ((q1 & ~mask1) != 0) {
            throw eio(opcode, String.format("dword 1 bits 0x%016x are outside its fields", q1 & ~mask1));
        }
    }

    private static IommufdException eio(int opcode, String why) {
        return new IommufdException(Errno.EIO, String.format("guest command opcode 0x%02x: %s", opcode, why));
    }

    /** Whether a vIOMMU accepts {@code opcode} at all (the one check before v7.4). */
    public static boolean acceptedOpcode(int opcode) {
        return switch (opcode) {
            case TLBI_NSNH_ALL, TLBI_NH_VA, TLBI_NH_VAA, TLBI_NH_ALL, TLBI_NH_ASID, ATC_INV, CFGI_CD, CFGI_CD_ALL ->
                true;
            default -> false;
        };
    }

    /**
     * Converts one guest command.
     *
     * @param vmid the vIOMMU's VMID
     * @param physicalSid maps a vSID to the pSID, throwing EIO for an unknown one
     * @return the two dwords to issue
     * @throws IommufdException EIO for an opcode the vIOMMU does not accept, or an unknown vSID
     */
    public static long[] convert(long q0, long q1, int vmid, LongToIntFunction physicalSid) {
        int opcode = (int) (q0 & 0xFF);
        long vmidBits = Integer.toUnsignedLong(vmid) << 32;
        return switch (opcode) {
            case TLBI_NSNH_ALL -> new long[] {TLBI_NH_ALL | vmidBits, 0};
            case TLBI_NH_VA, TLBI_NH_VAA, TLBI_NH_ALL, TLBI_NH_ASID -> new long[] {(q0 & ~VMID_MASK) | vmidBits, q1};
            case ATC_INV, CFGI_CD, CFGI_CD_ALL -> {
                int psid = physicalSid.applyAsInt(q0 >>> 32);
                yield new long[] {(q0 & LOW_WORD) | (Integer.toUnsignedLong(psid) << 32), q1};
            }
            default -> throw new IommufdException(Errno.EIO, String.format(
                "guest command opcode 0x%02x is not accepted by a vIOMMU", opcode));
        };
    }
}
