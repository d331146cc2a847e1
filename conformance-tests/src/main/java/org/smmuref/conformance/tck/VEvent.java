package org.smmuref.conformance.tck;

import java.util.ArrayList;
import java.util.List;

/**
 * One record read from a vEVENTQ fd: {@code struct iommufd_vevent_header { u32 flags; u32 sequence; }} followed,
 * unless flags has IOMMU_VEVENTQ_FLAG_LOST_EVENTS (bit 0), by {@code struct iommu_vevent_arm_smmuv3 { le64 evt[4]; }}.
 */
public record VEvent(int flags, int sequence, long[] evt) {
    /** IOMMU_VEVENTQ_FLAG_LOST_EVENTS. */
    public static final int LOST_EVENTS = 1;

    /** Whether this is the lost-events header. */
    public boolean lost() {
        return (flags & LOST_EVENTS) != 0;
    }

    /** The event's StreamID field (evt[0] [63:32]), the vSID for a guest. */
    public long sid() {
        return evt[0] >>> 32;
    }

    /** The event type (evt[0] [7:0]). */
    public int type() {
        return (int) (evt[0] & 0xff);
    }

    /** The input address (evt[2]). */
    public long inputAddress() {
        return evt[2];
    }

    /** Splits a read's bytes into records. */
    public static List<VEvent> parse(byte[] raw) {
        List<VEvent> out = new ArrayList<>();
        int off = 0;
        while (off + 8 <= raw.length) {
            int flags = Le.u32(raw, off);
            int seq = Le.u32(raw, off + 4);
            off += 8;
            if ((flags & LOST_EVENTS) != 0) {
                out.add(new VEvent(flags, seq, new long[4]));
                continue;
            }
            long[] evt = new long[4];
            for (int i = 0; i < 4; i++) {
                evt[i] = Le.u64(raw, off + 8 * i);
            }
            off += 32;
            out.add(new VEvent(flags, seq, evt));
        }
        return out;
    }

    @Override
    public String toString() {
        return lost() ? "LOST_EVENTS(seq " + sequence + ")"
            : String.format("event(type 0x%x, sid 0x%x, addr 0x%x, seq %d)", type(), sid(), inputAddress(), sequence);
    }
}
