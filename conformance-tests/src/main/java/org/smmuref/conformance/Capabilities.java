package org.smmuref.conformance;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The features a target declares. {@link #fromIdr} reads them from the raw IDR words GET_HW_INFO returns (bit
 * positions from the SMMUv3 spec's SMMU_IDR0 and SMMU_IDR3 tables); a target may also declare them explicitly.
 */
public record Capabilities(Set<Capability> features) {
    /** IDR0.S2P. */
    static final int IDR0_S2P = 1;
    /** IDR0.S1P. */
    static final int IDR0_S1P = 1 << 1;
    /** IDR0.BTM. */
    static final int IDR0_BTM = 1 << 5;
    /** IDR0.ATS. */
    static final int IDR0_ATS = 1 << 10;
    /** IDR0.CD2L. */
    static final int IDR0_CD2L = 1 << 19;
    /** IDR3.RIL. */
    static final int IDR3_RIL = 1 << 10;

    /** Copies the set. */
    public Capabilities {
        features = features.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(features));
    }

    /** Explicitly declared features. */
    public static Capabilities of(Capability... features) {
        return new Capabilities(features.length == 0 ? Set.of() : EnumSet.of(features[0], features));
    }

    /**
     * The hardware features the IDR words show ({@code idr} = IDR0..IDR5), plus the platform-level ones in
     * {@code extra} (KVM, VEVENTQ, V1_ABI, HARDWARE cannot be read from the IDRs).
     */
    public static Capabilities fromIdr(List<Integer> idr, Capability... extra) {
        EnumSet<Capability> s = EnumSet.noneOf(Capability.class);
        int idr0 = idr.get(0);
        int idr3 = idr.size() > 3 ? idr.get(3) : 0;
        if ((idr0 & IDR0_S1P) != 0 && (idr0 & IDR0_S2P) != 0) {
            s.add(Capability.NESTING);
        }
        if ((idr0 & IDR0_BTM) != 0) {
            s.add(Capability.BTM);
        }
        if ((idr0 & IDR0_ATS) != 0) {
            s.add(Capability.ATS);
        }
        if ((idr0 & IDR0_CD2L) != 0) {
            s.add(Capability.CD_2LVL);
        }
        if ((idr3 & IDR3_RIL) != 0) {
            s.add(Capability.RIL);
        }
        for (Capability c : extra) {
            s.add(c);
        }
        return new Capabilities(s);
    }

    /** Whether the target declares {@code c}. */
    public boolean has(Capability c) {
        return features.contains(c);
    }

    /** The same set without {@code c} (a target that opts out of a feature it has). */
    public Capabilities without(Capability c) {
        EnumSet<Capability> s = features.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(features);
        s.remove(c);
        return new Capabilities(s);
    }
}
