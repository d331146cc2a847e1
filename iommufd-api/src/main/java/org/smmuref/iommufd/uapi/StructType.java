package org.smmuref.iommufd.uapi;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds a uAPI record to its {@link CLayout} and is the one little-endian codec for every struct: record component
 * {@code i} is C member {@code i}, checked once when the type is created (name in camelCase, Java type matching the C
 * type), so that a record can neither drift from its declaration nor need hand-written offsets.
 *
 * @param <T> the record type
 */
public final class StructType<T extends Record & UapiStruct> {
    private static final Map<Class<?>, StructType<?>> REGISTRY = new ConcurrentHashMap<>();

    private final Class<T> recordClass;
    private final CLayout layout;
    private final Method[] accessors;
    private final Constructor<T> constructor;
    private final StructType<?>[] nested;

    private StructType(Class<T> recordClass, CLayout layout) {
        this.recordClass = recordClass;
        this.layout = layout;
        RecordComponent[] components = recordClass.getRecordComponents();
        if (components == null) {
            throw new IllegalArgumentException(recordClass.getName() + " is not a record");
        }
        List<CField> fields = layout.fields();
        if (components.length != fields.size()) {
            throw new IllegalArgumentException(recordClass.getSimpleName() + " has " + components.length
                + " components but struct " + layout.name() + " has " + fields.size() + " members");
        }
        accessors = new Method[components.length];
        nested = new StructType<?>[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent rc = components[i];
            CField f = fields.get(i);
            String expected = javaName(f.name());
            if (!rc.getName().equals(expected)) {
                throw new IllegalArgumentException(recordClass.getSimpleName() + " component " + i + " is " + rc.getName()
                    + " but the kernel member " + f.name() + " must be called " + expected);
            }
            checkJavaType(rc, f, i);
            accessors[i] = rc.getAccessor();
            types[i] = rc.getType();
        }
        try {
            constructor = recordClass.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(recordClass.getName() + " has no canonical constructor", e);
        }
    }

    /** Declares {@code recordClass} as the Java value of {@code layout}; fails fast if they disagree. */
    public static <T extends Record & UapiStruct> StructType<T> of(Class<T> recordClass, CLayout layout) {
        StructType<T> type = new StructType<>(Objects.requireNonNull(recordClass), Objects.requireNonNull(layout));
        REGISTRY.put(recordClass, type);
        return type;
    }

    /** The camelCase Java name of a kernel member: leading underscores dropped, {@code _x} becomes {@code X}. */
    public static String javaName(String kernelName) {
        String s = kernelName.replaceFirst("^_+", "");
        StringBuilder out = new StringBuilder(s.length());
        boolean upper = false;
        for (char c : s.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    private void checkJavaType(RecordComponent rc, CField f, int i) {
        Class<?> t = rc.getType();
        String where = recordClass.getSimpleName() + "." + rc.getName();
        switch (f.kind()) {
            case SCALAR, UNION -> {
                Class<?> want = f.type().isWide() ? long.class : int.class;
                if (t != want) {
                    throw new IllegalArgumentException(where + " must be " + want + " for " + f.declaration());
                }
            }
            case ARRAY -> {
                Class<?> element = f.type().isWide() ? Long.class : Integer.class;
                Type g = rc.getGenericType();
                if (t != List.class || !(g instanceof ParameterizedType p) || p.getActualTypeArguments()[0] != element) {
                    throw new IllegalArgumentException(where + " must be List<" + element.getSimpleName() + "> for "
                        + f.declaration());
                }
            }
            case STRUCT -> {
                StructType<?> inner = REGISTRY.get(t);
                if (inner == null || inner.layout != f.struct()) {
                    throw new IllegalArgumentException(where + " must be the record declared for struct " + f.struct().name());
                }
                nested[i] = inner;
            }
        }
    }

    /** The layout this type encodes. */
    public CLayout layout() {
        return layout;
    }

    /** The record class. */
    public Class<T> recordClass() {
        return recordClass;
    }

    /** The struct's name ({@link CLayout#name()}). */
    public String kernelName() {
        return layout.name();
    }

    /** {@code sizeof} the struct. */
    public int size() {
        return layout.size();
    }

    /** The kernel member name for a record component name (a union answers with its first member). */
    public String kernelFieldName(String javaComponentName) {
        for (CField f : layout.fields()) {
            if (javaName(f.name()).equals(javaComponentName)) {
                return f.name();
            }
        }
        throw new IllegalArgumentException(recordClass.getSimpleName() + " has no component " + javaComponentName);
    }

    /** Encodes {@code value} into exactly {@link #size()} little-endian bytes; padding bytes are zero. */
    public byte[] encode(T value) {
        byte[] buf = new byte[layout.size()];
        write(buf, 0, Objects.requireNonNull(value, "value"));
        return buf;
    }

    /** Encodes any value that claims this type (used by {@link UapiStruct#encode()}). */
    byte[] encodeValue(UapiStruct value) {
        return encode(recordClass.cast(value));
    }

    /**
     * Decodes exactly {@link #size()} bytes. This is the raw codec: a buffer of any other length is a programming
     * error (IllegalArgumentException). Buffers that come from a caller go through {@link ExtensibleStructs} first.
     */
    public T decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != layout.size()) {
            throw new IllegalArgumentException("struct " + layout.name() + " is " + layout.size() + " bytes, got "
                + bytes.length);
        }
        return read(bytes, 0);
    }

    /** Decodes the struct that starts at {@code offset} of a larger buffer. */
    public T decode(byte[] bytes, int offset) {
        Objects.checkFromIndexSize(offset, layout.size(), bytes.length);
        return read(bytes, offset);
    }

    void write(byte[] buf, int base, T value) {
        List<CField> fields = layout.fields();
        for (int i = 0; i < fields.size(); i++) {
            CField f = fields.get(i);
            Object v = get(value, i);
            String where = layout.name() + "." + f.name();
            switch (f.kind()) {
                case SCALAR, UNION -> {
                    long x = ((Number) v).longValue();
                    f.type().checkRange(where, x);
                    f.type().write(buf, base + f.offset(), x);
                }
                case ARRAY -> {
                    List<?> list = (List<?>) v;
                    if (list.size() != f.count()) {
                        throw new IllegalArgumentException(where + " has " + f.count() + " elements, not " + list.size());
                    }
                    for (int k = 0; k < f.count(); k++) {
                        long x = ((Number) list.get(k)).longValue();
                        f.type().checkRange(where + "[" + k + "]", x);
                        f.type().write(buf, base + f.elementOffset(k), x);
                    }
                }
                case STRUCT -> writeNested(nested[i], buf, base + f.offset(), v);
            }
        }
    }

    private static <U extends Record & UapiStruct> void writeNested(StructType<U> type, byte[] buf, int base, Object v) {
        type.write(buf, base, type.recordClass.cast(v));
    }

    T read(byte[] buf, int base) {
        List<CField> fields = layout.fields();
        Object[] args = new Object[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            CField f = fields.get(i);
            args[i] = switch (f.kind()) {
                case SCALAR, UNION -> box(f.type(), f.type().read(buf, base + f.offset()));
                case ARRAY -> {
                    List<Object> list = new ArrayList<>(f.count());
                    for (int k = 0; k < f.count(); k++) {
                        list.add(box(f.type(), f.type().read(buf, base + f.elementOffset(k))));
                    }
                    yield List.copyOf(list);
                }
                case STRUCT -> nested[i].read(buf, base + f.offset());
            };
        }
        return construct(args);
    }

    private static Object box(CType type, long raw) {
        return type.isWide() ? (Object) raw : (Object) (int) raw;
    }

    private Object get(T value, int i) {
        try {
            return accessors[i].invoke(value);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + recordClass.getSimpleName() + "." + accessors[i].getName(), e);
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        }
    }

    private T construct(Object[] args) {
        try {
            return constructor.newInstance(args);
        } catch (InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException("cannot construct " + recordClass.getSimpleName() + " from "
                + Arrays.toString(args), e);
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        }
    }

    private static RuntimeException rethrow(InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException re) {
            return re;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(cause);
    }

    @Override
    public String toString() {
        return "StructType[" + layout.name() + " -> " + recordClass.getSimpleName() + "]";
    }
}
