package org.smmuref.conformance;

/** A feature a conformance test may need; a target that lacks it gets the test reported as not applicable. */
public enum Capability {
    /** Stage-1 and stage-2 translation (IDR0.S1P and IDR0.S2P): iommufd nesting. */
    NESTING,
    /** Broadcast TLB maintenance (IDR0.BTM, bit 5). */
    BTM,
    /** Two-level CD tables (IDR0.CD2L, bit 19). */
    CD_2LVL,
    /** Range invalidation (IDR3.RIL, bit 10). */
    RIL,
    /** ATS (IDR0.ATS, bit 10). */
    ATS,
    /** The March 2023 v1 nesting uAPI besides upstream's. */
    V1_ABI,
    /** A KVM host: VMs, vCPUs, broadcast TLBIs and VMIDs shared with KVM. */
    KVM,
    /** vEVENTQ allocation and vEVENT reads. */
    VEVENTQ,
    /** Register-level access: MMIO reads and writes, physical memory, the host event records. */
    HARDWARE
}
