package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.List;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.smmu.hw.TlbInvalidation;
import org.smmuref.smmu.pgtable.PageTableException;

/**
 * How a domain turns an unmapped range into TLB invalidation commands, shared by the stage-1 and stage-2 domains
 * (the kernel's arm_smmu_tlb_inv_range_cmd): range commands of at most 32 x 2^SCALE pages where IDR3.RIL, else one
 * command per 4 KB page up to {@link #MAX_PAGE_TLBIS} pages, else one command that drops the whole ASID or VMID.
 */
final class RangeInvalidation {
    /** Above this many 4 KB pages without range invalidation, one whole-ASID/VMID command is cheaper. */
    static final int MAX_PAGE_TLBIS = 256;

    /** One by-address command (TLBI_NH_VA or TLBI_S2_IPA) at an address, over a range or a single page. */
    @FunctionalInterface
    interface AddressCommand {
        long[] at(long address, TlbInvalidation.Range range);
    }

    private RangeInvalidation() {
    }

    /**
     * The commands that cover {@code [iova, iova + length)}: {@code byAddress} for each piece, {@code whole} where the
     * range is beyond what SCALE can express (over 8 TB) or too many pages without RIL.
     */
    static List<long[]> commands(boolean ril, long iova, long length, AddressCommand byAddress, long[] whole) {
        List<long[]> cmds = new ArrayList<>();
        long pages = (length + 0xFFF) >>> 12;
        long addr = iova & ~0xFFFL;
        if (ril) {
            while (pages > 0) {
                int scale = Long.numberOfTrailingZeros(pages);
                if (scale > 31) {
                    cmds.add(whole);
                    break;
                }
                // pages >>> scale is odd, so num >= 1; one command covers num x 2^scale pages.
                int num = (int) ((pages >>> scale) & 31);
                TlbInvalidation.Range range = num == 1 && scale == 0 ? TlbInvalidation.Range.SINGLE
                    : new TlbInvalidation.Range(12, scale, num - 1, 0); // NUM=SCALE=TTL=0 is a reserved encoding
                cmds.add(byAddress.at(addr, range));
                long done = (long) num << scale;
                pages -= done;
                addr += done << 12;
            }
        } else if (pages > MAX_PAGE_TLBIS) {
            cmds.add(whole);
        } else {
            for (long i = 0; i < pages; i++) {
                cmds.add(byAddress.at(addr + (i << 12), TlbInvalidation.Range.SINGLE));
            }
        }
        return cmds;
    }

    /** A page-table builder's refusal as the errno a map or unmap returns: ENOMEM when out of table memory. */
    static IommufdException refused(String what, PageTableException e) {
        return new IommufdException(e.reason() == PageTableException.Reason.OUT_OF_TABLE_MEMORY ? Errno.ENOMEM
            : Errno.EINVAL, what + " refused: " + e.getMessage());
    }
}
