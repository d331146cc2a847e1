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

    private GuestCommands() {
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
