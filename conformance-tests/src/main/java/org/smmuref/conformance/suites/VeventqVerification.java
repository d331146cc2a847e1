package org.smmuref.conformance.suites;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.conformance.Capability;
import org.smmuref.conformance.tck.NestedGuest;
import org.smmuref.conformance.tck.VEvent;
import org.smmuref.conformance.tck.Verification;
import org.smmuref.iommufd.platform.DmaRequest;

/**
 * vEVENTQ (drivers/iommu/iommufd/eventq.c; spec sheet §1.9 and §2.8): records in order with the vSID, consecutive
 * sequence numbers, and a LOST_EVENTS header when the queue overflowed.
 */
public class VeventqVerification extends Verification {

    @BeforeEach
    void needsVeventq() {
        requires(Capability.NESTING);
        requires(Capability.VEVENTQ);
    }

    private static List<DmaRequest> faults(int iommu, int sid, int n) {
        List<DmaRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(DmaRequest.read(iommu, sid, NestedGuest.DMA_VA + 0x10_0000 + 0x1000L * i, 4));
        }
        return out;
    }

    /** iommu_vevent_arm_smmuv3: the StreamID field carries the vSID the VMM gave the vDEVICE, never the pSID. */
    @Test
    public void required_vevent_0101_eventCarriesTheVsid() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        g.vmm.read(0, NestedGuest.DMA_VA + 0x10_0000, 4);
        List<VEvent> e = g.events();
        check("vEVENTQ records after one fault", 1, e.size());
        check("StreamID field of the vEVENT", NestedGuest.VSID, e.get(0).sid());
    }

    /** Records arrive in fault order with sequence numbers that go up by one. */
    @Test
    public void required_vevent_0102_recordsInOrderWithConsecutiveSequences() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        List<DmaRequest> burst = faults(target.iommu(), g.vmm.streamIds().get(0), 3);
        g.vmm.platform.dmaBurst(burst);
        List<VEvent> e = g.events();
        check("records after 3 faults", 3, e.size());
        for (int i = 0; i < 3; i++) {
            check("record " + i + " input address", burst.get(i).address(), e.get(i).inputAddress());
            check("record " + i + " sequence", e.get(0).sequence() + i, e.get(i).sequence());
        }
    }

    /**
     * iommufd_viommu_report_event: when the queue is full the LOST_EVENTS header is queued last instead of the
     * event; so after an overflow the reader sees the kept records and then one LOST_EVENTS header.
     */
    @Test
    public void required_vevent_0103_overflowIsReportedAsLostEvents() {
        NestedGuest g = new NestedGuest(vmm(), 2);
        g.vmm.platform.dmaBurst(faults(target.iommu(), g.vmm.streamIds().get(0), 5));
        List<VEvent> e = g.events();
        check("records after 5 faults into a queue of depth 2", "2 events then LOST_EVENTS",
            (e.size() == 3 && !e.get(0).lost() && !e.get(1).lost() && e.get(2).lost())
                ? "2 events then LOST_EVENTS" : e.toString());
    }
}
