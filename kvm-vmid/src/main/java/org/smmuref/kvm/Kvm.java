package org.smmuref.kvm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A model of an arm64 KVM host: VMs, their vCPUs, the physical CPUs they are loaded on, the VMID allocator with
 * rollover and pinning, and the broadcast TLB maintenance the CPUs emit to subscribers such as SMMU BTM ports.
 *
 * <p>Loading a vCPU ({@code vcpu_load}) runs the allocator's update, so a VM's VMID can change at any load after a
 * rollover unless it is pinned; putting it ({@code vcpu_put}) clears the CPU's active VMID. Thread safety: the
 * allocator is lock-free on its fast path and locked elsewhere, like the kernel (see {@link VmidAllocator}); a CPU
 * runs at most one vCPU, claimed atomically.
 */
public final class Kvm {

    /** A registration of a broadcast listener; closing it stops delivery. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        /** Stops delivery to the listener. */
        @Override
        void close();
    }

    private final KvmConfig config;
    private final VmidAllocator allocator;
    private final List<BroadcastTlbiListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReferenceArray<Vcpu> running;
    private final AtomicInteger nextVmNumber = new AtomicInteger();
    private final Set<Vm> liveVms = ConcurrentHashMap.newKeySet();

    /** Creates a host with the given parameters and no VMs. */
    public Kvm(KvmConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.allocator = new VmidAllocator(config,
            cpu -> broadcast(new TlbiBroadcast(new Tlbi.Alle1is(), 0, cpu)));
        this.running = new AtomicReferenceArray<>(config.nrCpus());
    }

    /** The host parameters. */
    public KvmConfig config() {
        return config;
    }

    /** The VMID allocator, for observation (generation, pins, fast/slow path counts). */
    public VmidAllocator allocator() {
        return allocator;
    }

    /** Creates a VM ({@code KVM_CREATE_VM}); the caller holds its file, i.e. one reference. */
    public Vm createVm() {
        Vm vm = new Vm(this, nextVmNumber.incrementAndGet());
        liveVms.add(vm);
        return vm;
    }

    /** The VMs not yet freed, in creation order. */
    public List<Vm> vms() {
        List<Vm> vms = new ArrayList<>(liveVms);
        vms.sort(Comparator.comparingInt(Vm::number));
        return vms;
    }

    /** The vCPU currently loaded on a CPU. */
    public Optional<Vcpu> runningOn(int cpu) {
        checkCpu(cpu);
        return Optional.ofNullable(running.get(cpu));
    }

    /**
     * {@code vcpu_load}: loads a vCPU on a physical CPU, refreshing its VM's VMID if the generation is stale.
     *
     * @throws IllegalStateException if the VM is destroyed, the vCPU is already loaded, or the CPU runs another vCPU
     */
    public void load(Vcpu vcpu, int cpu) {
        checkCpu(cpu);
        requireOwn(vcpu.vm());
        if (vcpu.vm().isDestroyed()) {
            throw new IllegalStateException(vcpu + " belongs to a destroyed VM and cannot be loaded");
        }
        if (!vcpu.claim(cpu)) {
            throw new IllegalStateException(vcpu + " is already loaded on CPU " + vcpu.loadedCpu().orElse(-1)
                + "; put it first");
        }
        if (!running.compareAndSet(cpu, null, vcpu)) {
            vcpu.release();
            throw new IllegalStateException("CPU " + cpu + " already runs " + running.get(cpu) + "; put it first");
        }
        allocator.update(vcpu.vm().vmidState(), cpu);
        vcpu.setVttbrVmid(vcpu.vm().currentVmid());
    }

    /**
     * {@code vcpu_put}: unloads a vCPU and clears its CPU's active VMID.
     *
     * @throws IllegalStateException if the vCPU is not loaded
     */
    public void put(Vcpu vcpu) {
        requireOwn(vcpu.vm());
        int cpu = vcpu.loadedCpu().orElseThrow(() -> new IllegalStateException(vcpu + " is not loaded"));
        // The guest has left the CPU before vcpu_put clears the active VMID: once the entry is cleared a rollover
        // may hand the index to another VM, so this vCPU must no longer run with it.
        vcpu.setVttbrVmid(0);
        allocator.clearActive(cpu);
        running.set(cpu, null);
        vcpu.release();
    }

    /**
     * Pins the VM's VMID ({@code kvm_arm_pinned_vmid_get}): its index stays the VM's, across any number of rollovers,
     * and is given to no other VM until the matching {@link #unpin}. Each pin also holds a VM reference, so a pinned
     * VMID can never outlive its VM.
     *
     * @return the VMID index, never 0
     * @throws VmidException EOPNOTSUPP when pinning is unsupported, ENOSPC at the cap, EINVAL for a destroyed VM
     */
    public int pin(Vm vm) {
        requireOwn(vm);
        if (vm.isDestroyed()) {
            throw new VmidException(VmidErrno.EINVAL, vm + " is destroyed; its VMID cannot be pinned");
        }
        vm.get();
        try {
            return allocator.pin(vm.vmidState(), TlbiBroadcast.HOST);
        } catch (RuntimeException e) {
            vm.put();
            throw e;
        }
    }

    /**
     * Drops one pin of the VM's VMID ({@code kvm_arm_pinned_vmid_put}) and the VM reference it held.
     *
     * @throws IllegalStateException if the VM's VMID is not pinned
     */
    public void unpin(Vm vm) {
        requireOwn(vm);
        allocator.unpin(vm.vmidState());
        vm.put();
    }

    /** The number of distinct pinned VMIDs. */
    public int pinnedVmids() {
        return allocator.pinnedVmids();
    }

    /** The cap on distinct pinned VMIDs: NUM_VMIDS - nr_cpus - 2 over the VMIDs KVM may allocate. */
    public int maxPinnedVmids() {
        return allocator.maxPinnedVmids();
    }

    /** The current VMID generation, 1 for the first. */
    public long generation() {
        return allocator.currentGeneration();
    }

    /** How many rollovers happened. */
    public long rollovers() {
        return allocator.rollovers();
    }

    /** Subscribes a listener (an SMMU BTM port) to every broadcast TLBI from now on. */
    public Subscription subscribe(BroadcastTlbiListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Forces a rollover the way it happens in practice: loads a vCPU of one fresh VM after another on {@code cpu}
     * (putting it and destroying the VM each time) until the generation advances.
     *
     * @return the number of fresh VMs it took
     * @throws IllegalStateException if the CPU is running a vCPU
     */
    public int forceRollover(int cpu) {
        checkCpu(cpu);
        if (running.get(cpu) != null) {
            throw new IllegalStateException("CPU " + cpu + " runs " + running.get(cpu) + "; put it first");
        }
        long start = rollovers();
        // Each fresh VM takes a new index in this generation, so the space is exhausted within this many loads.
        int bound = config.firstSmmuPrivateVmid() + 1;
        for (int n = 1; n <= bound; n++) {
            Vm vm = createVm();
            Vcpu vcpu = vm.createVcpu();
            load(vcpu, cpu);
            put(vcpu);
            vm.destroy();
            if (rollovers() != start) {
                return n;
            }
        }
        throw new IllegalStateException("no rollover after " + bound + " fresh VMs");
    }

    /** Delivers a broadcast to every subscriber, in subscription order. */
    void broadcast(TlbiBroadcast tlbi) {
        for (BroadcastTlbiListener listener : listeners) {
            listener.onBroadcast(tlbi);
        }
    }

    void freed(Vm vm) {
        liveVms.remove(vm);
    }

    private void requireOwn(Vm vm) {
        if (Objects.requireNonNull(vm, "vm").kvm() != this) {
            throw new IllegalArgumentException(vm + " belongs to another KVM host");
        }
    }

    private void checkCpu(int cpu) {
        if (cpu < 0 || cpu >= config.nrCpus()) {
            throw new IllegalArgumentException("CPU " + cpu + " does not exist (0.." + (config.nrCpus() - 1) + ")");
        }
    }
}
