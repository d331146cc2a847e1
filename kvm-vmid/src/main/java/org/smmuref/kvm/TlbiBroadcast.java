package org.smmuref.kvm;

import java.util.Objects;

/**
 * One broadcast TLB maintenance operation as it reaches a BTM port: the instruction and the VMID the hardware tags it
 * with (VTTBR_EL2.VMID of the issuing context).
 *
 * @param op the instruction
 * @param vmid the VMID tag; ignored by instructions that are not {@linkplain Tlbi#scopedToVmid() scoped to a VMID}
 *     (then 0, the host's VMID)
 * @param cpu the physical CPU that issued it, or {@link #HOST} when KVM issued it outside a modelled vCPU context
 */
public record TlbiBroadcast(Tlbi op, int vmid, int cpu) {

    /** {@link #cpu()} of operations KVM issues from the host rather than from a particular modelled CPU. */
    public static final int HOST = -1;

    /** Validates the tag. */
    public TlbiBroadcast {
        Objects.requireNonNull(op, "op");
        if (vmid < 0 || vmid > 0xffff) {
            throw new IllegalArgumentException("VMID tag must be 0..65535, was " + vmid);
        }
        if (op.scopedToVmid() && vmid == 0) {
            throw new IllegalArgumentException(op.mnemonic() + " tagged with VMID 0, the host's VMID");
        }
        if (cpu < HOST) {
            throw new IllegalArgumentException("cpu must be a CPU number or HOST, was " + cpu);
        }
    }

    @Override
    public String toString() {
        return op.scopedToVmid() ? op + " vmid=" + vmid + " cpu=" + cpu : op + " cpu=" + cpu;
    }
}
