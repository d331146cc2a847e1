package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * TLB tags the device derives from the STE and CR2: stage-1-only NS-EL1 streams are tagged with STE.S2VMID when the
 * SMMU has stage 2 (VMID 0 without it), and STRW=EL2 streams use the EL2 or EL2-E2H regime per CR2.E2H.
 */
class SmmuTlbTagTest {
    static final long VA = 0x3000_0000L;

    /** Maps VA for {@code sid} (ASID 1, S2VMID vmid) to TARGET + index pages; returns the stage-1 tables. */
    static PageTableBuilder stream(SmmuBed bed, int sid, int vmid, int index, Map<String, Long> steExtra) {
        PageTableBuilder s1 = bed.s1();
        s1.map(VA, SmmuBed.TARGET + index * 0x1000L, 0x1000, Prot.of("rwun"));
        bed.writeCd(SmmuBed.CDS + index * 64L, SmmuBed.cd(s1, 1));
        Map<String, Long> ste = SmmuBed.s1Ste(SmmuBed.CDS + index * 64L, vmid);
        ste.putAll(steExtra);
        bed.writeSte(sid, ste);
        return s1;
    }

    static long pa(SmmuBed bed, int sid) {
        DmaOutcome o = bed.smmu.translate(sid, Smmu.NO_SUBSTREAM, VA, Access.PRIV_READ);
        return o.proceeds() ? o.physicalAddress() : -1;
    }

    @Test
    void stage1_only_streams_are_tagged_with_s2vmid() {
        SmmuBed bed = new SmmuBed();
        PageTableBuilder a = stream(bed, 1, 10, 0, Map.of());
        PageTableBuilder b = stream(bed, 2, 11, 1, Map.of());
        assertThat(pa(bed, 1)).isEqualTo(SmmuBed.TARGET);
        assertThat(pa(bed, 2)).as("same ASID and VA, other VMID: no shared entry").isEqualTo(SmmuBed.TARGET + 0x1000);
        a.unmap(VA, 0x1000);
        b.unmap(VA, 0x1000);
        bed.submitSync(Commands.tlbiNhAsid(10, 1));
        assertThat(pa(bed, 1)).isEqualTo(-1);
        assertThat(pa(bed, 2)).as("VMID 11 untouched").isEqualTo(SmmuBed.TARGET + 0x1000);
        bed.events();
    }

    @Test
    void without_stage2_entries_carry_vmid_0_and_command_vmids_are_ignored() {
        SmmuBed bed = new SmmuBed(SmmuFeatures.reference().s2p(false).hyp(false).build());
        PageTableBuilder a = stream(bed, 1, 0, 0, Map.of());
        assertThat(pa(bed, 1)).isEqualTo(SmmuBed.TARGET);
        a.unmap(VA, 0x1000);
        bed.submitSync(Commands.tlbiNhAsid(0x55, 1)); // VMID is RES0 on an SMMU without stage 2
        assertThat(pa(bed, 1)).isEqualTo(-1);
        bed.events();
    }

    @Test
    void el2_streams_use_the_el2_regime_and_el2_e2h_with_cr2_e2h() {
        SmmuBed el2 = new SmmuBed();
        PageTableBuilder a = stream(el2, 1, 10, 0, Map.of("STRW", 0b10L));
        assertThat(pa(el2, 1)).isEqualTo(SmmuBed.TARGET);
        a.unmap(VA, 0x1000);
        el2.submitSync(Commands.tlbiNhAll(10), Commands.tlbiNsnhAll(), Commands.tlbiEl2Asid(1));
        assertThat(pa(el2, 1)).as("EL2 entries: no ASID, untouched by EL1 and ASID commands").isEqualTo(SmmuBed.TARGET);
        el2.submitSync(Commands.tlbiEl2All());
        assertThat(pa(el2, 1)).isEqualTo(-1);
        el2.events();

        SmmuBed e2h = new SmmuBed(SmmuFeatures.reference().build(), Smmu.Options.DEFAULT,
            SmmuRegisters.CR2_RECINVSID | SmmuRegisters.CR2_E2H);
        PageTableBuilder b = stream(e2h, 1, 10, 0, Map.of("STRW", 0b10L));
        assertThat(pa(e2h, 1)).isEqualTo(SmmuBed.TARGET);
        b.unmap(VA, 0x1000);
        e2h.submitSync(Commands.tlbiEl2Asid(2));
        assertThat(pa(e2h, 1)).as("another ASID").isEqualTo(SmmuBed.TARGET);
        e2h.submitSync(Commands.tlbiEl2Asid(1));
        assertThat(pa(e2h, 1)).isEqualTo(-1);
    }
}
