package org.smmuref.smmu.hw;

/**
 * The raw memory attributes of a translation, per stage, as the descriptors hold them (combining them with MAIR and
 * S2FWB is the caller's business; the walker needs only S2 MemAttr for S2PTW).
 *
 * @param s1AttrIndx stage-1 AttrIndx[2:0] (MAIR byte index), or -1 without stage 1
 * @param s1Sh stage-1 SH[1:0], or -1 without stage 1
 * @param s1Ns stage-1 NS bit
 * @param s2MemAttr stage-2 MemAttr[3:0], or -1 without stage 2
 * @param s2Sh stage-2 SH[1:0], or -1 without stage 2
 */
public record MemoryAttributes(int s1AttrIndx, int s1Sh, boolean s1Ns, int s2MemAttr, int s2Sh) {
    /** Attributes of a translation without either stage's descriptor. */
    public static final MemoryAttributes NONE = new MemoryAttributes(-1, -1, false, -1, -1);

    // Every value the walker can produce, made once: a miss walk then allocates no attributes. Indexed by each field
    // plus one (so -1 is 0); filled lazily, racing threads at worst make an equal instance twice.
    private static final MemoryAttributes[] CACHE = new MemoryAttributes[9 * 5 * 2 * 17 * 5];

    /** The attributes with these fields, shared when every field is in its architectural range (or -1). */
    public static MemoryAttributes of(int s1AttrIndx, int s1Sh, boolean s1Ns, int s2MemAttr, int s2Sh) {
        if (s1AttrIndx < -1 || s1AttrIndx > 7 || s1Sh < -1 || s1Sh > 3 || s2MemAttr < -1 || s2MemAttr > 15
            || s2Sh < -1 || s2Sh > 3) {
            return new MemoryAttributes(s1AttrIndx, s1Sh, s1Ns, s2MemAttr, s2Sh);
        }
        int i = (((((s1AttrIndx + 1) * 5 + s1Sh + 1) * 2 + (s1Ns ? 1 : 0)) * 17 + s2MemAttr + 1) * 5) + s2Sh + 1;
        MemoryAttributes m = CACHE[i];
        if (m == null) {
            m = new MemoryAttributes(s1AttrIndx, s1Sh, s1Ns, s2MemAttr, s2Sh);
            CACHE[i] = m;
        }
        return m;
    }

    /** Whether stage 2 made the location Device memory (MemAttr[3:2] == 0b00, without S2FWB). */
    public boolean s2Device() {
        return s2MemAttr >= 0 && (s2MemAttr & 0b1100) == 0;
    }

    /** These stage-1 attributes combined with the stage-2 attributes of {@code s2}. */
    public MemoryAttributes withStage2(MemoryAttributes s2) {
        return of(s1AttrIndx, s1Sh, s1Ns, s2.s2MemAttr, s2.s2Sh);
    }
}
