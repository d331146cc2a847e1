package org.smmuref.smmu.hw;

/**
 * The effective stage-1 configuration of a stream / substream, free of decode concerns: the CD decoder validates the
 * fields and computes effective values (e.g. IPS = MIN(CD.IPS, OAS)), the integration maps its records to this one.
 *
 * @param ttb0 the lower half (VA[55] = 0)
 * @param ttb1 the upper half (VA[55] = 1); must be {@link TtbHalf#disabled()} in the NS-EL2 regime
 * @param ips effective output size in bits (32, 36, 40, 42, 44, 48 or 52): checked against table and leaf outputs
 * @param affd AFFD: AF=0 never faults
 * @param asid the ASID (tags non-global entries in regimes with ASIDs)
 * @param aset ASET: the ASID is not shared with PEs, so ASID-scoped broadcast TLBIs may skip its entries
 * @param pan PAN: privileged data accesses to EL0-accessible memory fault
 * @param wxn WXN: memory writable at the accessing level is not executable there
 * @param uwxn UWXN: memory writable at EL0 is not executable when privileged; AArch64 already implies it, so it changes
 *     nothing here, and it is kept so that the mapping from the CD is complete
 * @param world the translation regime (STE.STRW with CR2.E2H); NS-EL1 whenever stage 2 is enabled
 * @param vmid the VMID tagging this stage-1-only NS-EL1 stream's entries (STE.S2VMID when the SMMU has stage 2, else
 *     0); ignored when a stage-2 context is given (its VMID tags the entries) and in EL2 regimes
 * @param ha CD.HA: the walker sets AF in a stage-1 leaf instead of taking an Access flag fault (Arm ARM D8.4.3)
 * @param hd CD.HD with CD.HA: a write to a writable-clean leaf (DBM = 1, AP[2] = 1) clears AP[2] instead of faulting;
 *     HD without HA is treated as 0 (hardware dirty state needs hardware AF, Arm ARM D8.4.4)
 */
public record Stage1Context(TtbHalf ttb0, TtbHalf ttb1, int ips, boolean affd, int asid, boolean aset, boolean pan,
                            boolean wxn, boolean uwxn, StreamWorld world, int vmid, boolean ha, boolean hd) {

    /** Validates the context; HD without HA becomes 0. */
    public Stage1Context {
        hd = hd && ha;
        if (ttb0 == null || ttb1 == null || world == null) {
            throw new IllegalArgumentException("ttb0, ttb1 and world must be given (use TtbHalf.disabled())");
        }
        checkOutputSize("IPS", ips);
        if (asid < 0 || asid > 0xFFFF || vmid < 0 || vmid > 0xFFFF) {
            throw new IllegalArgumentException("ASID and VMID must be 16-bit values: asid=" + asid + " vmid=" + vmid);
        }
        if (world == StreamWorld.NS_EL2 && !ttb1.epd()) {
            throw new IllegalArgumentException("the NS-EL2 regime has a single VA range: TTB1 must be disabled");
        }
        for (TtbHalf h : new TtbHalf[] {ttb0, ttb1}) {
            if (!h.epd() && h.ttb() >>> ips != 0 && ips < 64) {
                throw new IllegalArgumentException(String.format(
                    "TTB 0x%x lies beyond the %d-bit IPS (the CD is ILLEGAL)", h.ttb(), ips));
            }
        }
    }

    /** A context without hardware AF or dirty-state updates (CD.HA = CD.HD = 0). */
    public Stage1Context(TtbHalf ttb0, TtbHalf ttb1, int ips, boolean affd, int asid, boolean aset, boolean pan,
                         boolean wxn, boolean uwxn, StreamWorld world, int vmid) {
        this(ttb0, ttb1, ips, affd, asid, aset, pan, wxn, uwxn, world, vmid, false, false);
    }

    /** This context with CD.HA and CD.HD as given. */
    public Stage1Context withHttu(boolean newHa, boolean newHd) {
        return new Stage1Context(ttb0, ttb1, ips, affd, asid, aset, pan, wxn, uwxn, world, vmid, newHa, newHd);
    }

    /** A plain NS-EL1 context with TTB0 only: no TTB1, no PAN/WXN, AF faults enabled, ASET=0. */
    public static Stage1Context of(TtbHalf ttb0, int ips, int asid, int vmid) {
        return new Stage1Context(ttb0, TtbHalf.disabled(), ips, false, asid, false, false, false, false,
            StreamWorld.NS_EL1, vmid);
    }

    /** This context with another TTB1 half. */
    public Stage1Context withTtb1(TtbHalf half) {
        return new Stage1Context(ttb0, half, ips, affd, asid, aset, pan, wxn, uwxn, world, vmid, ha, hd);
    }

    /** This context with another TTB0 half. */
    public Stage1Context withTtb0(TtbHalf half) {
        return new Stage1Context(half, ttb1, ips, affd, asid, aset, pan, wxn, uwxn, world, vmid, ha, hd);
    }

    /** This context with AFFD as given. */
    public Stage1Context withAffd(boolean value) {
        return new Stage1Context(ttb0, ttb1, ips, value, asid, aset, pan, wxn, uwxn, world, vmid, ha, hd);
    }

    /** This context with another ASID and ASET. */
    public Stage1Context withAsid(int newAsid, boolean newAset) {
        return new Stage1Context(ttb0, ttb1, ips, affd, newAsid, newAset, pan, wxn, uwxn, world, vmid, ha, hd);
    }

    /** This context with PAN and WXN as given. */
    public Stage1Context withPanWxn(boolean newPan, boolean newWxn) {
        return new Stage1Context(ttb0, ttb1, ips, affd, asid, aset, newPan, newWxn, uwxn, world, vmid, ha, hd);
    }

    /** This context in another regime. */
    public Stage1Context withWorld(StreamWorld newWorld) {
        return new Stage1Context(ttb0, ttb1, ips, affd, asid, aset, pan, wxn, uwxn, newWorld, vmid, ha, hd);
    }

    /** This context with another effective IPS. */
    public Stage1Context withIps(int newIps) {
        return new Stage1Context(ttb0, ttb1, newIps, affd, asid, aset, pan, wxn, uwxn, world, vmid, ha, hd);
    }

    static void checkOutputSize(String what, int bits) {
        switch (bits) {
            case 32: case 36: case 40: case 42: case 44: case 48: case 52:
                return;
            default:
                throw new IllegalArgumentException(what + " must be 32, 36, 40, 42, 44, 48 or 52 bits, was " + bits);
        }
    }
}
