package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * CR0.VMW: with IDR0.VMW=1, invalidations (commands and broadcasts) ignore that many VMID LSBs; lookups never do;
 * reserved encodings behave as 0b000.
 */
class SmmuVmidWildcardTest {
    static final SmmuFeatures VMW = SmmuFeatures.reference().vmw(true).build();
    static final int ENABLED = SmmuRegisters.CR0_SMMUEN | SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN;

    private static SmmuBed cachedWithVmw(int vmid, int vmw) {
        SmmuBed bed = SmmuBtmTest.cached(VMW, SmmuRegisters.CR2_RECINVSID, vmid, false);
        // CR0.VMW may change while SMMUEN stays set; it only affects invalidation matching.
        bed.writeCr0(ENABLED | vmw << 6);
        return bed;
    }

    @Test
    void a_wildcard_widens_a_command_to_the_vmids_sharing_the_upper_bits() {
        SmmuBed bed = cachedWithVmw(5, 0b010); // matches VMID[15:2]: 4..7
        bed.submitSync(Commands.tlbiNhAll(6));
        assertThat(SmmuBtmTest.dma(bed).proceeds()).as("VMID 5 is in 4..7, so its stale entry went").isFalse();
    }

    @Test
    void a_wildcard_does_not_reach_vmids_outside_the_group() {
        SmmuBed bed = cachedWithVmw(5, 0b001); // matches VMID[15:1]: 4..5 for 5, 6..7 for 6
        bed.submitSync(Commands.tlbiNhAll(6));
        assertThat(SmmuBtmTest.dma(bed).proceeds()).as("VMID 5 is not in 6..7").isTrue();
        bed.submitSync(Commands.tlbiNhAll(4));
        assertThat(SmmuBtmTest.dma(bed).proceeds()).isFalse();
    }

    @Test
    void without_a_wildcard_invalidation_is_exact() {
        SmmuBed bed = cachedWithVmw(5, 0);
        bed.submitSync(Commands.tlbiNhAll(4));
        assertThat(SmmuBtmTest.dma(bed).proceeds()).isTrue();
        bed.submitSync(Commands.tlbiNhAll(5));
        assertThat(SmmuBtmTest.dma(bed).proceeds()).isFalse();
    }

    @Test
    void reserved_encodings_behave_as_exact_matching() {
        SmmuBed bed = cachedWithVmw(5, 0b111);
        bed.submitSync(Commands.tlbiNhAll(4));
        assertThat(SmmuBtmTest.dma(bed).proceeds()).as("0b111 is reserved and behaves as 0b000").isTrue();
    }

    @Test
    void broadcasts_are_widened_too() {
        SmmuBed bed = cachedWithVmw(5, 0b011); // matches VMID[15:3]: 0..7
        assertThat(bed.smmu.broadcast(new TlbInvalidation.NhAll(2))).isTrue();
        assertThat(SmmuBtmTest.dma(bed).proceeds()).isFalse();
    }
}
