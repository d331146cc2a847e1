package org.smmuref.smmu.hw;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The event record types of smmuv3.md section 5, each with the layout of the fields it carries.
 *
 * <p>Every record has EventID, SSV, SubstreamID and StreamID in dword0. The others are placed as the spec's common
 * layout says: STAG[79:64], Stall[95], PnU[97], InD[98], RnW[99], S2[103], CLASS[105:104], TTRnW[108],
 * InputAddr[191:128], and in dword3 either IPA[55:12] (translation faults) or FetchAddr[55:3] (fetch aborts).
 */
public enum EventType {
    /** 0x01: unsupported upstream transaction. */
    F_UUT(0x01, Group.ACCESS),
    /** 0x02: StreamID out of range or bad L1STD (only with CR2.RECINVSID). */
    C_BAD_STREAMID(0x02, Group.STREAM),
    /** 0x03: external abort or out-of-range STE fetch. */
    F_STE_FETCH(0x03, Group.FETCH),
    /** 0x04: STE invalid or illegal. */
    C_BAD_STE(0x04, Group.STREAM),
    /** 0x05: ATS translation request not allowed. */
    F_BAD_ATS_TREQ(0x05, Group.ACCESS),
    /** 0x06: traffic of a stream whose substream configuration disables it. */
    F_STREAM_DISABLED(0x06, Group.STREAM),
    /** 0x07: ATS-translated traffic where bypass is not allowed. */
    F_TRANSL_FORBIDDEN(0x07, Group.TRANSLATED),
    /** 0x08: SubstreamID not valid for the stream. */
    C_BAD_SUBSTREAMID(0x08, Group.STREAM),
    /** 0x09: external abort fetching a CD (FetchAddr is a PA). */
    F_CD_FETCH(0x09, Group.FETCH),
    /** 0x0A: CD invalid or illegal. */
    C_BAD_CD(0x0A, Group.STREAM),
    /** 0x0B: external abort fetching or updating a translation table descriptor. */
    F_WALK_EABT(0x0B, Group.WALK_ABORT),
    /** 0x10: translation fault. */
    F_TRANSLATION(0x10, Group.TRANSLATION),
    /** 0x11: address size fault. */
    F_ADDR_SIZE(0x11, Group.TRANSLATION),
    /** 0x12: access flag fault. */
    F_ACCESS(0x12, Group.TRANSLATION),
    /** 0x13: permission fault (TTRnW valid for CLASS = TT). */
    F_PERMISSION(0x13, Group.PERMISSION),
    /** 0x20: TLB conflict. */
    F_TLB_CONFLICT(0x20, Group.CONFLICT),
    /** 0x21: configuration cache conflict. */
    F_CFG_CONFLICT(0x21, Group.STREAM),
    /** 0x24: speculative page request hint. */
    E_PAGE_REQUEST(0x24, Group.PAGE_REQUEST),
    /** 0x25: external abort fetching the VMS. */
    F_VMS_FETCH(0x25, Group.FETCH);

    /** Which fields beyond the stream identification a group of event types carries. */
    private enum Group {
        STREAM(),
        FETCH("FetchAddr"),
        ACCESS("PnU", "InD", "RnW", "InputAddr"),
        TRANSLATED("RnW", "InputAddr"),
        WALK_ABORT("STAG", "Stall", "PnU", "InD", "RnW", "S2", "CLASS", "InputAddr", "FetchAddr"),
        TRANSLATION("STAG", "Stall", "PnU", "InD", "RnW", "S2", "CLASS", "InputAddr", "IPA"),
        PERMISSION("STAG", "Stall", "PnU", "InD", "RnW", "S2", "CLASS", "TTRnW", "InputAddr", "IPA"),
        CONFLICT("RnW", "S2", "InputAddr", "IPA"),
        PAGE_REQUEST("InputAddr");

        private final List<String> fields;

        Group(String... fields) {
            this.fields = List.of(fields);
        }
    }

    private final int code;
    private final FieldLayout layout;

    EventType(int code, Group group) {
        this.code = code;
        List<Field> fields = new ArrayList<>(List.of(Field.value("EventID", 7, 0), Field.value("SSV", 11, 11),
            Field.value("SubstreamID", 31, 12), Field.value("StreamID", 63, 32)));
        for (String name : group.fields) {
            fields.add(optionalField(name));
        }
        this.layout = new FieldLayout(name(), 4, fields);
    }

    private static Field optionalField(String name) {
        return switch (name) {
            case "STAG" -> Field.value(name, 79, 64);
            case "Stall" -> Field.value(name, 95, 95);
            case "PnU" -> Field.value(name, 97, 97);
            case "InD" -> Field.value(name, 98, 98);
            case "RnW" -> Field.value(name, 99, 99);
            case "S2" -> Field.value(name, 103, 103);
            case "CLASS" -> Field.value(name, 105, 104);
            case "TTRnW" -> Field.value(name, 108, 108);
            case "InputAddr" -> Field.value(name, 191, 128);
            case "IPA" -> Field.address(name, 247, 204);
            case "FetchAddr" -> Field.address(name, 247, 195);
            default -> throw new IllegalArgumentException("no event field " + name);
        };
    }

    /** The EventID value. */
    public int code() {
        return code;
    }

    /** The record layout (4 dwords); its name is the spec's, e.g. {@code F_TRANSLATION}. */
    public FieldLayout layout() {
        return layout;
    }

    /** Whether records of this type carry the field {@code fieldName}. */
    public boolean has(String fieldName) {
        return layout.hasField(fieldName);
    }

    /** The event type with EventID {@code code}, if the model knows it. */
    public static Optional<EventType> of(int code) {
        for (EventType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The event type called {@code name} (case-insensitive). */
    public static Optional<EventType> byName(String name) {
        for (EventType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
