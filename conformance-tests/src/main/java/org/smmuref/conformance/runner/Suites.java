package org.smmuref.conformance.runner;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.smmuref.conformance.suites.HardwareVerification;
import org.smmuref.conformance.suites.InvalidationVerification;
import org.smmuref.conformance.suites.LifecycleVerification;
import org.smmuref.conformance.suites.NestingVerification;
import org.smmuref.conformance.suites.UapiVerification;
import org.smmuref.conformance.suites.VeventqVerification;
import org.smmuref.conformance.suites.VmidVerification;

/** The suites by the name {@code --suite} takes. */
public final class Suites {
    /** Name to suite class, in run order. */
    public static final Map<String, Class<?>> ALL;

    static {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("uapi", UapiVerification.class);
        m.put("lifecycle", LifecycleVerification.class);
        m.put("nesting", NestingVerification.class);
        m.put("invalidation", InvalidationVerification.class);
        m.put("veventq", VeventqVerification.class);
        m.put("vmid", VmidVerification.class);
        m.put("hardware", HardwareVerification.class);
        ALL = java.util.Collections.unmodifiableMap(m);
    }

    private Suites() {
    }

    /** The classes of {@code names} (all when empty); IllegalArgumentException for an unknown name. */
    public static List<Class<?>> select(List<String> names) {
        if (names.isEmpty()) {
            return List.copyOf(ALL.values());
        }
        return names.stream().<Class<?>>map(n -> {
            Class<?> c = ALL.get(n);
            if (c == null) {
                throw new IllegalArgumentException("unknown suite '" + n + "'; suites: " + ALL.keySet());
            }
            return c;
        }).toList();
    }
}
