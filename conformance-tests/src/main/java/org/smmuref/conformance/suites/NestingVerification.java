package org.smmuref.conformance.suites;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.conformance.Capability;
import org.smmuref.conformance.tck.NestedGuest;
import org.smmuref.conformance.tck.Smmu;
import org.smmuref.conformance.tck.Verification;
import org.smmuref.conformance.tck.Vmm;
import org.smmuref.iommufd.platform.DmaRequest;
import org.smmuref.iommufd.platform.DmaResult;
import org.smmuref.iommufd.uapi.Errno;

/**
 * Nesting: vSTE validation ({@code arm_smmu_validate_vste}, spec sheet §2.2, allow masks 0xf80fffffffffffff /
 * 0x380000ff) and DMA through guest stage 1 over host stage 2.
 */
public class NestingVerification extends Verification {

    @BeforeEach
    void needsNesting() {
        requires(Capability.NESTING);
    }

    private Errno allocWith(long w0, long w1) {
        Vmm v = vmm();
        int dev = v.bind(0);
        int viommu = v.viommu(dev, v.nestParent(dev));
        v.vdevice(viommu, dev, NestedGuest.VSID);
        String r = outcome(() -> v.nested(dev, viommu, new long[] {w0, w1}));
        v.close();
        return r.equals("success") ? null : Errno.valueOf(r);
    }

    /** arm_smmu_validate_vste step 2: a vSTE bit outside the allow masks is EIO (MEV, S2FWB, STRW, word0 bit 52). */
    @Test
    public void required_nest_0101_vsteBitOutsideAllowMaskIsEio() {
        long[] base = Smmu.s1Vste(NestedGuest.CD_IPA);
        long[][] bad = {{0, 1L << 19}, {0, 1L << 25}, {0, 2L << 30}, {1L << 52, 0}};
        for (long[] b : bad) {
            check(String.format("HWPT_ALLOC vSTE {0x%x, 0x%x}", base[0] | b[0], base[1] | b[1]), Errno.EIO,
                allocWith(base[0] | b[0], base[1] | b[1]));
        }
    }

    /** arm_smmu_validate_vste step 3: Config S2_TRANS (6) or NESTED (7) is EIO. */
    @Test
    public void required_nest_0102_vsteConfigStage2OrNestedIsEio() {
        long[] base = Smmu.s1Vste(NestedGuest.CD_IPA);
        for (long cfg : new long[] {6, 7}) {
            long w0 = (base[0] & ~0xeL) | cfg << 1;
            check(String.format("HWPT_ALLOC vSTE Config=%d", cfg), Errno.EIO, allocWith(w0, base[1]));
        }
    }

    /** arm_smmu_validate_vste step 4: EATS = S1CHK (2) is EIO. */
    @Test
    public void required_nest_0103_vsteEatsS1chkIsEio() {
        long[] base = Smmu.s1Vste(NestedGuest.CD_IPA);
        check("HWPT_ALLOC vSTE EATS=2", Errno.EIO, allocWith(base[0], base[1] | 2L << 28));
    }

    /** A well-formed stage-1 vSTE within the masks is accepted. */
    @Test
    public void required_nest_0104_vsteWithinMasksIsAccepted() {
        long[] base = Smmu.s1Vste(NestedGuest.CD_IPA);
        check("HWPT_ALLOC vSTE S1 translate", null, allocWith(base[0], base[1]));
    }

    /** Nested DMA: a device write at guest VA lands at the guest page its stage 1 maps (then stage 2: IOVA = IPA). */
    @Test
    public void required_nest_0201_nestedDmaReachesTheGuestPage() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        byte[] payload = "nested DMA".getBytes(StandardCharsets.US_ASCII);
        int sid = g.vmm.streamIds().get(0);
        DmaResult w = g.vmm.platform.dma(DmaRequest.write(target.iommu(), sid, NestedGuest.DMA_VA + 0x10, payload));
        check("DMA write VA+0x10", DmaResult.Outcome.COMPLETED, w.outcome());
        check("guest RAM at DATA_IPA+0x10", new String(payload, StandardCharsets.US_ASCII),
            new String(g.vmm.platform.readGuest(g.vmm.ctx, NestedGuest.DATA_IPA + 0x10, payload.length),
                StandardCharsets.US_ASCII));
    }

    /** A guest stage-1 translation fault reaches the vEVENTQ as F_TRANSLATION (0x10) with the input address. */
    @Test
    public void required_nest_0301_stage1FaultIsReportedToTheGuest() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        long va = NestedGuest.DMA_VA + 0x10_0000;
        DmaResult r = g.vmm.read(0, va, 4);
        check("DMA read of an unmapped VA proceeds", false, r.proceeded());
        var events = g.events();
        check("vEVENTQ records", 1, events.size());
        check("event type", Smmu.F_TRANSLATION, events.get(0).type());
        check("input address", va, events.get(0).inputAddress());
    }

    /**
     * A stage-2 fault on the guest's output IPA (outside the IOAS) reaches the vEVENTQ as F_TRANSLATION with S2 = 1
     * (dword 1 bit 39), CLASS = IN (dword 1 [41:40] = 0b10) and the IPA in dword 3 [55:12] (SMMUv3 event record).
     */
    @Test
    public void required_nest_0302_stage2FaultCarriesS2ClassAndIpa() {
        NestedGuest g = new NestedGuest(vmm(), 8);
        long va = NestedGuest.DMA_VA + 0x20_0000;
        long ipa = Vmm.GUEST_IPA + Vmm.GUEST_SIZE + 0x10_0000;
        g.vmm.platform.mapStage1(g.vmm.ctx, g.table.id(), va, ipa, 0x1000, "rwun");
        check("DMA read through an IPA outside the IOAS proceeds", false, g.vmm.read(0, va + 0x18, 4).proceeded());
        var events = g.events();
        check("vEVENTQ records", 1, events.size());
        long[] evt = events.get(0).evt();
        check("event type", Smmu.F_TRANSLATION, events.get(0).type());
        check("S2", 1L, (evt[1] >>> 39) & 1);
        check("CLASS (IN = 2)", 2L, (evt[1] >>> 40) & 3);
        check("input address", va + 0x18, evt[2]);
        check("IPA", ipa, evt[3] & 0x00ff_ffff_ffff_f000L);
    }
}
