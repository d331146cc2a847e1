package org.smmuref.smmu.driver;

/**
 * An event record the host driver kept for itself rather than forwarding it to a vIOMMU (the kernel would log it).
 *
 * @param record the 4 raw dwords as read from the event queue
 * @param reason why it stayed with the host (no nested attachment, an event id that is not forwarded, no vEVENTQ)
 */
public record HostEvent(long[] record, String reason) {
    /** Copies the dwords. */
    public HostEvent {
        record = record.clone();
    }

    /** The EventID. */
    public int eventId() {
        return (int) (record[0] & 0xFF);
    }

    /** The StreamID. */
    public int streamId() {
        return (int) (record[0] >>> 32);
    }

    @Override
    public long[] record() {
        return record.clone();
    }
}
