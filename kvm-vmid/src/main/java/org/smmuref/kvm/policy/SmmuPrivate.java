package org.smmuref.kvm.policy;

import java.util.BitSet;
import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/**
 * The SMMU driver's own VMID allocator, one per SMMU instance (the driver's {@code vmid_map} ida): the lowest free
 * VMID of a fixed range, never shared with KVM.
 *
 * <p>On an SMMU that ignores broadcasts (no BTM, or CR2.PTM=1) the range is the whole space, 1..2^bits-1. On an SMMU
 * with BTM it is the partition KVM never allocates from ({@link org.smmuref.kvm.KvmConfig#smmuPrivateVmids()}), so a
 * private VMID can neither alias a pinned KVM VMID in the SMMU's TLB nor be hit by any VM's broadcast TLBIs.
 */
public final class SmmuPrivate implements VmidPolicy {
    /** What the exhaustion error tells the operator for the BTM partition. */
    public static final String PARTITION_HINT = "on an SMMU with BTM every stage-2 domain (paging or nest parent)"
        + " takes one VMID of the partition KVM keeps for SMMUs (KvmConfig.smmuPrivateVmids, the same values on every"
        + " SMMU): free a domain or configure a larger partition";

    private final int first;
    private final int last;
    private final boolean partition;
    private final BitSet used = new BitSet();

    /**
     * Creates an allocator over {@code first..last}.
     *
     * @throws IllegalArgumentException if the range is empty, includes VMID 0 or exceeds 16 bits
     */
    public SmmuPrivate(int first, int last) {
        this(first, last, false);
    }

    /**
     * Creates an allocator over {@code first..last}; {@code partition} says it is the BTM partition KVM keeps, which
     * the exhaustion error then names.
     *
     * @throws IllegalArgumentException if the range is empty, includes VMID 0 or exceeds 16 bits
     */
    public SmmuPrivate(int first, int last, boolean partition) {
        this.partition = partition;
        if (first < 1 || last > 0xffff || first > last) {
            throw new IllegalArgumentException("private VMID range must lie in 1..65535 and not be empty, was "
                + first + ".." + last);
        }
        this.first = first;
        this.last = last;
    }

    /** An allocator over the SMMU's whole space, 1..2^bits-1 (for an SMMU that ignores broadcasts). */
    public static SmmuPrivate wholeSpace(SmmuVmidFeatures features) {
        return new SmmuPrivate(1, features.maxVmid());
    }

    /** The lowest VMID of the range. */
    public int first() {
        return first;
    }

    /** The highest VMID of the range. */
    public int last() {
        return last;
    }

    /** Whether the VMID is leased. */
    public synchronized boolean isAllocated(int vmid) {
        return used.get(vmid);
    }

    /** The number of leased VMIDs. */
    public synchronized int allocated() {
        return used.cardinality();
    }

    /**
     * Leases the lowest free VMID of the range. A VM tied to the request is recorded, not referenced.
     *
     * @throws VmidException EOPNOTSUPP for a user-chosen VMID, ENOSPC when the range is exhausted
     */
    @Override
    public VmidLease acquire(VmidRequest request) {
        request.rejectUserChosenVmid();
        int vmid;
        synchronized (this) {
            vmid = used.nextClearBit(first);
            if (vmid > last) {
                throw new VmidException(VmidErrno.ENOSPC, "all " + (last - first + 1) + " SMMU-private VMIDs "
                    + first + ".." + last + " are in use" + (partition ? "; " + PARTITION_HINT : ""));
            }
            used.set(vmid);
        }
        return new AbstractVmidLease(vmid, VmidSource.SMMU_PRIVATE, request.vm(), false) {
            @Override
            void giveBack() {
                free(vmid());
            }
        };
    }

    private synchronized void free(int vmid) {
        used.clear(vmid);
    }

    @Override
    public String toString() {
        return "SmmuPrivate[" + first + ".." + last + "]";
    }
}
