package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.Vcpu;
import org.smmuref.kvm.Vm;
import org.smmuref.smmu.hw.TlbInvalidation.Range;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.platform.BtmPort;

/**
 * The BTM input: a broadcast invalidates only with IDR0.BTM=1, CR2.PTM=0 and SMMUEN=1; ASID-scoped broadcasts skip
 * entries of CDs with ASET=1 while commands and VMALLE1IS do not; illegal broadcasts are ignored; and a KVM guest's
 * TLBI reaches the SMMU through a {@link BtmPort} when the STE's S2VMID is the VM's KVM VMID.
 */
class SmmuBtmTest {
    static final int SID = 4;
    static final long VA = 0x7000_0000L;

    /** A stage-1 stream (ASID 3, S2VMID vmid) with VA mapped non-global; returns the bed after one cached DMA. */
    static SmmuBed cached(SmmuFeatures f, int cr2, int vmid, boolean aset) {
        SmmuBed bed = new SmmuBed(f, Smmu.Options.DEFAULT, cr2);
        PageTableBuilder s1 = bed.s1();
        s1.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("rwun"));
        Map<String, Long> cd = SmmuBed.cd(s1, 3);
        cd.put("ASET", aset ? 1L : 0L);
        bed.writeCd(SmmuBed.CDS, cd);
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, vmid));
        assertThat(dma(bed).proceeds()).isTrue();
        s1.unmap(VA, 0x1000); // the TLB now holds a stale entry until something invalidates it
        return bed;
    }

    static DmaOutcome dma(SmmuBed bed) {
        return bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, VA, Access.READ);
    }

    static final SmmuFeatures BTM = SmmuFeatures.reference().build();
    static final TlbInvalidation VAE1 = new TlbInvalidation.NhVa(5, 3, VA, Range.SINGLE, true, true);

    @Test
    void broadcast_applies_with_btm_and_without_ptm() {
        SmmuBed bed = cached(BTM, SmmuRegisters.CR2_RECINVSID, 5, false);
        assertThat(bed.smmu.broadcast(new TlbInvalidation.NhVa(6, 3, VA, Range.SINGLE, true, true)))
            .as("applied, but another VMID").isTrue();
        assertThat(dma(bed).proceeds()).isTrue();
        assertThat(bed.smmu.broadcast(VAE1)).isTrue();
        assertThat(dma(bed).proceeds()).isFalse();
    }

    @Test
    void broadcast_is_ignored_with_ptm_without_btm_or_while_disabled() {
        SmmuBed ptm = cached(BTM, SmmuRegisters.CR2_RECINVSID | SmmuRegisters.CR2_PTM, 5, false);
        assertThat(ptm.smmu.broadcast(VAE1)).isFalse();
        assertThat(dma(ptm).proceeds()).as("stale entry survives: PTM=1").isTrue();

        SmmuBed noBtm = cached(SmmuFeatures.reference().btm(false).build(), SmmuRegisters.CR2_RECINVSID, 5, false);
        assertThat(noBtm.smmu.broadcast(VAE1)).isFalse();
        assertThat(dma(noBtm).proceeds()).isTrue();

        SmmuBed off = cached(BTM, SmmuRegisters.CR2_RECINVSID, 5, false);
        off.writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN);
        assertThat(off.smmu.broadcast(new TlbInvalidation.NsnhAll())).isFalse();
        off.writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN | SmmuRegisters.CR0_SMMUEN);
        assertThat(dma(off).proceeds()).isTrue();
    }

    @Test
    void asid_scoped_broadcasts_skip_aset1_entries_but_commands_and_vmalle1_do_not() {
        SmmuBed bed = cached(BTM, SmmuRegisters.CR2_RECINVSID, 5, true);
        assertThat(bed.smmu.broadcast(VAE1)).isTrue();
        assertThat(bed.smmu.broadcast(new TlbInvalidation.NhAsid(5, 3, true))).isTrue();
        // Callers that forget the broadcast flag still get broadcast semantics.
        assertThat(bed.smmu.broadcast(new TlbInvalidation.NhAsid(5, 3, false))).isTrue();
        assertThat(dma(bed).proceeds()).as("ASET=1 opts out of ASID-scoped broadcasts").isTrue();
        assertThat(bed.smmu.broadcast(new TlbInvalidation.NhAll(5))).isTrue();
        assertThat(dma(bed).proceeds()).isFalse();

        SmmuBed cmd = cached(BTM, SmmuRegisters.CR2_RECINVSID, 5, true);
        cmd.submitSync(Commands.tlbiNhAsid(5, 3));
        assertThat(dma(cmd).proceeds()).as("commands match by ASID irrespective of ASET").isFalse();
    }

    @Test
    void illegal_broadcasts_are_ignored() {
        SmmuFeatures s1Only = SmmuFeatures.reference().s2p(false).hyp(false).build();
        SmmuBed bed = cached(s1Only, SmmuRegisters.CR2_RECINVSID, 0, false);
        assertThat(bed.smmu.broadcast(new TlbInvalidation.S2Ipa(5, VA, Range.SINGLE, true))).isFalse();
        assertThat(bed.smmu.broadcast(new TlbInvalidation.El2All())).isFalse();
        // Without stage 2, stage-1 entries carry VMID 0: only VMID-0 broadcasts reach them.
        assertThat(bed.smmu.broadcast(new TlbInvalidation.NhAll(5))).isTrue();
        assertThat(dma(bed).proceeds()).isTrue();
        assertThat(bed.smmu.broadcast(new TlbInvalidation.NhAll(0))).isTrue();
        assertThat(dma(bed).proceeds()).isFalse();
    }

    @Test
    void a_guest_tlbi_reaches_the_smmu_through_the_btm_port_when_s2vmid_is_the_kvm_vmid() {
        Kvm kvm = new Kvm(KvmConfig.of(16, 2));
        Vm vm = kvm.createVm();
        Vcpu vcpu = vm.createVcpu();
        vcpu.load(0);
        int vmid = vcpu.vttbrVmid();
        SmmuBed shared = cached(BTM, SmmuRegisters.CR2_RECINVSID, vmid, false);
        SmmuBed other = cached(BTM, SmmuRegisters.CR2_RECINVSID, vmid + 1, false);
        BtmPort port = new BtmPort(shared.smmu);
        Kvm.Subscription a = kvm.subscribe(port);
        Kvm.Subscription b = BtmPort.connect(kvm, other.smmu);
        vcpu.tlbi(new Tlbi.Vae1is(3, VA, true));
        a.close();
        b.close();
        vcpu.tlbi(new Tlbi.Vmalle1is());
        assertThat(port.delivered()).isEqualTo(1);
        assertThat(port.applied()).isEqualTo(1);
        assertThat(dma(shared).proceeds()).as("tagged with the VM's VMID: invalidated").isFalse();
        assertThat(dma(other).proceeds()).as("another VMID: the stale entry survives").isTrue();
    }
}
