package org.smmuref.kvm.policy;

/**
 * What a VMID policy needs to know about one SMMU instance.
 *
 * @param vmidBits the SMMU's VMID width: 16 if IDR0.VMID16, else 8
 * @param btm IDR0.BTM: the SMMU (and the system) can receive broadcast TLB maintenance
 * @param hyp IDR0.HYP: EL2 / EL2-E2H contexts; needed for BTM when the host runs with VHE
 * @param ptm the CR2.PTM the platform asks for: true keeps the SMMU deaf to broadcasts (what Linux always programs)
 */
public record SmmuVmidFeatures(int vmidBits, boolean btm, boolean hyp, boolean ptm) {

    /** IDR0.BTM. */
    public static final int IDR0_BTM = 1 << 5;
    /** IDR0.HYP. */
    public static final int IDR0_HYP = 1 << 9;
    /** IDR0.VMID16. */
    public static final int IDR0_VMID16 = 1 << 18;

    /** Validates the width. */
    public SmmuVmidFeatures {
        if (vmidBits != 8 && vmidBits != 16) {
            throw new IllegalArgumentException("SMMU VMID width must be 8 or 16 bits, was " + vmidBits);
        }
    }

    /** Reads the features from an IDR0 value, with the PTM the platform asks for. */
    public static SmmuVmidFeatures fromIdr0(int idr0, boolean ptm) {
        return new SmmuVmidFeatures((idr0 & IDR0_VMID16) != 0 ? 16 : 8, (idr0 & IDR0_BTM) != 0,
            (idr0 & IDR0_HYP) != 0, ptm);
    }

    /** The largest VMID the SMMU can hold: 2^vmidBits - 1. */
    public int maxVmid() {
        return (1 << vmidBits) - 1;
    }
}
