package org.smmuref.iommufd.platform;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the IOMMU did with a device transaction.
 *
 * @param outcome for a translation: translated, bypassed, aborted or read-as-zero / write-ignored; for a transfer:
 *     {@code COMPLETED} when every byte moved, else the outcome of the page that stopped it
 * @param inputAddress the transaction's input address (where the transfer stopped, for a partial one)
 * @param physicalAddress the PA reached (a translated or bypassed translation), else -1
 * @param transferred bytes moved before the transfer completed or stopped (0 for a translation only)
 * @param data the bytes a read returned ({@code transferred} of them; empty for writes)
 * @param reason why it stopped, for people; empty when it completed
 * @param event the event record the IOMMU generated (four 64-bit words), or empty
 */
public record DmaResult(Outcome outcome, long inputAddress, long physicalAddress, int transferred, byte[] data,
                        String reason, long[] event) {
    /** The IOMMU's decision on the access. */
    public enum Outcome {
        /** A transfer moved every byte (read-as-zero / write-ignored pages count as moved). */
        COMPLETED,
        /** Translated to a physical address. */
        TRANSLATED,
        /** Passed untranslated. */
        BYPASSED,
        /** Aborted: the device sees an abort. */
        ABORTED,
        /** Terminated as read-as-zero / write-ignored (a stage-1 fault with CD.A = 0). */
        RAZ_WI
    }

    /** Copies the arrays. */
    public DmaResult {
        Objects.requireNonNull(outcome);
        data = data.clone();
        Objects.requireNonNull(reason);
        event = event.clone();
    }

    /** Whether the access reached memory. */
    public boolean proceeded() {
        return outcome == Outcome.COMPLETED || outcome == Outcome.TRANSLATED || outcome == Outcome.BYPASSED;
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public long[] event() {
        return event.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DmaResult r && outcome == r.outcome && inputAddress == r.inputAddress
            && physicalAddress == r.physicalAddress && transferred == r.transferred && Arrays.equals(data, r.data)
            && reason.equals(r.reason) && Arrays.equals(event, r.event);
    }

    @Override
    public int hashCode() {
        return Objects.hash(outcome, inputAddress, physicalAddress, transferred, Arrays.hashCode(data), reason,
            Arrays.hashCode(event));
    }

    @Override
    public String toString() {
        return "DmaResult[" + outcome + " ia=0x" + Long.toHexString(inputAddress) + " pa=0x"
            + Long.toHexString(physicalAddress) + " transferred=" + transferred + " reason=" + reason + "]";
    }
}
