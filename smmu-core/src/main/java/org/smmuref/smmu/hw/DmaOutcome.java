package org.smmuref.smmu.hw;

/**
 * What the SMMU did with one incoming transaction at the DMA port ({@link Smmu#translate}): translated it, let it
 * through untranslated, aborted it, or terminated it as read-as-zero / write-ignored.
 */
public sealed interface DmaOutcome permits DmaOutcome.Translated, DmaOutcome.Bypassed, DmaOutcome.Aborted,
    DmaOutcome.RazWi {

    /** Whether the transaction reaches memory (translated or bypassed). */
    default boolean proceeds() {
        return this instanceof Translated || this instanceof Bypassed;
    }

    /** The physical address the transaction reaches; only for outcomes that {@link #proceeds()}. */
    default long physicalAddress() {
        throw new IllegalStateException("the transaction was terminated: " + this);
    }

    /**
     * The transaction was translated.
     *
     * @param inputAddress the transaction's input address
     * @param outputAddress the physical address it reaches
     * @param translation the (possibly cached) translation of the naturally aligned block holding the address
     */
    record Translated(long inputAddress, long outputAddress, Translation translation) implements DmaOutcome {
        /** The size in bytes of the translated block. */
        public long size() {
            return translation.size();
        }

        /** The bytes from the input address to the end of the translated block. */
        public long remaining() {
            return translation.size() - (inputAddress & (translation.size() - 1));
        }

        /** The raw stage-1 and stage-2 memory attributes of the block. */
        public MemoryAttributes attributes() {
            return translation.attributes();
        }

        @Override
        public long physicalAddress() {
            return outputAddress;
        }
    }

    /**
     * The transaction passed untranslated (SMMUEN=0 with GBPA bypass, STE Config bypass, both stages bypassed, or
     * ATS-translated traffic that is allowed through).
     *
     * @param address the input address, which is also the output address
     */
    record Bypassed(long address) implements DmaOutcome {
        @Override
        public long physicalAddress() {
            return address;
        }
    }

    /**
     * The transaction was aborted (the device sees an abort).
     *
     * @param event the event record the SMMU generated for it, or {@code null} when the rules record none (GBPA
     *     abort, STE Config abort, C_BAD_STREAMID without CR2.RECINVSID, a fault with CD.R=0 / STE.S2R=0). A generated
     *     record may still be discarded by the event queue (EVENTQEN=0) or lost to overflow (OVFLG)
     * @param reason why, for people
     */
    record Aborted(EventRecord event, String reason) implements DmaOutcome {
    }

    /**
     * A translation-related stage-1 fault with CD.A=0: the transaction completes as read-as-zero / write-ignored.
     *
     * @param event the generated event record (CD.R=1), or {@code null} (CD.R=0)
     */
    record RazWi(EventRecord event) implements DmaOutcome {
    }
}
