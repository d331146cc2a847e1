package org.smmuref.iommufd.platform;

import java.util.Objects;

/**
 * One device transaction at an IOMMU's DMA port.
 *
 * @param iommu the IOMMU instance the device sits behind
 * @param streamId the device's StreamID
 * @param substreamId the PASID / SubstreamID, or -1 for none
 * @param address the input address (an IOVA)
 * @param access read or write, instruction fetch, privileged
 * @param length the bytes to read (reads and translations; ignored for writes)
 * @param data the bytes to write (writes only; empty otherwise)
 */
public record DmaRequest(int iommu, int streamId, int substreamId, long address, DmaAccess access, int length,
                         byte[] data) {
    /** No SubstreamID. */
    public static final int NO_SUBSTREAM = -1;

    /** Validates. */
    public DmaRequest {
        Objects.requireNonNull(access);
        data = data == null ? new byte[0] : data.clone();
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative: " + length);
        }
    }

    /** A read of {@code length} bytes. */
    public static DmaRequest read(int iommu, int streamId, long address, int length) {
        return new DmaRequest(iommu, streamId, NO_SUBSTREAM, address, DmaAccess.READ, length, null);
    }

    /** A write of {@code data}. */
    public static DmaRequest write(int iommu, int streamId, long address, byte[] data) {
        return new DmaRequest(iommu, streamId, NO_SUBSTREAM, address, DmaAccess.WRITE, data.length, data);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }
}
