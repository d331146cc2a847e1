package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The whole device: a guest stage-1 2 MiB block over host stage-2 4 KiB pages, cached as splinters (through the
 * micro-TLB too), is gone after one TLBI_NH_VA + CMD_SYNC at the block's address, as Linux sends for a 2 MiB unmap
 * without range invalidation, and after a broadcast VALE1IS (Arm ARM D8.17; SMMU 4.4, 3.17).
 */
class SmmuSplinterTest {
    static final int SID = 7;
    static final int VMID = 4;
    static final int ASID = 6;
    static final long VA = 0x4020_0000L;             // 2 MiB aligned
    static final long IPA = 0x1_0000_0000L;

    static SmmuBed nestedBlock() {
        SmmuBed bed = new SmmuBed();
        PageTableBuilder s2 = bed.s2();
        SmmuBed.mapGuestWindow(s2);
        for (long off = 0; off < 0x20_0000L; off += 0x1000) { // stage 2 in 4K pages
            s2.map(IPA + off, SmmuBed.TARGET + off, 0x1000, Prot.of("rw"));
        }
        PageTableBuilder s1 = bed.guestS1();
        s1.map(VA, IPA, 0x20_0000L, Prot.of("rwun")); // one 2 MiB block
        bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, ASID));
        bed.writeSte(SID, SmmuBed.nestedSte(s2, VMID, SmmuBed.GUEST_CDS_IPA));
        for (long off : new long[] {0, 0x5000, 0x1F_F000L}) {
            DmaOutcome o = bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, VA + off, Access.READ);
            assertThat(o.physicalAddress()).isEqualTo(SmmuBed.TARGET + off);
            assertThat(((DmaOutcome.Translated) o).translation().sizeShift()).as("a splinter").isEqualTo(12);
        }
        s1.unmap(VA, 0x20_0000L);
        return bed;
    }

    static void assertGone(SmmuBed bed) {
        for (long off : new long[] {0, 0x5000, 0x1F_F000L}) {
            assertThat(bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, VA + off, Access.READ).proceeds())
                .as("VA+0x%x after the invalidation", off).isFalse();
            assertThat(bed.smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, VA + off, Access.READ))
                .isEqualTo(Smmu.NO_ADDRESS);
        }
    }

    @Test
    void one_tlbi_nh_va_at_the_block_address_removes_every_splinter() {
        SmmuBed bed = nestedBlock();
        bed.submitSync(Commands.tlbiNhVa(VMID, ASID, VA, true));
        assertGone(bed);
    }

    @Test
    void a_broadcast_vale1is_inside_the_block_removes_every_splinter() {
        SmmuBed bed = nestedBlock();
        assertThat(bed.smmu.broadcast(new TlbInvalidation.NhVa(VMID, ASID, VA + 0x12_3000L,
            TlbInvalidation.Range.SINGLE, true, true))).isTrue();
        assertGone(bed);
    }
}
