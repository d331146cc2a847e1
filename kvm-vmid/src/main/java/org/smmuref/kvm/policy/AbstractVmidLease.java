package org.smmuref.kvm.policy;

import java.util.Objects;
import java.util.Optional;
import org.smmuref.kvm.Vm;

/** The release protocol every lease shares: quiesce, then give back, exactly once. */
abstract class AbstractVmidLease implements VmidLease {
    private final int vmid;
    private final VmidSource source;
    private final Optional<Vm> vm;
    private final boolean broadcastMaintenance;
    private boolean released;

    AbstractVmidLease(int vmid, VmidSource source, Optional<Vm> vm, boolean broadcastMaintenance) {
        this.vmid = vmid;
        this.source = source;
        this.vm = vm;
        this.broadcastMaintenance = broadcastMaintenance;
    }

    @Override
    public final int vmid() {
        return vmid;
    }

    @Override
    public final VmidSource source() {
        return source;
    }

    @Override
    public final Optional<Vm> vm() {
        return vm;
    }

    @Override
    public final boolean broadcastMaintenance() {
        return broadcastMaintenance;
    }

    @Override
    public final synchronized boolean isReleased() {
        return released;
    }

    @Override
    public final synchronized void release(Quiescer quiescer) {
        Objects.requireNonNull(quiescer, "quiescer");
        if (released) {
            throw new IllegalStateException("VMID " + vmid + " lease already released");
        }
        quiescer.stopUsing(vmid);
        giveBack();
        released = true;
    }

    /** Returns the VMID to its owner; runs once, after the SMMU stopped using it. */
    abstract void giveBack();

    @Override
    public String toString() {
        return source + " VMID " + vmid + vm.map(v -> " of " + v).orElse("") + (isReleased() ? " (released)" : "");
    }
}
