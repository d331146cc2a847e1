package org.smmuref.smmu.tools;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import org.smmuref.smmu.hw.CommandOpcode;
import org.smmuref.smmu.hw.EventType;
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
    private final Map<String, Selector> selectors = new LinkedHashMap<>();

    /**
     * A kind whose layout depends on the structure itself: bits [7:0] of dword 0 hold a code (a command's Opcode, an
     * event's EventID) that picks the layout.
     *
     * @param dwords the size of every structure of the kind
     * @param field the name of the selecting field, as the layouts name it
     * @param byCode the layout for a code, if the code is known
     */
    public record Selector(int dwords, String field, IntFunction<Optional<FieldLayout>> byCode) {
        /** The layout the code selects, or a clear error naming the code. */
        public FieldLayout layoutFor(long code) {
            if (code < 0 || code > 0xff) {
                throw new IllegalArgumentException(String.format("%s 0x%x does not fit in 8 bits", field, code));
            }
            return byCode.apply((int) code).orElseThrow(() -> new IllegalArgumentException(
                String.format("%s 0x%02x is not one the model knows", field, code)));
        }
    }

    /** An empty registry. */
    public StructureRegistry() {
    }

    /** A registry holding the configuration structures: ste, cd, l1std, l1cd, strtab_base, strtab_base_cfg. */
    public static StructureRegistry configuration() {
        return new StructureRegistry()
            .register("ste", SmmuLayouts.STE)
            .register("cd", SmmuLayouts.CD)
            .register("l1std", SmmuLayouts.L1STD)
            .register("l1cd", SmmuLayouts.L1CD)
            .register("strtab_base", SmmuLayouts.STRTAB_BASE)
            .register("strtab_base_cfg", SmmuLayouts.STRTAB_BASE_CFG);
    }

    /**
     * Everything the decoder tool offers: the configuration structures, {@code cmd} and {@code evt} (layout chosen by
     * the Opcode / EventID in the structure), and one fixed kind per opcode and event type ({@code cmd_cfgi_ste},
     * {@code evt_f_translation}, ...).
     */
    public static StructureRegistry standard() {
        StructureRegistry registry = configuration()
            .registerSelector("cmd", new Selector(2, "Opcode",
                code -> CommandOpcode.of(code).map(CommandOpcode::layout)))
            .registerSelector("evt", new Selector(4, "EventID",
                code -> EventType.of(code).map(EventType::layout)));
        return QueueStructures.register(registry);
    }

    /**
     * Registers a kind whose layout is picked by a code inside the structure.
     *
     * @throws IllegalArgumentException if the kind is malformed or already registered
     */
    public synchronized StructureRegistry registerSelector(String kind, Selector selector) {
        checkKind(kind);
        if (layouts.containsKey(kind) || selectors.putIfAbsent(kind, selector) != null) {
            throw new IllegalArgumentException("kind '" + kind + "' is already registered");
        }
        return this;
    }

    /** The selector registered for {@code kind}, if the kind is one whose layout depends on its contents. */
    public synchronized Optional<Selector> selector(String kind) {
        return Optional.ofNullable(selectors.get(kind));
    }

    private static void checkKind(String kind) {
        if (kind == null || !kind.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("a kind is a lower-case name like 'ste', was " + kind);
        }
    }

    /**
     * Registers {@code layout} under {@code kind}.
     *
     * @throws IllegalArgumentException if the kind is empty, not lower-case, or already registered
     */
    public synchronized StructureRegistry register(String kind, FieldLayout layout) {
        checkKind(kind);
        if (selectors.containsKey(kind) || layouts.putIfAbsent(kind, layout) != null) {
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
        if (l == null && selectors.containsKey(kind)) {
            throw new IllegalArgumentException("kind '" + kind + "' picks its layout from its "
                + selectors.get(kind).field() + " field; give the structure or the field");
        }
        if (l == null) {
            throw new IllegalArgumentException("unknown kind '" + kind + "'; known: " + String.join(", ", kinds()));
        }
        return l;
    }

    /** The registered kinds: the selecting kinds first, then the fixed ones in registration order. */
    public synchronized Set<String> kinds() {
        Set<String> all = new java.util.LinkedHashSet<>(selectors.keySet());
        all.addAll(layouts.keySet());
        return Collections.unmodifiableSet(all);
    }
}
