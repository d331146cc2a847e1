package org.smmuref.kvm;

/**
 * A subscriber to the broadcast TLB maintenance of a KVM host, such as an SMMU's BTM port.
 *
 * <p>Called synchronously on the issuing thread, in issue order. The rollover flush ({@link Tlbi.Alle1is}) is
 * delivered while KVM's VMID lock is held, as in the kernel; a listener must therefore not call back into VMID
 * allocation (load, pin) from the callback.
 */
@FunctionalInterface
public interface BroadcastTlbiListener {
    /** Applies one broadcast operation. */
    void onBroadcast(TlbiBroadcast tlbi);
}
