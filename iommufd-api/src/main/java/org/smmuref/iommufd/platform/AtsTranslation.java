package org.smmuref.iommufd.platform;

import java.util.Objects;

/**
 * The answer to an ATS Translation Request.
 *
 * @param completed a Translation Completion was returned (else Unsupported Request)
 * @param inputBase first untranslated address of the translated block
 * @param outputBase first translated address (a PA, or an IPA for split-stage ATS)
 * @param size the block size (0 unless completed)
 * @param read whether reads are granted
 * @param write whether writes are granted
 * @param splitStage a stage-1-only answer whose traffic still goes through stage 2
 * @param reason why access was refused or denied; empty when granted
 * @param event the event record generated for the request, or empty
 */
public record AtsTranslation(boolean completed, long inputBase, long outputBase, long size, boolean read,
                             boolean write, boolean splitStage, String reason, long[] event) {
    /** Copies the event. */
    public AtsTranslation {
        Objects.requireNonNull(reason);
        event = event.clone();
    }

    @Override
    public long[] event() {
        return event.clone();
    }
}
