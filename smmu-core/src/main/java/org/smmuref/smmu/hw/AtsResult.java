package org.smmuref.smmu.hw;

/**
 * The SMMU's answer to an ATS Translation Request ({@link Smmu#atsTranslate}).
 *
 * @param status whether a Translation Completion was returned or the request was refused
 * @param inputBase first untranslated address of the translated block (valid when {@code COMPLETED})
 * @param outputBase first translated address: a PA for full ATS, an IPA for split-stage ATS
 * @param size the block size in bytes (0 when not {@code COMPLETED})
 * @param read whether the completion grants reads (R)
 * @param write whether it grants writes (W); a translation-related fault answers with R = W = 0
 * @param splitStage whether the answer is a stage-1-only result (STE.EATS=0b10): translated traffic then goes through
 *     stage 2
 * @param event the event record generated for the request (F_BAD_ATS_TREQ, or a configuration error with
 *     CR2.REC_CFG_ATS), or {@code null}
 * @param reason why the request was refused or denied, for people; empty when access was granted
 */
public record AtsResult(Status status, long inputBase, long outputBase, long size, boolean read, boolean write,
                        boolean splitStage, EventRecord event, String reason) {

    /** The completion status of the request. */
    public enum Status {
        /** A Translation Completion (possibly with R = W = 0). */
        COMPLETED,
        /** Unsupported Request: ATS is not allowed for the stream, or the configuration is bad or aborts. */
        UNSUPPORTED_REQUEST
    }

    static AtsResult refused(EventRecord event, String reason) {
        return new AtsResult(Status.UNSUPPORTED_REQUEST, 0, 0, 0, false, false, false, event, reason);
    }

    static AtsResult noAccess(String reason) {
        return new AtsResult(Status.COMPLETED, 0, 0, 0, false, false, false, null, reason);
    }

    /** Whether the completion grants any access. */
    public boolean granted() {
        return status == Status.COMPLETED && (read || write);
    }
}
