package org.smmuref.smmu.tools;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.smmuref.smmu.hw.FieldLayout;
import org.smmuref.smmu.hw.SmmuLayouts;

/**
 * The structure kinds the decoder tool knows, keyed by the name users type ({@code ste}, {@code cd}, ...).
 *
 * <p>Other parts of the model register their own layouts (for example {@code cmd} and {@code evt} from the queues);
 * a kind is registered once.
 */
public final class StructureRegistry {
    private final Map<String, FieldLayout> layouts = new LinkedHashMap<>();

    /** An empty registry. */
    public StructureRegistry() {
    }

    /** A registry holding the configuration structures: ste, cd, l1std, l1cd, strtab_base, strtab_base_cfg. */
    public static StructureRegistry standard() {
        return new StructureRegistry()
            .register("ste", SmmuLayouts.STE)
            .register("cd", SmmuLayouts.CD)
            .register("l1std", SmmuLayouts.L1STD)
            .register("l1cd", SmmuLayouts.L1CD)
            .register("strtab_base", SmmuLayouts.STRTAB_BASE)
            .register("strtab_base_cfg", SmmuLayouts.STRTAB_BASE_CFG);
    }

    /**
     * Registers {@code layout} under {@code kind}.
     *
     * @throws IllegalArgumentException if the kind is empty, not lower-case, or already registered
     */
    public synchronized StructureRegistry register(String kind, FieldLayout layout) {
        if (kind == null || !kind.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("a kind is a lower-case name like 'ste', was " + kind);
        }
        if (layouts.putIfAbsent(kind, layout) != null) {
            throw new IllegalArgumentException("kind '" + kind + "' is already registered");
        }
        return this;
    }

    /**
     * The layout registered for {@code kind}.
     *
     * @throws IllegalArgumentException naming the known kinds if there is none
     */
    public synchronized FieldLayout layout(String kind) {
        FieldLayout l = layouts.get(kind);
        if (l == null) {
            throw new IllegalArgumentException("unknown kind '" + kind + "'; known: " + String.join(", ", kinds()));
        }
        return l;
    }

    /** The registered kinds in registration order. */
    public synchronized Set<String> kinds() {
        return Collections.unmodifiableSet(new java.util.LinkedHashSet<>(layouts.keySet()));
    }
}
