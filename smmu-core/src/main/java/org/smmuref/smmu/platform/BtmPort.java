package org.smmuref.smmu.platform;

import java.util.Objects;
import org.smmuref.kvm.BroadcastTlbiListener;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.TlbiBroadcast;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.TlbInvalidation;

/**
 * Connects an SMMU's BTM input to a KVM host: every broadcast TLBI a PE issues (guest EL1 operations tagged with the
 * VM's VMID, KVM's EL2 operations, the rollover ALLE1IS) is mapped to the {@link TlbInvalidation} it means to the SMMU
 * TLB and handed to {@link Smmu#broadcast}, which applies it only when IDR0.BTM=1, CR2.PTM=0 and SMMUEN=1.
 */
public final class BtmPort implements BroadcastTlbiListener {
    private final Smmu smmu;
    private long delivered;
    private long applied;

    /** A port feeding {@code smmu}. */
    public BtmPort(Smmu smmu) {
        this.smmu = Objects.requireNonNull(smmu, "smmu");
    }

    /** Subscribes a new port for {@code smmu} to {@code kvm}'s broadcasts; close the subscription to disconnect. */
    public static Kvm.Subscription connect(Kvm kvm, Smmu smmu) {
        return kvm.subscribe(new BtmPort(smmu));
    }

    @Override
    public void onBroadcast(TlbiBroadcast tlbi) {
        boolean done = smmu.broadcast(map(tlbi));
        synchronized (this) {
            delivered++;
            if (done) {
                applied++;
            }
        }
    }

    /** How many broadcasts reached this port. */
    public synchronized long delivered() {
        return delivered;
    }

    /** How many of them the SMMU applied (BTM on, PTM off, SMMU enabled). */
    public synchronized long applied() {
        return applied;
    }

    /**
     * The SMMU TLB maintenance a broadcast means: guest stage-1 operations act on the NS-EL1 stage-1 entries of the
     * tagged VMID (ASID-scoped ones with broadcast semantics, skipping ASET=1 entries), KVM's stage-2 operations on the
     * VMID's IPA entries or all its entries, ALLE1IS on every NS-EL1 entry. Range operations keep their span:
     * (NUM+1) * 2^(5*SCALE+1) granules become the SMMU range with SCALE' = 5*SCALE+1.
     */
    public static TlbInvalidation map(TlbiBroadcast b) {
        int vmid = b.vmid();
        Tlbi op = b.op();
        if (op instanceof Tlbi.Vmalle1is) {
            return new TlbInvalidation.NhAll(vmid);
        } else if (op instanceof Tlbi.Aside1is o) {
            return new TlbInvalidation.NhAsid(vmid, o.asid(), true);
        } else if (op instanceof Tlbi.Vae1is o) {
            return new TlbInvalidation.NhVa(vmid, o.asid(), o.va(), TlbInvalidation.Range.SINGLE, o.leaf(), true);
        } else if (op instanceof Tlbi.Vaae1is o) {
            return new TlbInvalidation.NhVaa(vmid, o.va(), TlbInvalidation.Range.SINGLE, o.leaf());
        } else if (op instanceof Tlbi.Rvae1is o) {
            return new TlbInvalidation.NhVa(vmid, o.asid(), o.baseVa(), range(o.range()), o.leaf(), true);
        } else if (op instanceof Tlbi.Rvaae1is o) {
            return new TlbInvalidation.NhVaa(vmid, o.baseVa(), range(o.range()), o.leaf());
        } else if (op instanceof Tlbi.Vmalls12e1is) {
            return new TlbInvalidation.S12Vmall(vmid);
        } else if (op instanceof Tlbi.Ipas2e1is o) {
            return new TlbInvalidation.S2Ipa(vmid, o.ipa(), TlbInvalidation.Range.SINGLE, o.leaf());
        } else if (op instanceof Tlbi.Ripas2e1is o) {
            return new TlbInvalidation.S2Ipa(vmid, o.baseIpa(), range(o.range()), o.leaf());
        } else if (op instanceof Tlbi.Alle1is) {
            return new TlbInvalidation.NsnhAll();
        }
        throw new IllegalArgumentException("no SMMU mapping for broadcast " + b);
    }

    private static TlbInvalidation.Range range(Tlbi.Range r) {
        return new TlbInvalidation.Range(r.granuleShift(), 5 * r.scale() + 1, r.num(), r.ttl());
    }
}
