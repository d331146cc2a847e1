package org.smmuref.iommufd.uapi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The C layout of one uAPI struct, derived from its member declarations by the C rules for x86-64/arm64: each member
 * starts at the next multiple of its alignment, an array is its elements back to back, a union is as large as its
 * largest member, and the struct's size is rounded up to its largest member alignment. Build one with
 * {@link #struct(String)}.
 */
public final class CLayout {
    private final String name;
    private final List<CField> fields;
    private final Map<String, CField> byName;
    private final int size;
    private final int alignment;

    private CLayout(String name, List<CField> fields, int size, int alignment) {
        this.name = name;
        this.fields = List.copyOf(fields);
        Map<String, CField> map = new LinkedHashMap<>();
        for (CField f : fields) {
            for (String alias : f.aliases()) {
                if (map.put(alias, f) != null) {
                    throw new IllegalArgumentException(name + ": member " + alias + " declared twice");
                }
            }
        }
        this.byName = map;
        this.size = size;
        this.alignment = alignment;
    }

    /** Starts the declaration of {@code struct name}. */
    public static Builder struct(String name) {
        return new Builder(name);
    }

    /** The struct's name as the JSON layout and error messages use it (the kernel's, {@code _v1} for v1 structs). */
    public String name() {
        return name;
    }

    /** The members in declaration order, with computed offsets. */
    public List<CField> fields() {
        return fields;
    }

    /** {@code sizeof(struct)}. */
    public int size() {
        return size;
    }

    /** {@code _Alignof(struct)}. */
    public int alignment() {
        return alignment;
    }

    /** The member called {@code member} (any union member name works). */
    public CField field(String member) {
        CField f = byName.get(member);
        if (f == null) {
            throw new IllegalArgumentException("struct " + name + " has no member " + member);
        }
        return f;
    }

    /** Whether the struct declares {@code member}. */
    public boolean has(String member) {
        return byName.containsKey(member);
    }

    /** {@code offsetof(struct, member)}. */
    public int offsetOf(String member) {
        return field(member).offset();
    }

    /** {@code offsetofend(struct, member)}: the kernel's way to state the minimum size of an extended struct. */
    public int offsetOfEnd(String member) {
        return field(member).end();
    }

    @Override
    public String toString() {
        return "struct " + name + " (" + size + " bytes)";
    }

    /** Declares members in order; {@link #build()} computes the layout. */
    public static final class Builder {
        private final String name;
        private final List<CField> fields = new ArrayList<>();
        private int offset;
        private int alignment = 1;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** A {@code __u8} member. */
        public Builder u8(String member) {
            return scalar(CType.U8, member);
        }

        /** A {@code __u16} member. */
        public Builder u16(String member) {
            return scalar(CType.U16, member);
        }

        /** A {@code __u32} member. */
        public Builder u32(String member) {
            return scalar(CType.U32, member);
        }

        /** A {@code __s32} member. */
        public Builder s32(String member) {
            return scalar(CType.S32, member);
        }

        /** A plain {@code __u64} member. */
        public Builder u64(String member) {
            return scalar(CType.U64, member);
        }

        /** An {@code __aligned_u64} member. */
        public Builder alignedU64(String member) {
            return scalar(CType.ALIGNED_U64, member);
        }

        /** A scalar member of any type. */
        public Builder scalar(CType type, String member) {
            return add(member, CField.Kind.SCALAR, type, 1, null, List.of(member), type.size(), type.alignment());
        }

        /** A fixed array {@code type member[count]}. */
        public Builder array(CType type, String member, int count) {
            if (count < 1) {
                throw new IllegalArgumentException(name + "." + member + ": array length must be at least 1");
            }
            return add(member, CField.Kind.ARRAY, type, count, null, List.of(member), type.size() * count, type.alignment());
        }

        /** An embedded {@code struct layout member}. */
        public Builder struct(CLayout layout, String member) {
            return add(member, CField.Kind.STRUCT, null, 1, layout, List.of(member), layout.size(), layout.alignment());
        }

        /** An anonymous union of members that all have {@code type}; it is named by its first member. */
        public Builder union(CType type, String... members) {
            if (members.length == 0) {
                throw new IllegalArgumentException(name + ": a union needs members");
            }
            return add(members[0], CField.Kind.UNION, type, 1, null, List.of(members), type.size(), type.alignment());
        }

        private Builder add(String member, CField.Kind kind, CType type, int count, CLayout struct, List<String> aliases,
                            int size, int align) {
            offset = roundUp(offset, align);
            fields.add(new CField(member, kind, type, count, struct, aliases, offset, size, align));
            offset += size;
            alignment = Math.max(alignment, align);
            return this;
        }

        /** Computes the struct: trailing padding up to its alignment. */
        public CLayout build() {
            if (fields.isEmpty()) {
                throw new IllegalStateException("struct " + name + " has no members");
            }
            return new CLayout(name, fields, roundUp(offset, alignment), alignment);
        }

        private static int roundUp(int value, int align) {
            return (value + align - 1) / align * align;
        }
    }
}
