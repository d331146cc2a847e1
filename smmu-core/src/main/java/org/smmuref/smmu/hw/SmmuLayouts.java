package org.smmuref.smmu.hw;

import static org.smmuref.smmu.hw.Field.address;
import static org.smmuref.smmu.hw.Field.value;

import java.util.List;

/**
 * The declarative layouts of the SMMUv3 configuration structures: STE, CD, L1STD, L1CD and the STRTAB_BASE /
 * STRTAB_BASE_CFG registers (smmuv3.md sections 1 to 3; bit numbers are absolute across the little-endian dwords).
 *
 * <p>Decoders read every field through these layouts, so a field's position is written down exactly once.
 * Reserved and IMPLEMENTATION DEFINED bit ranges are not named.
 */
public final class SmmuLayouts {
    private SmmuLayouts() {
    }

    /** Stream Table Entry, 64 bytes. */
    public static final FieldLayout STE = new FieldLayout("STE", 8, List.of(
        // dword 0
        value("V", 0, 0),
        value("Config", 3, 1),
        value("S1Fmt", 5, 4),
        address("S1ContextPtr", 55, 6),
        value("S1CDMax", 63, 59),
        // dword 1
        value("S1DSS", 65, 64),
        value("S1CIR", 67, 66),
        value("S1COR", 69, 68),
        value("S1CSH", 71, 70),
        value("S2HWU59", 72, 72),
        value("S2HWU60", 73, 73),
        value("S2HWU61", 74, 74),
        value("S2HWU62", 75, 75),
        value("DRE", 76, 76),
        value("CONT", 80, 77),
        value("DCP", 81, 81),
        value("PPAR", 82, 82),
        value("MEV", 83, 83),
        value("SW_RESERVED", 87, 84),
        value("S1PIE", 88, 88),
        value("S2FWB", 89, 89),
        value("S1MPAM", 90, 90),
        value("S1STALLD", 91, 91),
        value("EATS", 93, 92),
        value("STRW", 95, 94),
        value("MemAttr", 99, 96),
        value("MTCFG", 100, 100),
        value("ALLOCCFG", 104, 101),
        value("SHCFG", 109, 108),
        value("NSCFG", 111, 110),
        value("PRIVCFG", 113, 112),
        value("INSTCFG", 115, 114),
        // dword 2
        value("S2VMID", 143, 128),
        value("S2T0SZ", 165, 160),
        value("S2SL0", 167, 166),
        value("S2IR0", 169, 168),
        value("S2OR0", 171, 170),
        value("S2SH0", 173, 172),
        value("S2TG", 175, 174),
        value("S2PS", 178, 176),
        value("S2AA64", 179, 179),
        value("S2ENDI", 180, 180),
        value("S2AFFD", 181, 181),
        value("S2PTW", 182, 182),
        value("S2HD", 183, 183),
        value("S2HA", 184, 184),
        value("S2S", 185, 185),
        value("S2R", 186, 186),
        value("S2HAFT", 187, 187),
        value("S2PIE", 188, 188),
        value("S2POE", 189, 189),
        value("DPT_VMATCH", 191, 190),
        // dword 3
        value("S2NSW", 192, 192),
        value("S2NSA", 193, 193),
        value("S2SL0_2", 194, 194),
        value("S2DS", 195, 195),
        address("S2TTB", 247, 196),
        value("S2SKL", 254, 253),
        // dword 4
        value("PARTID", 287, 272),
        value("S_S2T0SZ", 293, 288),
        value("S_S2SL0", 295, 294),
        value("S_S2TG", 303, 302),
        value("MECID", 319, 304),
        // dword 5
        value("PMG", 327, 320),
        value("MPAM_NS", 328, 328),
        value("AssuredOnly", 329, 329),
        value("TL0", 330, 330),
        value("TL1", 331, 331),
        address("VMSPtr", 375, 332),
        // dword 6
        value("S2SW", 384, 384),
        value("S2SA", 385, 385),
        value("S_S2SL0_2", 386, 386),
        address("S_S2TTB", 439, 388),
        value("S_S2SKL", 446, 445),
        // dword 7
        value("S2POI", 511, 448)));

    /** Context Descriptor, 64 bytes. */
    public static final FieldLayout CD = new FieldLayout("CD", 8, List.of(
        // dword 0
        value("T0SZ", 5, 0),
        value("TG0", 7, 6),
        value("IR0", 9, 8),
        value("OR0", 11, 10),
        value("SH0", 13, 12),
        value("EPD0", 14, 14),
        value("ENDI", 15, 15),
        value("T1SZ", 21, 16),
        value("TG1", 23, 22),
        value("IR1", 25, 24),
        value("OR1", 27, 26),
        value("SH1", 29, 28),
        value("EPD1", 30, 30),
        value("V", 31, 31),
        value("IPS", 34, 32),
        value("AFFD", 35, 35),
        value("WXN", 36, 36),
        value("UWXN", 37, 37),
        value("TBI0", 38, 38),
        value("TBI1", 39, 39),
        value("PAN", 40, 40),
        value("AA64", 41, 41),
        value("HD", 42, 42),
        value("HA", 43, 43),
        value("S", 44, 44),
        value("R", 45, 45),
        value("A", 46, 46),
        value("ASET", 47, 47),
        value("ASID", 63, 48),
        // dword 1
        value("NSCFG0", 64, 64),
        value("HAD0", 65, 65),
        value("E0PD0", 66, 66),
        value("HAFT", 67, 67),
        address("TTB0", 119, 68),
        // dword 2
        value("NSCFG1", 128, 128),
        value("HAD1", 129, 129),
        value("E0PD1", 130, 130),
        value("AIE", 131, 131),
        address("TTB1", 183, 132),
        value("DS", 186, 186),
        value("PIE", 187, 187),
        // dword 3
        value("MAIR0", 223, 192),
        value("MAIR1", 255, 224),
        // dword 4
        value("AMAIR0", 287, 256),
        value("AMAIR1", 319, 288),
        // dword 5
        value("PARTID", 367, 352),
        value("PMG", 375, 368)));

    /** Level 1 Stream Table Descriptor, 8 bytes. */
    public static final FieldLayout L1STD = new FieldLayout("L1STD", 1, List.of(
        value("Span", 4, 0),
        address("L2Ptr", 55, 6)));

    /** Level 1 Context Descriptor, 8 bytes. */
    public static final FieldLayout L1CD = new FieldLayout("L1CD", 1, List.of(
        value("V", 0, 0),
        address("L2Ptr", 55, 12)));

    /** The SMMU_STRTAB_BASE register (64 bits). */
    public static final FieldLayout STRTAB_BASE = new FieldLayout("STRTAB_BASE", 1, List.of(
        address("ADDR", 55, 6),
        value("RA", 62, 62)));

    /** The SMMU_STRTAB_BASE_CFG register (32 bits, held in the low half of one dword). */
    public static final FieldLayout STRTAB_BASE_CFG = new FieldLayout("STRTAB_BASE_CFG", 1, List.of(
        value("LOG2SIZE", 5, 0),
        value("SPLIT", 10, 6),
        value("FMT", 17, 16)));

    // Fields the decoders read, resolved once.
    static final Field STE_V = STE.field("V");
    static final Field STE_CONFIG = STE.field("Config");
    static final Field STE_S1FMT = STE.field("S1Fmt");
    static final Field STE_S1CONTEXTPTR = STE.field("S1ContextPtr");
    static final Field STE_S1CDMAX = STE.field("S1CDMax");
    static final Field STE_S1DSS = STE.field("S1DSS");
    static final Field STE_S1STALLD = STE.field("S1STALLD");
    static final Field STE_EATS = STE.field("EATS");
    static final Field STE_STRW = STE.field("STRW");
    static final Field STE_S2VMID = STE.field("S2VMID");
    static final Field STE_S2T0SZ = STE.field("S2T0SZ");
    static final Field STE_S2SL0 = STE.field("S2SL0");
    static final Field STE_S2TG = STE.field("S2TG");
    static final Field STE_S2PS = STE.field("S2PS");
    static final Field STE_S2AA64 = STE.field("S2AA64");
    static final Field STE_S2ENDI = STE.field("S2ENDI");
    static final Field STE_S2HD = STE.field("S2HD");
    static final Field STE_S2HA = STE.field("S2HA");
    static final Field STE_S2S = STE.field("S2S");
    static final Field STE_S2HAFT = STE.field("S2HAFT");
    static final Field STE_S2TTB = STE.field("S2TTB");
    static final Field L1STD_SPAN = L1STD.field("Span");
    static final Field L1STD_L2PTR = L1STD.field("L2Ptr");
    static final Field L1CD_V = L1CD.field("V");
    static final Field L1CD_L2PTR = L1CD.field("L2Ptr");
    static final Field CFG_LOG2SIZE = STRTAB_BASE_CFG.field("LOG2SIZE");
    static final Field CFG_SPLIT = STRTAB_BASE_CFG.field("SPLIT");
    static final Field CFG_FMT = STRTAB_BASE_CFG.field("FMT");
    static final Field BASE_ADDR = STRTAB_BASE.field("ADDR");
}
