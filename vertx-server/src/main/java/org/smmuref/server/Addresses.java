package org.smmuref.server;

/** Event-bus addresses served by smmuref; one constant per address (see docs/event-bus-api.md). */
public final class Addresses {
    /** Prefix of every iommufd ioctl address. */
    public static final String IOMMUFD_PREFIX = "smmuref.iommufd.";
    /** Prefix of platform operations (DMA, guest memory, KVM). */
    public static final String PLATFORM_PREFIX = "smmuref.platform.";
    /** Prefix of published events. */
    public static final String EVENTS_PREFIX = "smmuref.events.";
    /** Liveness and build information. */
    public static final String HEALTH = "smmuref.server.health";

    private Addresses() {
    }
}
