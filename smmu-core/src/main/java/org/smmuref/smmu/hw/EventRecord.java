package org.smmuref.smmu.hw;

import java.util.Objects;

/**
 * One immutable 32-byte event record (smmuv3.md section 5), with its encoding to and from 4 little-endian dwords.
 *
 * <p>A field the type does not carry must be zero (false, or {@code null} for CLASS); the constructor refuses
 * anything else, so that a record always encodes to exactly what it says. The IPA is recorded at page granularity
 * (IPA[55:12]) and FetchAddr at 8-byte granularity (FetchAddr[55:3]): the constructor drops the low bits.
 *
 * @param type the event type (EventID)
 * @param streamId StreamID of the transaction or configuration
 * @param ssv whether {@code substreamId} is valid
 * @param substreamId SubstreamID (0 unless {@code ssv})
 * @param stag stall tag (only meaningful with {@code stall})
 * @param stall whether the transaction is stalled and awaits CMD_RESUME
 * @param privileged PnU
 * @param instruction InD
 * @param read RnW
 * @param stage2 S2: the fault happened at stage 2
 * @param eventClass CLASS, or {@code null} for types without it
 * @param tableRead TTRnW (F_PERMISSION, CLASS = TT)
 * @param inputAddr the transaction's input address (64 bits)
 * @param ipa the IPA (translation faults with S2 = 1)
 * @param fetchAddr the PA whose fetch aborted
 */
public record EventRecord(EventType type, int streamId, boolean ssv, int substreamId, int stag, boolean stall,
                          boolean privileged, boolean instruction, boolean read, boolean stage2, EventClass eventClass,
                          boolean tableRead, long inputAddr, long ipa, long fetchAddr) {

    /** Bytes per record. */
    public static final int BYTES = 32;

    /** CLASS of a translation-related fault: what was being translated when it happened. */
    public enum EventClass {
        /** 00: a CD fetch (through stage 2). */
        CD,
        /** 01: a stage-1 table walk (its descriptor fetch through stage 2). */
        TT,
        /** 10: the transaction's input address. */
        IN
    }

    /** Validates the record against its type's layout. */
    public EventRecord {
        Objects.requireNonNull(type, "type");
        ipa &= ~0xFFFL;
        fetchAddr &= ~0x7L;
        if ((substreamId & ~0xF_FFFF) != 0) {
            throw new IllegalArgumentException("SubstreamID " + substreamId + " does not fit in 20 bits");
        }
        if (!ssv && substreamId != 0) {
            throw new IllegalArgumentException("SubstreamID " + substreamId + " given without SSV");
        }
        if ((stag & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("STAG " + stag + " does not fit in 16 bits");
        }
        if ((ipa | fetchAddr) >>> 56 != 0) {
            throw new IllegalArgumentException(
                String.format("IPA 0x%x / FetchAddr 0x%x exceed 56 bits", ipa, fetchAddr));
        }
        absentUnlessCarried(type, "STAG", stag != 0);
        absentUnlessCarried(type, "Stall", stall);
        absentUnlessCarried(type, "PnU", privileged);
        absentUnlessCarried(type, "InD", instruction);
        absentUnlessCarried(type, "RnW", read);
        absentUnlessCarried(type, "S2", stage2);
        absentUnlessCarried(type, "TTRnW", tableRead);
        absentUnlessCarried(type, "InputAddr", inputAddr != 0);
        absentUnlessCarried(type, "IPA", ipa != 0);
        absentUnlessCarried(type, "FetchAddr", fetchAddr != 0);
        absentUnlessCarried(type, "CLASS", eventClass != null);
        if (type.has("CLASS") && eventClass == null) {
            throw new IllegalArgumentException(type + " needs a CLASS");
        }
    }

    private static void absentUnlessCarried(EventType type, String field, boolean present) {
        if (present && !type.has(field)) {
            throw new IllegalArgumentException(type + " has no field " + field);
        }
    }

    /** A builder for a record of {@code type}; every field starts at zero (CLASS at IN where the type has it). */
    public static Builder builder(EventType type) {
        return new Builder(type);
    }

    /** A record with only the stream identification (C_BAD_STE, C_BAD_CD, F_STREAM_DISABLED, ...). */
    public static EventRecord of(EventType type, int streamId) {
        return builder(type).streamId(streamId).build();
    }

    /** The record as 4 little-endian dwords. */
    public long[] encode() {
        FieldLayout l = type.layout();
        long[] d = new long[4];
        l.field("EventID").set(d, type.code());
        l.field("SSV").set(d, ssv ? 1 : 0);
        l.field("SubstreamID").set(d, substreamId);
        l.field("StreamID").set(d, Integer.toUnsignedLong(streamId));
        setIfCarried(d, "STAG", stag);
        setIfCarried(d, "Stall", stall ? 1 : 0);
        setIfCarried(d, "PnU", privileged ? 1 : 0);
        setIfCarried(d, "InD", instruction ? 1 : 0);
        setIfCarried(d, "RnW", read ? 1 : 0);
        setIfCarried(d, "S2", stage2 ? 1 : 0);
        setIfCarried(d, "CLASS", eventClass == null ? 0 : eventClass.ordinal());
        setIfCarried(d, "TTRnW", tableRead ? 1 : 0);
        setIfCarried(d, "InputAddr", inputAddr);
        if (type.has("IPA")) {
            l.field("IPA").setDisplay(d, ipa);
        }
        if (type.has("FetchAddr")) {
            l.field("FetchAddr").setDisplay(d, fetchAddr);
        }
        return d;
    }

    private void setIfCarried(long[] d, String field, long value) {
        if (type.has(field)) {
            type.layout().field(field).set(d, value);
        }
    }

    /**
     * Decodes 4 dwords; bits the type does not define are ignored.
     *
     * @throws IllegalArgumentException for an EventID the model does not know, CLASS = 11, or not 4 dwords
     */
    public static EventRecord decode(long[] dwords) {
        if (dwords.length != 4) {
            throw new IllegalArgumentException("an event record is 4 dwords, got " + dwords.length);
        }
        int id = (int) (dwords[0] & 0xFF);
        EventType type = EventType.of(id)
            .orElseThrow(() -> new IllegalArgumentException(String.format("unknown EventID 0x%02x", id)));
        FieldLayout l = type.layout();
        boolean ssv = l.field("SSV").get(dwords) != 0;
        EventClass cls = null;
        if (type.has("CLASS")) {
            int c = (int) l.field("CLASS").get(dwords);
            if (c == 3) {
                throw new IllegalArgumentException(type + " with reserved CLASS = 11");
            }
            cls = EventClass.values()[c];
        }
        return new EventRecord(type, (int) l.field("StreamID").get(dwords), ssv,
            ssv ? (int) l.field("SubstreamID").get(dwords) : 0,
            (int) get(type, dwords, "STAG"), get(type, dwords, "Stall") != 0, get(type, dwords, "PnU") != 0,
            get(type, dwords, "InD") != 0, get(type, dwords, "RnW") != 0, get(type, dwords, "S2") != 0, cls,
            get(type, dwords, "TTRnW") != 0, get(type, dwords, "InputAddr"),
            type.has("IPA") ? l.field("IPA").display(dwords) : 0,
            type.has("FetchAddr") ? l.field("FetchAddr").display(dwords) : 0);
    }

    private static long get(EventType type, long[] dwords, String field) {
        return type.has(field) ? type.layout().field(field).get(dwords) : 0;
    }

    /**
     * Whether {@code later} may be merged into this record under STE.MEV: both unstalled and identical except for
     * InputAddr[11:0].
     */
    public boolean mergeableWith(EventRecord later) {
        return !stall && !later.stall
            && equals(new EventRecord(later.type, later.streamId, later.ssv, later.substreamId, later.stag,
                later.stall, later.privileged, later.instruction, later.read, later.stage2, later.eventClass,
                later.tableRead, (later.inputAddr & ~0xFFFL) | (inputAddr & 0xFFFL), later.ipa, later.fetchAddr));
    }

    /** Mutable builder of {@link EventRecord}. */
    public static final class Builder {
        private final EventType type;
        private int streamId;
        private boolean ssv;
        private int substreamId;
        private int stag;
        private boolean stall;
        private boolean privileged;
        private boolean instruction;
        private boolean read;
        private boolean stage2;
        private EventClass eventClass;
        private boolean tableRead;
        private long inputAddr;
        private long ipa;
        private long fetchAddr;

        private Builder(EventType type) {
            this.type = Objects.requireNonNull(type, "type");
            this.eventClass = type.has("CLASS") ? EventClass.IN : null;
        }

        /** StreamID. */
        public Builder streamId(int v) {
            streamId = v;
            return this;
        }

        /** SubstreamID with SSV = 1. */
        public Builder substreamId(int v) {
            ssv = true;
            substreamId = v;
            return this;
        }

        /** A stalled transaction with stall tag {@code tag}. */
        public Builder stalled(int tag) {
            stall = true;
            stag = tag;
            return this;
        }

        /** PnU, InD and RnW from the transaction's attributes. */
        public Builder access(Access access) {
            privileged = access.privileged();
            instruction = access.instruction();
            read = !access.write();
            return this;
        }

        /** RnW alone (for types that carry no PnU / InD). */
        public Builder read(boolean v) {
            read = v;
            return this;
        }

        /** S2 and CLASS. */
        public Builder stage(boolean s2, EventClass cls) {
            stage2 = s2;
            eventClass = cls;
            return this;
        }

        /** TTRnW. */
        public Builder tableRead(boolean v) {
            tableRead = v;
            return this;
        }

        /** InputAddr. */
        public Builder inputAddr(long v) {
            inputAddr = v;
            return this;
        }

        /** IPA. */
        public Builder ipa(long v) {
            ipa = v;
            return this;
        }

        /** FetchAddr. */
        public Builder fetchAddr(long v) {
            fetchAddr = v;
            return this;
        }

        /** The record; throws {@link IllegalArgumentException} if a field does not belong to the type. */
        public EventRecord build() {
            return new EventRecord(type, streamId, ssv, substreamId, stag, stall, privileged, instruction, read,
                stage2, eventClass, tableRead, inputAddr, ipa, fetchAddr);
        }
    }
}
