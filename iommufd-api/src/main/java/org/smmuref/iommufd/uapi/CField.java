package org.smmuref.iommufd.uapi;

import java.util.List;
import java.util.Objects;

/**
 * One member of a C struct as laid out by {@link CLayout}: a scalar, a fixed array of scalars, an embedded struct or
 * an anonymous union of scalars. Offsets are computed by the layout engine, never written by hand.
 *
 * @param name      the kernel's member name (for a union, its first member's name)
 * @param kind      what sort of member it is
 * @param type      the scalar type (element type of an array; the union members' common type); null for a struct
 * @param count     the array length (1 for everything that is not an array)
 * @param struct    the embedded struct's layout, or null
 * @param aliases   for a union, every member name in declaration order (the first is {@code name}); else just name
 * @param offset    byte offset from the start of the enclosing struct
 * @param size      {@code sizeof} the member
 * @param alignment {@code _Alignof} the member
 */
public record CField(String name, Kind kind, CType type, int count, CLayout struct, List<String> aliases, int offset,
                     int size, int alignment) {

    /** The sorts of struct member the uAPI uses. */
    public enum Kind {
        /** A single scalar. */
        SCALAR,
        /** A fixed-length inline array of scalars. */
        ARRAY,
        /** An embedded struct (not a pointer). */
        STRUCT,
        /** An anonymous union whose members are all the same scalar type. */
        UNION
    }

    /** Validates the member and copies the alias list. */
    public CField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        aliases = List.copyOf(aliases);
        if (kind == Kind.STRUCT ? struct == null : type == null) {
            throw new IllegalArgumentException(name + ": a " + kind + " member needs " + (kind == Kind.STRUCT ? "a layout" : "a type"));
        }
        if (count < 1) {
            throw new IllegalArgumentException(name + ": array length must be at least 1, not " + count);
        }
        if (offset % alignment != 0) {
            throw new IllegalArgumentException(name + ": offset " + offset + " breaks alignment " + alignment);
        }
    }

    /** {@code offsetofend}: the first byte after this member. */
    public int end() {
        return offset + size;
    }

    /** The offset of array element {@code index} (0 for a scalar). */
    public int elementOffset(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(name + "[" + index + "] of " + count);
        }
        return offset + index * type.size();
    }

    /** The C declaration of the member, for tables and error messages. */
    public String declaration() {
        return switch (kind) {
            case SCALAR -> type.cName() + " " + name;
            case ARRAY -> type.cName() + " " + name + "[" + count + "]";
            case STRUCT -> "struct " + struct.name() + " " + name;
            case UNION -> "union { " + String.join(", ", aliases.stream().map(a -> type.cName() + " " + a).toList()) + " }";
        };
    }
}
