package org.smmuref.smmu.hw;

/** The translation-related fault events a walk can produce, with their event queue EventID. */
public enum FaultType {
    /** External abort fetching a descriptor (0x0B). */
    F_WALK_EABT(0x0B),
    /** Input out of range, disabled TTBx, invalid or reserved descriptor, illegal block level (0x10). */
    F_TRANSLATION(0x10),
    /** Table or leaf output above the effective IPS / S2PS, or a stage-1-bypass input above IAS (0x11). */
    F_ADDR_SIZE(0x11),
    /** AF=0 in a leaf descriptor while AFFD / S2AFFD is 0 (0x12). */
    F_ACCESS(0x12),
    /** The descriptor's permissions deny the access (0x13). */
    F_PERMISSION(0x13);

    private final int eventId;

    FaultType(int eventId) {
        this.eventId = eventId;
    }

    /** The EventID of the event record this fault produces. */
    public int eventId() {
        return eventId;
    }
}
