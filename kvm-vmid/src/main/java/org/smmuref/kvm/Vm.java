package org.smmuref.kvm;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A VM of the {@link Kvm} model, reference counted like {@code kvm_get_kvm} / {@code kvm_put_kvm}.
 *
 * <p>The VM file held by its creator is one reference. {@link #destroy()} closes it (putting any loaded vCPU first);
 * holders such as a vIOMMU keep the VM, and its VMID state, until they {@link #put()} their reference.
 */
public final class Vm {
    private final Kvm kvm;
    private final int number;
    private final VmidAllocator.VmVmid vmid = new VmidAllocator.VmVmid();
    private final AtomicInteger users = new AtomicInteger(1);
    private final List<Vcpu> vcpus = new CopyOnWriteArrayList<>();
    private volatile boolean destroyed;

    Vm(Kvm kvm, int number) {
        this.kvm = kvm;
        this.number = number;
    }

    /** The host this VM runs on. */
    public Kvm kvm() {
        return kvm;
    }

    /** A number unique within the host, for names and logs. */
    public int number() {
        return number;
    }

    VmidAllocator.VmVmid vmidState() {
        return vmid;
    }

    /** Creates a vCPU ({@code KVM_CREATE_VCPU}). */
    public Vcpu createVcpu() {
        requireNotDestroyed();
        Vcpu vcpu = new Vcpu(this, vcpus.size());
        vcpus.add(vcpu);
        return vcpu;
    }

    /** The vCPUs, in creation order. */
    public List<Vcpu> vcpus() {
        return List.copyOf(vcpus);
    }

    /** The VM's current VMID index (what its VTTBR_EL2 would hold); 0 if it never had one. */
    public int currentVmid() {
        return kvm.allocator().indexOf(vmid.id());
    }

    /** The generation the VM's VMID was allocated in; 0 if it never had one. */
    public long vmidGeneration() {
        return kvm.allocator().generationOf(vmid.id());
    }

    /** The number of pins held on the VM's VMID. */
    public int pinCount() {
        return kvm.allocator().pinCount(vmid);
    }

    /** Whether the VM's VMID is pinned. */
    public boolean isPinned() {
        return pinCount() > 0;
    }

    /**
     * Takes a reference ({@code kvm_get_kvm}).
     *
     * @return this VM
     * @throws IllegalStateException if the VM was already freed
     */
    public Vm get() {
        int n;
        do {
            n = users.get();
            if (n == 0) {
                throw new IllegalStateException(this + " is freed");
            }
        } while (!users.compareAndSet(n, n + 1));
        return this;
    }

    /**
     * Drops a reference ({@code kvm_put_kvm}); the last one frees the VM.
     *
     * @throws IllegalStateException if no reference is held
     */
    public void put() {
        int n;
        do {
            n = users.get();
            if (n == 0) {
                throw new IllegalStateException(this + " is freed: reference put twice");
            }
        } while (!users.compareAndSet(n, n - 1));
        if (n == 1) {
            kvm.freed(this);
        }
    }

    /** The number of references held. */
    public int users() {
        return users.get();
    }

    /**
     * Closes the VM (the VM and vCPU files): puts every loaded vCPU and drops the creator's reference.
     *
     * @throws IllegalStateException if already destroyed
     */
    public void destroy() {
        synchronized (this) {
            requireNotDestroyed();
            destroyed = true;
        }
        for (Vcpu vcpu : vcpus) {
            if (vcpu.isLoaded()) {
                kvm.put(vcpu);
            }
        }
        put();
    }

    /** Whether the VM file was closed. */
    public boolean isDestroyed() {
        return destroyed;
    }

    /** Whether the last reference is gone. */
    public boolean isFreed() {
        return users.get() == 0;
    }

    /**
     * KVM at EL2 issues a stage-2 or combined TLBI for this VM, tagged with the VM's current VMID (KVM loads the VM's
     * VTTBR for it).
     *
     * @return false, delivering nothing, if the VM never had a VMID (nothing can be cached under it)
     * @throws IllegalStateException if the VM was freed
     */
    public boolean hostTlbi(Tlbi.Hyp op) {
        java.util.Objects.requireNonNull(op, "op");
        if (isFreed()) {
            throw new IllegalStateException(this + " is freed");
        }
        int vmidNow = currentVmid();
        if (vmidNow == 0) {
            return false;
        }
        kvm.broadcast(new TlbiBroadcast(op, vmidNow, TlbiBroadcast.HOST));
        return true;
    }

    private void requireNotDestroyed() {
        if (destroyed) {
            throw new IllegalStateException(this + " is destroyed");
        }
    }

    @Override
    public String toString() {
        return "vm" + number;
    }
}
