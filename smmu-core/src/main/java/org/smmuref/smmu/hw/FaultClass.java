package org.smmuref.smmu.hw;

/** The event record CLASS of a translation fault: what was being translated when the fault happened. */
public enum FaultClass {
    /** 0b00: the fetch of a context descriptor (nested: the S1ContextPtr / L1CD IPA). */
    CD(0),
    /** 0b01: a stage-1 translation table walk access (nested: the IPA of an S1 descriptor). */
    TT(1),
    /** 0b10: the transaction's input address (or, at stage 2, the IPA it became). */
    IN(2);

    private final int encoding;

    FaultClass(int encoding) {
        this.encoding = encoding;
    }

    /** The 2-bit CLASS field value of the event record. */
    public int encoding() {
        return encoding;
    }
}
