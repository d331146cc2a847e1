package org.smmuref.smmu.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.smmuref.smmu.hw.Field;
import org.smmuref.smmu.hw.FieldLayout;

/**
 * The decoder tool's core: hex dwords to an ordered field map (printed as JSON or a text table) and field=value
 * assignments back to hex dwords, for any structure kind of a {@link StructureRegistry}.
 *
 * <p>Address fields (S1ContextPtr, S2TTB, TTB0, ...) read and write as the byte address they encode; every other
 * field as its integer value. Values print as unsigned integers.
 */
public final class StructureCodec {
    private final StructureRegistry registry;

    /** A codec over the structures of {@code registry}. */
    public StructureCodec(StructureRegistry registry) {
        this.registry = registry;
    }

    /** The registry this codec reads layouts from. */
    public StructureRegistry registry() {
        return registry;
    }

    /**
     * Decodes hex dwords (little-endian order: dword 0 first) into every field's value, in layout order.
     *
     * @throws IllegalArgumentException for an unknown kind, a bad hex string or the wrong number of dwords
     */
    public Map<String, Long> decode(String kind, List<String> hexDwords) {
        Optional<StructureRegistry.Selector> selector = registry.selector(kind);
        int size = selector.isPresent() ? selector.get().dwords() : registry.layout(kind).dwords();
        if (hexDwords.size() != size) {
            throw new IllegalArgumentException(String.format("%s takes %d dword%s, got %d", kind, size,
                size == 1 ? "" : "s", hexDwords.size()));
        }
        long[] dwords = new long[hexDwords.size()];
        for (int i = 0; i < dwords.length; i++) {
            dwords[i] = parseHex(hexDwords.get(i), "dword " + i);
        }
        FieldLayout layout = selector.isPresent() ? selector.get().layoutFor(dwords[0] & 0xff) : registry.layout(kind);
        return layout.decode(dwords);
    }

    /**
     * Encodes {@code field=value} assignments (decimal or 0x-prefixed hex) into dwords; unnamed fields are zero.
     *
     * @throws IllegalArgumentException for an unknown kind or field, a malformed assignment, a value that does not
     *     fit its field, or an unaligned address
     */
    public long[] encode(String kind, List<String> assignments) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected field=value, got '" + a + "'");
            }
            String name = a.substring(0, eq).trim();
            if (values.put(name, parseNumber(a.substring(eq + 1).trim(), name)) != null) {
                throw new IllegalArgumentException("field " + name + " is assigned twice");
            }
        }
        FieldLayout layout = layoutOf(kind, values);
        values.keySet().forEach(layout::field); // names the known fields if one is unknown
        return layout.encode(values);
    }

    /** The layout of {@code kind} for a structure with these field values (a selecting kind reads its code). */
    private FieldLayout layoutOf(String kind, Map<String, Long> fields) {
        Optional<StructureRegistry.Selector> selector = registry.selector(kind);
        if (selector.isEmpty()) {
            return registry.layout(kind);
        }
        Long code = fields.get(selector.get().field());
        if (code == null) {
            throw new IllegalArgumentException(kind + " needs " + selector.get().field() + "=<value> to pick its layout");
        }
        return selector.get().layoutFor(code);
    }

    /** The dwords as {@code 0x}-prefixed 16-digit hex strings. */
    public static List<String> toHex(long[] dwords) {
        List<String> out = new ArrayList<>(dwords.length);
        for (long d : dwords) {
            out.add(String.format("0x%016x", d));
        }
        return out;
    }

    /** The field map as one JSON object, fields in order, values as unsigned integers. */
    public static String toJson(Map<String, Long> fields) {
        StringBuilder sb = new StringBuilder("{");
        fields.forEach((k, v) -> {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('"').append(k.replace("\\", "\\\\").replace("\"", "\\\"")).append("\": ")
                .append(Long.toUnsignedString(v));
        });
        return sb.append('}').toString();
    }

    /** The field map of {@code kind} as an aligned text table: field, bits, value (hex for addresses). */
    public String toText(String kind, Map<String, Long> fields) {
        FieldLayout layout = layoutOf(kind, fields);
        int width = 5;
        for (String name : fields.keySet()) {
            width = Math.max(width, name.length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-" + width + "s  %-9s  %s%n", "field", "bits", "value"));
        for (Map.Entry<String, Long> e : fields.entrySet()) {
            Field f = layout.field(e.getKey());
            String bits = f.width() == 1 ? String.valueOf(f.lsb()) : f.msb() + ":" + f.lsb();
            long v = e.getValue();
            String value = f.address() ? String.format("0x%x", v)
                : v >= 0 && v < 10 ? Long.toString(v) : Long.toUnsignedString(v) + String.format(" (0x%x)", v);
            sb.append(String.format("%-" + width + "s  %-9s  %s%n", e.getKey(), bits, value));
        }
        return sb.toString();
    }

    static long parseHex(String s, String what) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("0x")) {
            t = t.substring(2);
        }
        t = t.replace("_", "");
        if (t.isEmpty() || t.length() > 16 || !t.matches("[0-9a-f]+")) {
            throw new IllegalArgumentException(what + ": '" + s + "' is not a 64-bit hex value");
        }
        return Long.parseUnsignedLong(t, 16);
    }

    static long parseNumber(String s, String what) {
        String t = s.toLowerCase(Locale.ROOT);
        if (t.startsWith("0x")) {
            return parseHex(t, what);
        }
        try {
            return Long.parseUnsignedLong(t.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + s + "' is not a number (decimal or 0x hex)");
        }
    }
}
