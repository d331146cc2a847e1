package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * QEMU's iommu-smmuv3 qtest cases (S1 only, S2 only, nested; 4K granule, 4-level walks, IOVA 0x8080604567) through the
 * whole device: registers programmed by MMIO, STE / CD / tables written to memory, CFGI_STE + CMD_SYNC through the
 * command queue, then a DMA write of a pattern through the DMA port, read back at the expected PA.
 */
class SmmuQtestDeviceTest {
    static final long IOVA = 0x8080604567L;
    static final int SID = 0x12;
    final SmmuBed bed = new SmmuBed();

    static byte[] pattern(long seed) {
        return ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(seed).putLong(~seed).putLong(seed * 3)
            .putLong(seed ^ 0x5A5A).putLong(1).putLong(2).putLong(3).putLong(4).array();
    }

    void dmaAndCheck(long expectedPa, long seed) {
        byte[] data = pattern(seed);
        DmaTransfer w = bed.smmu.write(SID, Smmu.NO_SUBSTREAM, IOVA, data, 0, data.length);
        assertThat(w.complete()).as("transfer %s", w).isTrue();
        assertThat(w.transferred()).isEqualTo(64);
        byte[] back = new byte[64];
        bed.memory.read(expectedPa, back, 0, 64);
        assertThat(back).isEqualTo(data);
        DmaOutcome o = bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, IOVA, Access.READ);
        assertThat(o).isInstanceOfSatisfying(DmaOutcome.Translated.class, t -> {
            assertThat(t.outputAddress()).isEqualTo(expectedPa);
            assertThat(t.size()).isEqualTo(4096);
        });
        byte[] read = new byte[64];
        assertThat(bed.smmu.read(SID, Smmu.NO_SUBSTREAM, IOVA, read, 0, 64).complete()).isTrue();
        assertThat(read).isEqualTo(data);
        assertThat(bed.events()).isEmpty();
    }

    @Test
    void ns_s1_only() {
        PageTableBuilder s1 = bed.s1();
        assertThat(s1.startLevel()).isZero();
        s1.map(IOVA & ~0xFFFL, SmmuBed.TARGET, 0x1000, Prot.of("rwu"));
        bed.writeCd(SmmuBed.CDS, SmmuBed.cd(s1, 7));
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 3));
        bed.submitSync(Commands.cfgiSte(SID));
        dmaAndCheck(SmmuBed.TARGET + 0x567, 0x1234_5678_9ABC_DEF0L);
    }

    @Test
    void ns_s2_only() {
        PageTableBuilder s2 = bed.s2();
        assertThat(s2.startLevel()).isZero();
        assertThat(s2.sl0()).isEqualTo(2);
        s2.map(IOVA & ~0xFFFL, SmmuBed.TARGET, 0x1000, Prot.of("rw"));
        bed.writeSte(SID, SmmuBed.s2Ste(s2, 5));
        bed.submitSync(Commands.cfgiSte(SID));
        dmaAndCheck(SmmuBed.TARGET + 0x567, 0x0F0F_0F0F_0F0F_0F0FL);
    }

    @Test
    void ns_nested() {
        PageTableBuilder s2 = bed.s2();
        SmmuBed.mapGuestWindow(s2);
        long targetIpa = SmmuBed.GUEST_IPA + SmmuBed.GUEST_SIZE;
        s2.map(targetIpa, SmmuBed.TARGET, 0x1000, Prot.of("rw"));
        PageTableBuilder s1 = bed.guestS1();
        assertThat(s1.startLevel()).isZero();
        s1.map(IOVA & ~0xFFFL, targetIpa, 0x1000, Prot.of("rwu"));
        bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, 9));
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 6, SmmuBed.GUEST_CDS_IPA));
        bed.submitSync(Commands.cfgiSte(SID));
        dmaAndCheck(SmmuBed.TARGET + 0x567, 0x5555_AAAA_5555_AAAAL);
        // The configuration was cached once; the CD and the four stage-1 tables were reached through stage 2.
        assertThat(bed.smmu.configCacheSize()).isEqualTo(1);
    }

    @Test
    void smmu_disabled_follows_gbpa() {
        bed.writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN);
        assertThat(bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, 0x1234, Access.READ))
            .isEqualTo(new DmaOutcome.Bypassed(0x1234));
        assertThat(bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, 1L << 48, Access.READ))
            .isInstanceOfSatisfying(DmaOutcome.Aborted.class, a -> assertThat(a.event()).isNull());
        bed.smmu.write32(SmmuRegisters.GBPA, SmmuRegisters.GBPA_UPDATE | SmmuRegisters.GBPA_ABORT);
        assertThat(bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, 0x1234, Access.READ))
            .isInstanceOfSatisfying(DmaOutcome.Aborted.class, a -> assertThat(a.event()).isNull());
        assertThat(bed.events()).isEmpty();
    }
}
