package org.smmuref.smmu.hw;

/**
 * The effective stage-2 configuration of a stream, free of decode concerns (the STE decoder checks S2T0SZ against
 * S2SL0/S2TG and computes the effective S2PS; {@link #startLevelFromSl0} converts the SL0 encoding).
 *
 * @param vmid S2VMID
 * @param s2ttb stage-2 table base (a PA); bits below the initial (possibly concatenated) table size read as zero
 * @param t0sz S2T0SZ: the IPA space is 2^(64 - S2T0SZ) bytes
 * @param startLevel the initial lookup level (from S2SL0 and S2TG)
 * @param granule the stage-2 granule
 * @param ps effective S2PS in bits (MIN(S2PS, OAS)), checked against table and leaf outputs
 * @param affd S2AFFD: AF=0 never faults at stage 2
 * @param ptw S2PTW: stage-1 table walks and CD fetches that reach Device memory take a stage-2 permission fault
 * @param ha STE.S2HA: the walker sets AF in a stage-2 leaf instead of taking an Access flag fault
 * @param hd STE.S2HD with S2HA: a write to a writable-clean stage-2 leaf (DBM = 1, S2AP[1] = 0) sets S2AP[1];
 *     S2HD without S2HA is treated as 0
 */
public record Stage2Context(int vmid, long s2ttb, int t0sz, int startLevel, Granule granule, int ps, boolean affd,
                            boolean ptw, boolean ha, boolean hd) {

    /** Maximum number of concatenated initial tables. */
    public static final int MAX_CONCATENATED = 16;

    /** Validates the context, including the S2T0SZ / start level consistency and concatenation (2..16 tables). */
    public Stage2Context {
        hd = hd && ha;
        if (granule == null) {
            throw new IllegalArgumentException("granule must be given");
        }
        if (vmid < 0 || vmid > 0xFFFF) {
            throw new IllegalArgumentException("VMID must be a 16-bit value, was " + vmid);
        }
        Stage1Context.checkOutputSize("S2PS", ps);
        int n = 64 - t0sz;
        if (startLevel < granule.minLevel() || startLevel > 3 || (granule == Granule.G16K && startLevel == 0)) {
            throw new IllegalArgumentException("start level " + startLevel + " is not valid for " + granule
                + " without DS");
        }
        int shift = granule.levelShift(startLevel);
        if (t0sz < 0 || n <= shift || n > shift + granule.stride() + 4 || n > granule.maxInputBits()) {
            throw new IllegalArgumentException("S2T0SZ " + t0sz + " (" + n + "-bit IPA) is inconsistent with start level "
                + startLevel + " for " + granule + " (at most " + MAX_CONCATENATED + " concatenated tables)");
        }
        if (s2ttb < 0 || (s2ttb & 7) != 0 || (ps < 64 && s2ttb >>> ps != 0)) {
            throw new IllegalArgumentException(String.format(
                "S2TTB 0x%x must be 8-byte aligned and inside the %d-bit S2PS", s2ttb, ps));
        }
    }

    /** A context without hardware AF or dirty-state updates (S2HA = S2HD = 0). */
    public Stage2Context(int vmid, long s2ttb, int t0sz, int startLevel, Granule granule, int ps, boolean affd,
                         boolean ptw) {
        this(vmid, s2ttb, t0sz, startLevel, granule, ps, affd, ptw, false, false);
    }

    /** This context with S2HA and S2HD as given. */
    public Stage2Context withHttu(boolean newHa, boolean newHd) {
        return new Stage2Context(vmid, s2ttb, t0sz, startLevel, granule, ps, affd, ptw, newHa, newHd);
    }

    /** A context with S2AFFD and S2PTW off. */
    public static Stage2Context of(int vmid, long s2ttb, int t0sz, int startLevel, Granule granule, int ps) {
        return new Stage2Context(vmid, s2ttb, t0sz, startLevel, granule, ps, false, false);
    }

    /** The IPA size in bits, 64 - S2T0SZ. */
    public int inputBits() {
        return 64 - t0sz;
    }

    /** The number of concatenated tables at the initial level (1 when not concatenated). */
    public int concatenatedTables() {
        return 1 << Math.max(0, inputBits() - granule.levelShift(startLevel) - granule.stride());
    }

    /** The size in bytes of the initial lookup table(s), to which S2TTB must be aligned. */
    public long initialTableBytes() {
        return 8L << (inputBits() - granule.levelShift(startLevel));
    }

    /** This context with S2AFFD and S2PTW as given. */
    public Stage2Context withFlags(boolean newAffd, boolean newPtw) {
        return new Stage2Context(vmid, s2ttb, t0sz, startLevel, granule, ps, newAffd, newPtw, ha, hd);
    }

    /**
     * The start level encoded by S2SL0 (VTCR_EL2.SL0, DS=0) for {@code granule}.
     *
     * @param ttst whether FEAT_TTST (IDR3.STT) allows the 4K level-3 start (SL0 = 3)
     * @throws IllegalArgumentException for a reserved encoding
     */
    public static int startLevelFromSl0(Granule granule, int sl0, boolean ttst) {
        if (sl0 < 0 || sl0 > 3) {
            throw new IllegalArgumentException("S2SL0 is a 2-bit field, was " + sl0);
        }
        // One decoding of S2SL0 serves the STE decoder and the contexts; a 52-bit PA lifts the PA-size conditions.
        int level = TranslationGeometry.stage2StartLevel(granule.shift(), sl0, ttst, PhysicalMemory.MAX_PA_BITS);
        if (level < 0) {
            throw new IllegalArgumentException(granule == Granule.G4K
                ? "S2SL0=3 with a 4K granule needs FEAT_TTST"
                : "S2SL0=3 is reserved for " + granule + " without DS");
        }
        return level;
    }

    /** The S2SL0 encoding of {@code startLevel} for {@code granule} (inverse of {@link #startLevelFromSl0}). */
    public static int sl0Of(Granule granule, int startLevel) {
        if (granule == Granule.G4K) {
            return startLevel == 3 ? 3 : 2 - startLevel;
        }
        if (startLevel < 1) {
            throw new IllegalArgumentException(granule + " cannot start at level 0 without DS");
        }
        return 3 - startLevel;
    }
}
