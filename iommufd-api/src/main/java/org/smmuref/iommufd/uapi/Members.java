package org.smmuref.iommufd.uapi;

import java.util.List;
import java.util.Objects;

/** Range and length checks the uAPI records run in their constructors, so that no value can hold what C cannot. */
final class Members {
    private Members() {
    }

    /** A {@code __u8} member: 0..255. */
    static int u8(String member, int value) {
        CType.U8.checkRange(member, value);
        return value;
    }

    /** A {@code __u16} member: 0..65535. */
    static int u16(String member, int value) {
        CType.U16.checkRange(member, value);
        return value;
    }

    /** A fixed array of {@code count} elements; returns an immutable copy. */
    static <E> List<E> fixed(String member, List<E> values, int count) {
        Objects.requireNonNull(values, member);
        if (values.size() != count) {
            throw new IllegalArgumentException(member + " has exactly " + count + " elements, not " + values.size());
        }
        return List.copyOf(values);
    }

    /** A fixed array of {@code __u8}: each element 0..255; returns an immutable copy. */
    static List<Integer> fixedU8(String member, List<Integer> values, int count) {
        List<Integer> copy = fixed(member, values, count);
        for (int i = 0; i < count; i++) {
            u8(member + "[" + i + "]", copy.get(i));
        }
        return copy;
    }
}
