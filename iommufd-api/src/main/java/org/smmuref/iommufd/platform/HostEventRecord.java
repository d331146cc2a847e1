package org.smmuref.iommufd.platform;

/**
 * An event record the host driver read from an IOMMU's event queue and kept (not forwarded to a guest).
 *
 * @param record the raw record (four 64-bit words)
 * @param reason why the host kept it
 */
public record HostEventRecord(long[] record, String reason) {
    /** Copies the record. */
    public HostEventRecord {
        record = record.clone();
    }

    @Override
    public long[] record() {
        return record.clone();
    }
}
