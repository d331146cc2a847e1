package org.smmuref.server.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The event-bus addresses of the API (see docs/event-bus-api.md): one request address per operation,
 * {@code smmuref.<node>.<group>.<op>}, event addresses under {@code smmuref.events.}, and the local-only
 * client-gone address.
 */
public final class ApiAddresses {
    /** The request addresses the TCP bridge lets in. */
    public static final String INBOUND_REGEX = "smmuref\\.[a-z0-9-]+\\.(iommufd|vfio|kvm|platform|hw)\\.[a-z0-9_]+";
    /** The event addresses the TCP bridge lets out. */
    public static final String OUTBOUND_REGEX = "smmuref\\.events\\..+";
    /** Prefix of every event address. */
    public static final String EVENTS_PREFIX = "smmuref.events.";
    /** The name of the embedded default platform. */
    public static final String LOCAL_NODE = "local";

    /** The iommufd group: context open/close/read and every ioctl. */
    public static final String IOMMUFD = "iommufd";
    /** The VFIO group: device bind, unbind, attach, replace, detach. */
    public static final String VFIO = "vfio";
    /** The KVM group: VMs, vCPUs, broadcast TLBIs, association with a context. */
    public static final String KVM = "kvm";
    /** The platform group: process and guest memory, page tables, device DMA, the description. */
    public static final String PLATFORM = "platform";
    /** The hardware group: MMIO registers, physical memory, host-kept events. */
    public static final String HW = "hw";

    private static final Pattern NODE = Pattern.compile("[a-z0-9-]+");
    private static final Pattern GROUP = Pattern.compile("iommufd|vfio|kvm|platform|hw");
    private static final Pattern OP = Pattern.compile("[a-z0-9_]+");
    private static final Pattern INBOUND = Pattern.compile(INBOUND_REGEX);

    private ApiAddresses() {
    }

    /** {@code smmuref.<node>.<group>.<op>}; each part is checked against its pattern. */
    public static String address(String node, String group, String op) {
        check(NODE, node, "node");
        check(GROUP, group, "group");
        check(OP, op, "op");
        return "smmuref." + node + "." + group + "." + op;
    }

    /** The local consumer that takes a client id and closes everything that client owns; not bridge-reachable. */
    public static String clientGone(String node) {
        check(NODE, node, "node");
        return "smmuref." + node + ".internal.client_gone";
    }

    /** An event address: {@code smmuref.events.<node>.<kind>.<token>}. */
    public static String event(String node, String kind, String token) {
        check(NODE, node, "node");
        check(OP, kind, "kind");
        Objects.requireNonNull(token, "token");
        return EVENTS_PREFIX + node + "." + kind + "." + token;
    }

    /** Whether the TCP bridge lets {@code address} in. */
    public static boolean inbound(String address) {
        return INBOUND.matcher(address).matches();
    }

    private static void check(Pattern p, String value, String what) {
        if (value == null || !p.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must match " + p.pattern() + ", was '" + value + "'");
        }
    }
}
