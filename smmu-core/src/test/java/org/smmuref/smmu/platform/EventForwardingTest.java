package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.smmu.driver.CdWords;
import org.smmuref.smmu.driver.HostEvent;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;

/**
 * Faults of nested devices reach the vIOMMU's vEVENTQ with the vSID, in order; the host keeps, and says why, what it
 * cannot forward.
 */
class EventForwardingTest {
    private static final int SID = 0x8;
    private static final long VSID = 0x77;
    private static final long CD_IPA = NestingBed.GUEST_IPA;
    private static final long TABLES_IPA = NestingBed.GUEST_IPA + 0x10_0000;

    private final SmmuPlatform platform = Machines.reference();
    private final NestingBed vmm = new NestingBed(platform).tie();
    private final int dev = vmm.bind(SID);
    private final int parent = vmm.nestParent(dev);
    private final int viommu = vmm.viommu(dev, parent);

    /** A guest whose stage 1 maps nothing: every DMA is an F_TRANSLATION at stage 1. */
    private void attachEmptyStage1() {
        PageTableBuilder s1 = PageTableBuilder.stage1(vmm.guest.tableMemory(), new PageAllocator(TABLES_IPA, 1 << 20),
            Granule.G4K, 48, 48);
        vmm.guest.writeLongs(CD_IPA, CdWords.s1(1, s1.ttb(), s1.tsz(), Granule.G4K, 5, 0xFF));
        vmm.vdevice(viommu, dev, VSID);
        vmm.iommufd.attachDevice(vmm.ctx, dev, vmm.nested(dev, viommu, NestingBed.s1Vste(CD_IPA)[0], 0));
    }

    @Test
    void faultsArriveInOrderWithTheVsidAndConsecutiveSequences() {
        attachEmptyStage1();
        IommuVeventqAlloc q = vmm.veventq(viommu, 8);
        for (int i = 0; i < 3; i++) {
            assertThat(platform.translate(0, SID, 0x40_0000L + i * 0x1000L, Access.READ).proceeds()).isFalse();
        }
        byte[] out = vmm.iommufd.read(q.outVeventqFd(), 4096);
        assertThat(out).hasSize(3 * 40);
        for (int i = 0; i < 3; i++) {
            long[] header = NestingBed.longs(out, 40 * i, 1);
            long[] evt = NestingBed.longs(out, 40 * i + 8, 4);
            assertThat(header[0] >>> 32).as("sequence").isEqualTo(i);
            assertThat(evt[0] & 0xFF).isEqualTo(0x10);
            assertThat(evt[0] >>> 32).isEqualTo(VSID);
            assertThat(evt[2]).isEqualTo(0x40_0000L + i * 0x1000L);
        }
        assertThat(platform.driver(0).eventsForwarded()).isEqualTo(3);
    }

    @Test
    void aBadCdIsForwardedToo() {
        vmm.guest.writeLongs(CD_IPA, new long[8]);
        vmm.vdevice(viommu, dev, VSID);
        vmm.iommufd.attachDevice(vmm.ctx, dev, vmm.nested(dev, viommu, NestingBed.s1Vste(CD_IPA)[0], 0));
        IommuVeventqAlloc q = vmm.veventq(viommu, 8);
        assertThat(platform.translate(0, SID, 0x1000, Access.READ).proceeds()).isFalse();
        long[] evt = NestingBed.longs(vmm.iommufd.read(q.outVeventqFd(), 4096), 8, 4);
        assertThat(evt[0] & 0xFF).as("C_BAD_CD").isEqualTo(0x0a);
        assertThat(evt[0] >>> 32).isEqualTo(VSID);
    }

    @Test
    void withoutAVeventqTheHostKeepsTheEventAndSaysSo() {
        attachEmptyStage1();
        platform.translate(0, SID, 0x5000, Access.WRITE);
        assertThat(platform.driver(0).hostEvents()).singleElement().satisfies(e -> {
            assertThat(e.eventId()).isEqualTo(0x10);
            assertThat(e.streamId()).as("the host sees the physical SID").isEqualTo(SID);
            assertThat(e.reason()).contains("not forwarded").contains("vEVENTQ");
        });
        assertThat(platform.driver(0).eventsForwarded()).isZero();
    }

    @Test
    void aDeviceOnAPlainStage2KeepsItsFaultsOnTheHost() {
        int other = vmm.bind(0x9);
        int s2 = vmm.iommufd.hwptAlloc(vmm.ctx, Requests.hwptAlloc(0, other, vmm.ioas)).outHwptId();
        vmm.iommufd.attachDevice(vmm.ctx, other, s2);
        assertThat(platform.translate(0, 0x9, NestingBed.GUEST_IPA + 0x40, Access.READ).physicalAddress())
            .isEqualTo(vmm.guest.pa(NestingBed.GUEST_IPA + 0x40));
        assertThat(platform.translate(0, 0x9, 0x1000, Access.READ).proceeds()).as("IPA outside guest RAM").isFalse();
        HostEvent e = platform.driver(0).hostEvents().get(0);
        assertThat(e.streamId()).isEqualTo(0x9);
        assertThat(e.reason()).contains("not attached to a nested domain");
    }

    @Test
    void anEventQueueOverflowIsReportedNotSilent() {
        attachEmptyStage1();
        IommuVeventqAlloc q = vmm.veventq(viommu, 1024);
        // Faults without taking the interrupt in between: the SMMU's 128-entry queue overflows.
        for (int i = 0; i < 200; i++) {
            platform.smmu(0).translate(SID, org.smmuref.smmu.hw.Smmu.NO_SUBSTREAM, 0x100_0000L + i * 0x1000L,
                Access.READ);
        }
        platform.deliverInterrupts();
        assertThat(platform.driver(0).hostEvents()).singleElement()
            .satisfies(e -> assertThat(e.reason()).contains("overflowed"));
        byte[] out = vmm.iommufd.read(q.outVeventqFd(), 1 << 16);
        assertThat(out.length / 40).as("every record the SMMU kept was forwarded").isEqualTo(128);
        assertThat(NestingBed.longs(out, 8, 1)[0] >>> 32).isEqualTo(VSID);
    }
}
