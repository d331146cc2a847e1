package org.smmuref.kvm;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/** A vCPU of a {@link Vm}: loaded on at most one physical CPU, and while loaded the issuer of guest TLBIs. */
public final class Vcpu {
    private static final int NOT_LOADED = -1;

    private final Vm vm;
    private final int index;
    private final AtomicInteger cpu = new AtomicInteger(NOT_LOADED);
    private volatile int vttbrVmid;

    Vcpu(Vm vm, int index) {
        this.vm = vm;
        this.index = index;
    }

    /** The VM this vCPU belongs to. */
    public Vm vm() {
        return vm;
    }

    /** The vCPU index within its VM. */
    public int index() {
        return index;
    }

    /** The physical CPU it is loaded on, if any. */
    public OptionalInt loadedCpu() {
        int c = cpu.get();
        return c == NOT_LOADED ? OptionalInt.empty() : OptionalInt.of(c);
    }

    /** Whether it is loaded on a physical CPU. */
    public boolean isLoaded() {
        return cpu.get() != NOT_LOADED;
    }

    /** The VMID its CPU's VTTBR_EL2 holds while it is loaded; 0 when not loaded. */
    public int vttbrVmid() {
        return vttbrVmid;
    }

    /** Loads it on a physical CPU; see {@link Kvm#load}. */
    public void load(int physicalCpu) {
        vm.kvm().load(this, physicalCpu);
    }

    /** Puts it; see {@link Kvm#put}. */
    public void put() {
        vm.kvm().put(this);
    }

    /**
     * The guest executes a broadcast TLBI: delivered to every subscriber tagged with the VMID this vCPU runs under.
     *
     * @throws IllegalStateException if the vCPU is not loaded (only a running vCPU executes instructions)
     */
    public void tlbi(Tlbi.Guest op) {
        Objects.requireNonNull(op, "op");
        int c = cpu.get();
        int vmidNow = vttbrVmid;
        if (c == NOT_LOADED || vmidNow == 0) {
            throw new IllegalStateException(this + " is not loaded: only a running vCPU issues " + op.mnemonic());
        }
        vm.kvm().broadcast(new TlbiBroadcast(op, vmidNow, c));
    }

    boolean claim(int physicalCpu) {
        return cpu.compareAndSet(NOT_LOADED, physicalCpu);
    }

    void release() {
        cpu.set(NOT_LOADED);
    }

    void setVttbrVmid(int vmid) {
        this.vttbrVmid = vmid;
    }

    @Override
    public String toString() {
        return vm + "/vcpu" + index;
    }
}
