package org.smmuref.smmu.hw;

/**
 * Where the SMMU's wired interrupts and WFE wake-up events go; implemented by the platform (an interrupt controller
 * model, or a test that records them).
 */
public interface InterruptSink {

    /** The SMMU's wired interrupt outputs. */
    enum Line {
        /** The event queue has new entries. */
        EVENTQ,
        /** The PRI queue has new entries. */
        PRIQ,
        /** A global error became active. */
        GERROR,
        /** A CMD_SYNC with CS = SIG_IRQ completed and no MSI was sent. */
        CMD_SYNC
    }

    /** Pulses the wired interrupt {@code line}. */
    void wired(Line line);

    /** Sends a WFE wake-up event (CMD_SYNC with CS = SIG_SEV on an SMMU with IDR0.SEV). */
    void sendEvent();
}
