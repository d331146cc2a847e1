package org.smmuref.smmu.driver;

/**
 * Something that tags guest stage-1 translations over a nest-parent {@link S2Domain} with its own VMID: a vSMMU, or a
 * v1 nested domain. The parent invalidates each one's VMID when its stage 2 changes.
 */
interface NestedContext {
    /** The VMID in the STEs of this context. */
    int vmid();
}
