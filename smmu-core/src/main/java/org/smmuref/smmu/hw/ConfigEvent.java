package org.smmuref.smmu.hw;

/**
 * The events that configuration lookup (stream table, STE, CD table, CD) can raise, with their event-record IDs
 * (smmuv3.md section 5).
 */
public enum ConfigEvent {
    /** StreamID out of range of the stream table or of its L1STD span. */
    C_BAD_STREAMID(0x02),
    /** External abort fetching an STE or L1STD. */
    F_STE_FETCH(0x03),
    /** STE V=0 or ILLEGAL. */
    C_BAD_STE(0x04),
    /** Transaction without a substream where S1DSS terminates, or SSID 0 with S1DSS=0b10. */
    F_STREAM_DISABLED(0x06),
    /** Substream not allowed by the STE or the CD table (range, L1CD). */
    C_BAD_SUBSTREAMID(0x08),
    /** External abort fetching a CD or L1CD. */
    F_CD_FETCH(0x09),
    /** CD V=0 or ILLEGAL. */
    C_BAD_CD(0x0A);

    private final int id;

    ConfigEvent(int id) {
        this.id = id;
    }

    /** The EventID written to bits [7:0] of the event record. */
    public int id() {
        return id;
    }

    /** Whether the event carries a FetchAddr (the fetch-abort events). */
    public boolean hasFetchAddress() {
        return this == F_STE_FETCH || this == F_CD_FETCH;
    }
}
