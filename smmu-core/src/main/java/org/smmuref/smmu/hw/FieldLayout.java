package org.smmuref.smmu.hw;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declarative layout of one SMMU structure: its size in dwords and its named fields in bit order.
 *
 * <p>Layouts are data: decoders read fields through them, and the decoder tool prints any structure from them.
 */
public final class FieldLayout {
    private final String name;
    private final int dwords;
    private final List<Field> fields;
    private final Map<String, Field> byName;

    /**
     * Creates a layout.
     *
     * @throws IllegalArgumentException if a field lies outside the structure, two fields overlap or share a name
     */
    public FieldLayout(String name, int dwords, List<Field> fields) {
        this.name = name;
        this.dwords = dwords;
        this.fields = List.copyOf(fields);
        Map<String, Field> map = new LinkedHashMap<>();
        long[] used = new long[dwords];
        for (Field f : this.fields) {
            if (f.msb() >= dwords * 64) {
                throw new IllegalArgumentException(name + "." + f.name() + " lies outside " + dwords + " dwords");
            }
            if (map.put(f.name(), f) != null) {
                throw new IllegalArgumentException(name + " has two fields named " + f.name());
            }
            if (Bits.extract(used, f.lsb(), f.width()) != 0) {
                throw new IllegalArgumentException(name + "." + f.name() + " overlaps another field");
            }
            Bits.insert(used, f.lsb(), f.width(), Bits.mask(f.width()));
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    /** The structure's name (STE, CD, CMD_SYNC, ...). */
    public String name() {
        return name;
    }

    /** Size in 64-bit dwords. */
    public int dwords() {
        return dwords;
    }

    /** The fields in declaration order. */
    public List<Field> fields() {
        return fields;
    }

    /** The field called {@code fieldName}. */
    public Field field(String fieldName) {
        Field f = byName.get(fieldName);
        if (f == null) {
            throw new IllegalArgumentException(name + " has no field " + fieldName + "; fields: " + byName.keySet());
        }
        return f;
    }

    /** Whether the layout has a field called {@code fieldName}. */
    public boolean hasField(String fieldName) {
        return byName.containsKey(fieldName);
    }

    /** Every field's display value, in declaration order. */
    public Map<String, Long> decode(long[] value) {
        checkSize(value);
        Map<String, Long> out = new LinkedHashMap<>();
        for (Field f : fields) {
            out.put(f.name(), f.display(value));
        }
        return out;
    }

    /** Builds the dwords from display values; fields not named are zero. */
    public long[] encode(Map<String, Long> values) {
        long[] out = new long[dwords];
        values.forEach((k, v) -> field(k).setDisplay(out, v));
        return out;
    }

    private void checkSize(long[] value) {
        if (value.length != dwords) {
            throw new IllegalArgumentException(name + " takes " + dwords + " dwords, got " + value.length);
        }
    }
}
