package org.smmuref.server;

/**
 * The address rules the TCP bridge enforces, as the server contract fixes them (they mirror the API's
 * {@code ApiAddresses}; the bridge keeps its own copy so that it can be built and tested on its own).
 */
public final class BridgeAddresses {
    /** What the bridge lets in: the API's request addresses {@code smmuref.<node>.<group>.<op>}. */
    public static final String INBOUND_REGEX = "smmuref\\.[a-z0-9-]+\\.(iommufd|vfio|kvm|platform|hw)\\.[a-z0-9_]+";
    /** What the bridge lets out: event addresses. */
    public static final String OUTBOUND_REGEX = "smmuref\\.events\\..+";

    private BridgeAddresses() {
    }

    /** The local address that learns a client id whose connection closed. */
    public static String clientGone(String node) {
        return "smmuref." + node + ".internal.client_gone";
    }
}
