package org.smmuref.smmu.tools;

import java.util.Locale;
import org.smmuref.smmu.hw.CommandOpcode;
import org.smmuref.smmu.hw.EventType;

/**
 * Registers the command and event-record layouts with the decoder tool: one kind per opcode
 * ({@code cmd_cfgi_ste}, {@code cmd_tlbi_nh_va}, ...) and one per event type ({@code evt_f_translation}, ...),
 * because each command and event type has its own field layout.
 */
public final class QueueStructures {
    private QueueStructures() {
    }

    /** Adds every command and event layout to {@code registry} and returns it. */
    public static StructureRegistry register(StructureRegistry registry) {
        for (CommandOpcode op : CommandOpcode.values()) {
            registry.register("cmd_" + op.name().toLowerCase(Locale.ROOT), op.layout());
        }
        for (EventType t : EventType.values()) {
            registry.register("evt_" + t.name().toLowerCase(Locale.ROOT), t.layout());
        }
        return registry;
    }
}
