package org.smmuref.kvm;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;

/**
 * The arm64 KVM VMID allocator ({@code arch/arm64/kvm/vmid.c}) with the pinned-VMID extension of the 2025 RFC.
 *
 * <p>A VMID value ({@code id}) is {@code generation | index}: the low {@code vmidBits} are the index the hardware sees
 * in VTTBR_EL2, the bits above are the generation it was allocated in. A VM keeps its VMID as long as the generation
 * matches; when the index space runs out the generation advances (rollover), the free map is rebuilt from the pinned
 * map plus each CPU's active (or, if it was idle since the last rollover, reserved) VMID, and the whole VM context is
 * flushed with a broadcast TLBI ALLE1IS. Each allocation costs O(1) amortised: a rollover frees the space for
 * {@code NUM_VMIDS - nr_cpus - pinned} further allocations.
 *
 * <p>Concurrency is faithful to the kernel: the vCPU-load fast path is lock-free (a compare-and-exchange on the CPU's
 * {@code active_vmids} entry, which a concurrent rollover sets to 0 to force the slow path); everything else runs
 * under one lock ({@code cpu_vmid_lock}). Calls for one CPU model code running on that CPU with preemption off and must
 * not race each other; calls for different CPUs may run on different threads.
 */
public final class VmidAllocator {

    /** {@code struct kvm_vmid}: the VMID of one VM's stage-2 MMU, with its pin count. */
    public static final class VmVmid {
        private final AtomicLong id = new AtomicLong();
        /** Guarded by the allocator lock. */
        private int pinned;

        /** The raw {@code generation | index} value; 0 if the VM never had a VMID. */
        public long id() {
            return id.get();
        }
    }

    private final KvmConfig config;
    private final int bits;
    /** {@code VMID_FIRST_VERSION}: generation 1, and the stride between generations. */
    private final long firstVersion;
    /** Allocation stops below the SMMU-private partition. */
    private final int limit;
    private final int maxPinned;
    private final AtomicLong generation;
    private final AtomicLongArray activeVmids;
    private final Object lock = new Object();
    /** Called under the lock after each rollover with the CPU that triggered it (or {@link TlbiBroadcast#HOST}). */
    private final IntConsumer flushVmContext;

    // Guarded by lock.
    private final BitSet vmidMap;
    private final BitSet pinnedVmidMap;
    private final long[] reservedVmids;
    private int nrPinned;
    private int curIdx = 1;

    // Statistics, readable without the lock.
    private final AtomicLong rollovers = new AtomicLong();
    private final AtomicLong slowPaths = new AtomicLong();
    private final AtomicLong fastPaths = new AtomicLong();

    /**
     * Creates the allocator.
     *
     * @param config the host parameters
     * @param flushVmContext invoked under the lock after each rollover with the CPU that triggered it; it must issue
     *     the broadcast ALLE1IS and must not call back into this allocator
     */
    public VmidAllocator(KvmConfig config, IntConsumer flushVmContext) {
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.flushVmContext = java.util.Objects.requireNonNull(flushVmContext, "flushVmContext");
        this.bits = config.vmidBits();
        this.firstVersion = 1L << bits;
        this.limit = config.firstSmmuPrivateVmid();
        this.maxPinned = config.maxPinnedVmids();
        this.generation = new AtomicLong(firstVersion);
        this.activeVmids = new AtomicLongArray(config.nrCpus());
        this.reservedVmids = new long[config.nrCpus()];
        this.vmidMap = new BitSet(config.numVmids());
        this.pinnedVmidMap = config.pinningSupported() ? new BitSet(config.numVmids()) : null;
    }

    /** The VMID index (what VTTBR_EL2.VMID holds) of a raw VMID value. */
    public int indexOf(long id) {
        return (int) (id & (firstVersion - 1));
    }

    /** The generation number (1 for the first) of a raw VMID value; 0 for "no VMID yet". */
    public long generationOf(long id) {
        return id >>> bits;
    }

    /** The current generation number, starting at 1 and advanced by each rollover. */
    public long currentGeneration() {
        return generation.get() >>> bits;
    }

    private boolean genMatch(long id) {
        return ((id ^ generation.get()) >>> bits) == 0;
    }

    /**
     * {@code kvm_arm_vmid_update}: called when a vCPU of the VM is loaded on {@code cpu}; makes sure the VM's VMID
     * belongs to the current generation and marks it active on that CPU.
     *
     * @return whether a new VMID value was assigned (the caller then reloads VTTBR)
     */
    public boolean update(VmVmid vmid, int cpu) {
        checkCpu(cpu);
        long id = vmid.id.get();
        long oldActive = activeVmids.get(cpu);
        if (oldActive != 0 && genMatch(id) && exchangeActive(cpu, oldActive, id)) {
            fastPaths.incrementAndGet();
            return false;
        }
        synchronized (lock) {
            slowPaths.incrementAndGet();
            boolean updated = false;
            id = vmid.id.get();
            if (!genMatch(id)) {
                id = newVmid(vmid, cpu);
                updated = true;
            }
            activeVmids.set(cpu, id);
            return updated;
        }
    }

    /**
     * The fast path's exchange of the CPU's active VMID from {@code oldActive} to {@code id}. A rollover between the
     * caller's reads and this exchange has set the entry to 0; the exchange then fails and the caller must take the
     * locked slow path, since its VMID may no longer be reserved in the new generation.
     *
     * @return whether the fast path may complete
     */
    boolean exchangeActive(int cpu, long oldActive, long id) {
        // Like the kernel, test the witness for 0 rather than for oldActive: only a rollover writes another CPU's entry.
        return activeVmids.compareAndExchange(cpu, oldActive, id) != 0;
    }

    /**
     * {@code kvm_arm_vmid_clear_active}: called when a vCPU is put; a descheduled VM then holds no VMID across the
     * next rollover. The marker is {@code VMID_FIRST_VERSION} (index 0 of generation 1), never a real VMID.
     */
    public void clearActive(int cpu) {
        checkCpu(cpu);
        activeVmids.set(cpu, firstVersion);
    }

    /**
     * {@code kvm_arm_pinned_vmid_get}: pins the VM's VMID so that it keeps its index across every rollover and is never
     * given to another VM; reference counted.
     *
     * @param cpu the CPU doing the call, or {@link TlbiBroadcast#HOST}; only used to attribute a rollover flush
     * @return the pinned VMID index (never 0)
     * @throws VmidException EOPNOTSUPP when pinning is not supported, ENOSPC when the cap is reached
     */
    public int pin(VmVmid vmid, int cpu) {
        if (pinnedVmidMap == null) {
            throw new VmidException(VmidErrno.EOPNOTSUPP, "this KVM host does not support pinned VMIDs");
        }
        synchronized (lock) {
            long id = vmid.id.get();
            if (vmid.pinned > 0) {
                vmid.pinned++;
                return indexOf(id);
            }
            if (nrPinned >= maxPinned) {
                throw new VmidException(VmidErrno.ENOSPC, "pinned VMID limit reached: " + nrPinned + " of "
                    + maxPinned + " (NUM_VMIDS - nr_cpus - 2) already pinned");
            }
            if (!genMatch(id)) {
                id = newVmid(vmid, cpu);
            }
            nrPinned++;
            pinnedVmidMap.set(indexOf(id));
            vmid.pinned = 1;
            return indexOf(id);
        }
    }

    /**
     * {@code kvm_arm_pinned_vmid_put}: drops one pin; at zero the index is free again from the next rollover on.
     *
     * @throws IllegalStateException if the VMID is not pinned
     */
    public void unpin(VmVmid vmid) {
        synchronized (lock) {
            if (vmid.pinned == 0) {
                throw new IllegalStateException("unpin of a VMID that is not pinned (index "
                    + indexOf(vmid.id.get()) + ")");
            }
            if (--vmid.pinned == 0) {
                pinnedVmidMap.clear(indexOf(vmid.id.get()));
                nrPinned--;
            }
        }
    }

    /** The number of pins held on this VM's VMID. */
    public int pinCount(VmVmid vmid) {
        synchronized (lock) {
            return vmid.pinned;
        }
    }

    /** The number of distinct pinned VMIDs. */
    public int pinnedVmids() {
        synchronized (lock) {
            return nrPinned;
        }
    }

    /** The cap on distinct pinned VMIDs. */
    public int maxPinnedVmids() {
        return maxPinned;
    }

    /** Whether the index is pinned. */
    public boolean isPinned(int index) {
        synchronized (lock) {
            return pinnedVmidMap != null && pinnedVmidMap.get(index);
        }
    }

    /** How many rollovers happened. */
    public long rollovers() {
        return rollovers.get();
    }

    /** How many {@link #update} calls took the lock-free fast path. */
    public long fastPaths() {
        return fastPaths.get();
    }

    /** How many {@link #update} calls took the locked slow path. */
    public long slowPaths() {
        return slowPaths.get();
    }

    /** The raw {@code active_vmids} entry of a CPU (0 after a rollover, {@code VMID_FIRST_VERSION} after a put). */
    long activeVmid(int cpu) {
        return activeVmids.get(cpu);
    }

    /** The raw {@code reserved_vmids} entry of a CPU. */
    long reservedVmid(int cpu) {
        synchronized (lock) {
            return reservedVmids[cpu];
        }
    }

    /** Whether the index is marked used in the current generation's {@code vmid_map}. */
    boolean isAllocated(int index) {
        synchronized (lock) {
            return vmidMap.get(index);
        }
    }

    /** {@code new_vmid}; under the lock. */
    private long newVmid(VmVmid vmid, int cpu) {
        long id = vmid.id.get();
        long gen = generation.get();
        if (id != 0) {
            long newId = gen | indexOf(id);
            // A VM that was running on some CPU at the rollover keeps its index (the reserved check comes first so that
            // the reserved entries move to the new generation too).
            if (checkUpdateReservedVmid(id, newId) || vmid.pinned > 0) {
                vmid.id.set(newId);
                return newId;
            }
            // Otherwise keep the index if nobody took it in this generation yet.
            int index = indexOf(id);
            if (!vmidMap.get(index)) {
                vmidMap.set(index);
                vmid.id.set(newId);
                return newId;
            }
        }
        int index = nextFree(curIdx);
        if (index < 0) {
            gen = generation.addAndGet(firstVersion);
            flushContext(cpu);
            // More VMIDs than CPUs plus pins, so this always succeeds.
            index = nextFree(1);
            if (index < 0) {
                throw new IllegalStateException("no free VMID right after a rollover: the cap was violated");
            }
        }
        vmidMap.set(index);
        curIdx = index;
        long newId = gen | index;
        vmid.id.set(newId);
        return newId;
    }

    private int nextFree(int from) {
        int index = vmidMap.nextClearBit(from);
        return index < limit ? index : -1;
    }

    private boolean checkUpdateReservedVmid(long id, long newId) {
        boolean hit = false;
        for (int cpu = 0; cpu < reservedVmids.length; cpu++) {
            if (reservedVmids[cpu] == id) {
                hit = true;
                reservedVmids[cpu] = newId;
            }
        }
        return hit;
    }

    /** {@code flush_context}; under the lock. */
    private void flushContext(int cpu) {
        rollovers.incrementAndGet();
        vmidMap.clear();
        if (pinnedVmidMap != null) {
            vmidMap.or(pinnedVmidMap);
        }
        for (int c = 0; c < reservedVmids.length; c++) {
            long id = activeVmids.getAndSet(c, 0);
            // A CPU that has not loaded a vCPU since the previous rollover keeps what it reserved then.
            if (id == 0) {
                id = reservedVmids[c];
            }
            vmidMap.set(indexOf(id));
            reservedVmids[c] = id;
        }
        flushVmContext.accept(cpu);
    }

    private void checkCpu(int cpu) {
        if (cpu < 0 || cpu >= config.nrCpus()) {
            throw new IllegalArgumentException("CPU " + cpu + " does not exist (0.." + (config.nrCpus() - 1) + ")");
        }
    }
}
