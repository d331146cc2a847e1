package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.smmu.hw.Bed.fault;
import static org.smmuref.smmu.hw.Bed.ok;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * 52-bit output is a property of the implementation (IDR5.OAS = 52, FEAT_LPA), not of a stream's IPS / S2PS (Arm ARM
 * D8.3): with the 64K granule, descriptor bits [15:12] are OA[51:48] and an output beyond the effective IPS / S2PS is an
 * address-size fault; 64K level-1 (4 TiB) blocks are legal. With a smaller OAS the bits are RES0 and the block is not.
 */
class OutputAddress52Test {
    static final int SID = 2;
    static final long VA = 0x12_3450_0000L;
    static final long VA_BLOCK = 1L << 42;      // a 4 TiB block at level 1
    static final long OUT_BLOCK = 2L << 42;

    /** A 64K-granule stage-1 stream on an SMMU with {@code oas}, IPS = {@code ipsCode}; VA maps to TARGET. */
    static SmmuBed stream(int oas, long ipsCode, PageTableBuilder[] out) {
        SmmuBed bed = new SmmuBed(SmmuFeatures.reference().oas(oas).build());
        PageTableBuilder s1 = PageTableBuilder.stage1(bed.host, bed.hostAllocator, Granule.G64K, 48, 48);
        s1.map(VA, SmmuBed.TARGET, 0x10000, Prot.of("rwun"));
        Map<String, Long> cd = SmmuBed.cd(s1, 1);
        cd.put("TG0", 1L);
        cd.put("IPS", ipsCode);
        bed.writeCd(SmmuBed.CDS, cd);
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 1));
        out[0] = s1;
        return bed;
    }

    static DmaOutcome dma(SmmuBed bed, long va) {
        return bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, va, Access.READ);
    }

    @Test
    void oa_51_48_beyond_ips_is_an_address_size_fault_when_the_smmu_has_a_52_bit_oas() {
        PageTableBuilder[] s1 = new PageTableBuilder[1];
        SmmuBed bed = stream(52, 5, s1); // IPS = 48 bits
        long leaf = s1[0].leafDescriptorAddress(VA);
        bed.memory.writeLong(leaf, bed.memory.readLong(leaf) | 1L << 12); // OA[48] = 1
        DmaOutcome o = dma(bed, VA + 0x88);
        assertThat(o.proceeds()).as("%s", o).isFalse();
        assertThat(bed.event().type()).isEqualTo(EventType.F_ADDR_SIZE);
        // With IPS = 52 the same descriptor translates, OA[48] included.
        SmmuBed wide = stream(52, 6, s1);
        leaf = s1[0].leafDescriptorAddress(VA);
        wide.memory.writeLong(leaf, wide.memory.readLong(leaf) | 1L << 12);
        assertThat(dma(wide, VA + 0x88).physicalAddress()).isEqualTo(1L << 48 | SmmuBed.TARGET | 0x88);
    }

    @Test
    void with_a_48_bit_oas_bits_15_12_are_res0_and_ignored() {
        PageTableBuilder[] s1 = new PageTableBuilder[1];
        SmmuBed bed = stream(48, 5, s1);
        long leaf = s1[0].leafDescriptorAddress(VA);
        bed.memory.writeLong(leaf, bed.memory.readLong(leaf) | 1L << 12);
        assertThat(dma(bed, VA + 0x88).physicalAddress()).isEqualTo(SmmuBed.TARGET | 0x88);
    }

    @Test
    void a_64k_level_1_block_is_legal_with_a_52_bit_oas_whatever_the_ips() {
        for (int oas : new int[] {52, 48}) {
            PageTableBuilder[] s1 = new PageTableBuilder[1];
            SmmuBed bed = stream(oas, 5, s1);
            // The level-1 (initial) table entry for VA_BLOCK: a block, EL0 read/write, AF, inner shareable.
            long root = s1[0].ttb() + (VA_BLOCK >>> 42 << 3);
            bed.memory.writeLong(root, OUT_BLOCK | 1L << 10 | 3L << 8 | 1L << 6 | 1);
            DmaOutcome o = dma(bed, VA_BLOCK + 0x1234_5678L);
            if (oas == 52) {
                assertThat(o.physicalAddress()).as("%s", o).isEqualTo(OUT_BLOCK + 0x1234_5678L);
            } else {
                assertThat(o.proceeds()).isFalse();
                assertThat(bed.event().type()).isEqualTo(EventType.F_TRANSLATION);
            }
        }
    }

    @Test
    void stage_2_keys_the_format_on_the_oas_and_the_fault_on_s2ps() {
        Bed bed = new Bed();
        PageTableBuilder s2 = PageTableBuilder.stage2(bed.host, bed.hostAllocator, Granule.G64K, 40, 48);
        long ipa = 0x45_6780_0000L;
        s2.map(ipa, 0x7_0000_0000L, 0x10000, Prot.of("rw"));
        long leaf = s2.leafDescriptorAddress(ipa);
        bed.memory.writeLong(leaf, bed.memory.readLong(leaf) | 2L << 12); // OA[49] = 1
        Stage2Context c2 = s2.stage2Context(1); // S2PS 48
        Walker lpa = new Walker(bed.memory, new Walker.Implementation(52, false));
        TranslationFault f = fault(lpa.stage2(c2, ipa, Access.READ, FaultClass.IN, ipa));
        assertThat(f.type()).isEqualTo(FaultType.F_ADDR_SIZE);
        assertThat(f.stage2()).isTrue();
        Stage2Context wide = new Stage2Context(1, c2.s2ttb(), c2.t0sz(), c2.startLevel(), Granule.G64K, 52, false,
            false);
        assertThat(ok(lpa.stage2(wide, ipa, Access.READ, FaultClass.IN, ipa)).outputAddress(ipa))
            .isEqualTo(1L << 49 | 0x7_0000_0000L);
        Walker small = new Walker(bed.memory, new Walker.Implementation(48, false));
        assertThat(ok(small.stage2(c2, ipa, Access.READ, FaultClass.IN, ipa)).outputAddress(ipa))
            .isEqualTo(0x7_0000_0000L);
    }
}
