package org.smmuref.kvm.policy;

import java.util.Optional;
import org.smmuref.kvm.Vm;

/**
 * The stage-2 VMID one SMMU domain / vIOMMU holds, from its creation until {@link #release}.
 *
 * <p>Releasing runs the SMMU's {@link Quiescer} first and gives the VMID back (unpin, free) only if that completes,
 * so no VMID can be reused while the SMMU may still hold entries tagged with it.
 */
public interface VmidLease {

    /** The VMID to program into STE.S2VMID. */
    int vmid();

    /** Where the VMID comes from. */
    VmidSource source();

    /** The VM the domain belongs to, if the context was tied to one. */
    Optional<Vm> vm();

    /**
     * Whether the VM's own broadcast TLBIs reach the SMMU entries of this VMID (BTM); if false, guest invalidations
     * must be forwarded as commands.
     */
    boolean broadcastMaintenance();

    /** Whether the lease was released. */
    boolean isReleased();

    /**
     * Quiesces the SMMU's use of the VMID, then gives it back.
     *
     * @throws IllegalStateException if already released
     * @throws RuntimeException whatever the quiescer threw; the lease then stays held and may be released again
     */
    void release(Quiescer quiescer);
}
