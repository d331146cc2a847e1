package org.smmuref.server.api;

/** Message headers the API reads. */
public final class ApiHeaders {
    /**
     * The requesting client's identity: every context and VM belongs to the id that created it. A local client sets
     * a random id of its own; the TCP bridge overwrites it with its connection's id on every inbound frame.
     */
    public static final String CLIENT = "smmuref-client";
    /** The access token the TCP bridge checks (when one is configured); the API itself ignores it. */
    public static final String TOKEN = "smmuref-token";
    /** The context handle of a request whose body is raw struct bytes (a JSON body carries it as {@code ctx}). */
    public static final String CONTEXT = "smmuref-ctx";

    /** The ioctl request value of a generic {@code iommufd.ioctl} whose body is a buffer. */
    public static final String IOCTL = "smmuref-ioctl";
    /** On a reply to an event-queue allocation in the buffer form: the address its records are published to. */
    public static final String EVENTS_ADDRESS = "smmuref-events-address";

    private ApiHeaders() {
    }
}
