package org.smmuref.smmu.driver;

import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;

/**
 * {@code arm_smmu_validate_vste} (iommufd-driver.md section 2.2), in the kernel's order: V=0 is accepted as an
 * all-zero vSTE; any bit outside the nesting masks, a Config other than abort / bypass / stage-1, or EATS other than
 * 0 / 1 is EIO ("EIO is reserved for invalid STE data"). EATS is taken out of the stored qword 1.
 */
public final class VsteValidator {
    private VsteValidator() {
    }

    /**
     * A validated vSTE.
     *
     * @param ste0 qword 0 as the guest wrote it (all zero when V was 0)
     * @param ste1 qword 1 without EATS
     * @param enableAts Config is stage-1 and EATS is TRANS
     */
    public record Vste(long ste0, long ste1, boolean enableAts) {
        /** The guest's Config (abort when V is 0). */
        public int config() {
            return (ste0 & 1) == 0 ? SteWords.CFG_ABORT : (int) ((ste0 >>> 1) & 7);
        }
    }

    /** Validates the guest's STE qwords 0 and 1. */
    public static Vste validate(long ste0, long ste1) {
        if ((ste0 & 1) == 0) {
            return new Vste(0, 0, false);
        }
        if ((ste0 & ~SteWords.NESTING_ALLOWED_0) != 0 || (ste1 & ~SteWords.NESTING_ALLOWED_1) != 0) {
            throw new IommufdException(Errno.EIO, String.format("vSTE sets bits outside the nesting masks:"
                + " qword0 0x%x, qword1 0x%x", ste0 & ~SteWords.NESTING_ALLOWED_0,
                ste1 & ~SteWords.NESTING_ALLOWED_1));
        }
        int cfg = (int) ((ste0 >>> 1) & 7);
        if (cfg != SteWords.CFG_ABORT && cfg != SteWords.CFG_BYPASS && cfg != SteWords.CFG_S1_TRANS) {
            throw new IommufdException(Errno.EIO, "vSTE Config " + cfg + " is not abort (0), bypass (4) or"
                + " stage-1 translate (5)");
        }
        long eatsMask = 3L << 28;
        int eats = (int) ((ste1 & eatsMask) >>> 28);
        if (eats != 0 && eats != SteWords.EATS_TRANS) {
            throw new IommufdException(Errno.EIO, "vSTE EATS " + eats + " is not 0 (no ATS) or 1 (full ATS)");
        }
        return new Vste(ste0, ste1 & ~eatsMask, cfg == SteWords.CFG_S1_TRANS && eats == SteWords.EATS_TRANS);
    }
}
