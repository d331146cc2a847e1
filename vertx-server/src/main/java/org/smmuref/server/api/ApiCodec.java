package org.smmuref.server.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.Base64;
import java.util.function.Predicate;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.CField;
import org.smmuref.iommufd.uapi.CLayout;
import org.smmuref.iommufd.uapi.CType;
import org.smmuref.iommufd.uapi.Errno;

/**
 * Every conversion of the API in one place: JSON fields with the kernel's names to and from a struct's little-endian
 * bytes (driven by the uAPI's {@link CLayout}, so no offset is written twice), typed field readers whose failures
 * name the field, base64 and little-endian word helpers.
 *
 * <p>Numbers: JSON integers (or strings {@code "0x..."} / decimal, for 64-bit values a JavaScript client cannot hold)
 * within the C type's unsigned range; a 64-bit value with bit 63 set is written as a {@code "0x..."} string. Bytes
 * are standard base64 strings.
 */
public final class ApiCodec {
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private ApiCodec() {
    }

    /** EINVAL naming the field. */
    public static IommufdException invalid(String field, String why) {
        return new IommufdException(Errno.EINVAL, "field '" + field + "': " + why);
    }

    // ------------------------------------------------------------------ scalar fields

    /** Whether the JSON object has {@code field} with a non-null value. */
    public static boolean has(JsonObject json, String field) {
        return json.getValue(field) != null;
    }

    /** A required unsigned 64-bit field (any bit pattern). */
    public static long u64(JsonObject json, String field) {
        return number(required(json, field), field, 64);
    }

    /** An optional unsigned 64-bit field. */
    public static long u64(JsonObject json, String field, long otherwise) {
        Object v = json.getValue(field);
        return v == null ? otherwise : number(v, field, 64);
    }

    /** A required unsigned 32-bit field (returned as its bit pattern). */
    public static int u32(JsonObject json, String field) {
        return (int) number(required(json, field), field, 32);
    }

    /** An optional unsigned 32-bit field. */
    public static int u32(JsonObject json, String field, int otherwise) {
        Object v = json.getValue(field);
        return v == null ? otherwise : (int) number(v, field, 32);
    }

    /** A required non-negative int no larger than {@code max}. */
    public static int intIn(JsonObject json, String field, int min, int max) {
        long v = number(required(json, field), field, 32);
        if (v < min || v > max) {
            throw invalid(field, "must be " + min + ".." + max + ", was " + v);
        }
        return (int) v;
    }

    /** An optional int in {@code [min, max]}. */
    public static int intIn(JsonObject json, String field, int min, int max, int otherwise) {
        return has(json, field) ? intIn(json, field, min, max) : otherwise;
    }

    /** A required string. */
    public static String string(JsonObject json, String field) {
        Object v = required(json, field);
        if (!(v instanceof String s)) {
            throw invalid(field, "expected a string, got " + kind(v));
        }
        return s;
    }

    /** An optional string. */
    public static String string(JsonObject json, String field, String otherwise) {
        return has(json, field) ? string(json, field) : otherwise;
    }

    /** An optional boolean. */
    public static boolean bool(JsonObject json, String field, boolean otherwise) {
        Object v = json.getValue(field);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof Boolean b)) {
            throw invalid(field, "expected true or false, got " + kind(v));
        }
        return b;
    }

    /** A required base64 byte string. */
    public static byte[] bytes(JsonObject json, String field) {
        Object v = required(json, field);
        if (!(v instanceof String s)) {
            throw invalid(field, "expected a base64 string, got " + kind(v));
        }
        try {
            return B64D.decode(s);
        } catch (IllegalArgumentException e) {
            throw invalid(field, "not base64: " + e.getMessage());
        }
    }

    /** A required JSON array. */
    public static JsonArray array(JsonObject json, String field) {
        Object v = required(json, field);
        if (!(v instanceof JsonArray a)) {
            throw invalid(field, "expected an array, got " + kind(v));
        }
        return a;
    }

    /** A required JSON object. */
    public static JsonObject object(JsonObject json, String field) {
        Object v = required(json, field);
        if (!(v instanceof JsonObject o)) {
            throw invalid(field, "expected an object, got " + kind(v));
        }
        return o;
    }

    /** Little-endian 64-bit words of a field given as base64 bytes (a multiple of 8) or an array of numbers. */
    public static long[] words(JsonObject json, String field) {
        Object v = required(json, field);
        if (v instanceof JsonArray a) {
            long[] out = new long[a.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = number(a.getValue(i), field + "[" + i + "]", 64);
            }
            return out;
        }
        byte[] b = bytes(json, field);
        if (b.length % 8 != 0) {
            throw invalid(field, b.length + " bytes are not whole 64-bit words");
        }
        return words(b);
    }

    /** Parses a JSON value as an unsigned integer of {@code bits} (8, 16, 32 or 64). */
    public static long number(Object v, String field, int bits) {
        BigInteger big;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            big = BigInteger.valueOf(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            big = b;
        } else if (v instanceof String s) {
            try {
                String t = s.trim();
                big = t.startsWith("0x") || t.startsWith("0X") ? new BigInteger(t.substring(2), 16) : new BigInteger(t);
            } catch (NumberFormatException e) {
                throw invalid(field, "'" + s + "' is not an integer");
            }
        } else if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
            && Math.abs(n.doubleValue()) < 0x1p53) {
            big = BigInteger.valueOf(n.longValue());
        } else if (v == null) {
            throw invalid(field, "is missing");
        } else {
            throw invalid(field, "expected an unsigned " + bits + "-bit integer, got " + kind(v));
        }
        BigInteger max = bits == 64 ? U64_MAX : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
        // A negative 64-bit or 32-bit number is taken as its two's-complement bit pattern, as Java clients hold them.
        if (big.signum() < 0 && (bits == 64 || bits == 32) && big.bitLength() < bits) {
            big = big.add(BigInteger.ONE.shiftLeft(bits));
        }
        if (big.signum() < 0 || big.compareTo(max) > 0) {
            throw invalid(field, big + " is outside the unsigned " + bits + "-bit range");
        }
        return big.longValue();
    }

    /** The JSON value of an unsigned 64-bit pattern: a number, or a {@code "0x..."} string when bit 63 is set. */
    public static Object unsigned64(long v) {
        return v < 0 ? "0x" + Long.toHexString(v) : (Object) v;
    }

    /** The JSON value of an unsigned 32-bit pattern. */
    public static long unsigned32(int v) {
        return Integer.toUnsignedLong(v);
    }

    /** Base64 of bytes. */
    public static String base64(byte[] bytes) {
        return B64.encodeToString(bytes);
    }

    /** An array of unsigned 64-bit words for JSON. */
    public static JsonArray wordArray(long[] words) {
        JsonArray a = new JsonArray();
        for (long w : words) {
            a.add(unsigned64(w));
        }
        return a;
    }

    private static Object required(JsonObject json, String field) {
        Object v = json.getValue(field);
        if (v == null) {
            throw invalid(field, "is missing");
        }
        return v;
    }

    /** A JSON value's kind for error messages. */
    static String kind(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof String) {
            return "a string";
        } else if (v instanceof Boolean) {
            return "a boolean";
        } else if (v instanceof JsonObject) {
            return "an object";
        } else if (v instanceof JsonArray) {
            return "an array";
        } else if (v instanceof Number) {
            return "the number " + v;
        }
        return v.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ structs

    /**
     * A struct's bytes from JSON members with the kernel's names ({@code sizeof} bytes). Members for which
     * {@code optional} holds default to zero when absent; any other absent member is EINVAL naming it. A member
     * the JSON does not know of is EINVAL too, so a typo cannot silently become zero.
     */
    public static byte[] structBytes(CLayout layout, JsonObject json, String path, Predicate<String> optional,
                                     Predicate<String> extra) {
        byte[] out = new byte[layout.size()];
        writeStruct(layout, json, out, 0, path, optional);
        for (String key : json.fieldNames()) {
            if (!knows(layout, key) && !extra.test(key)) {
                throw invalid(path + key, "is not a member of struct " + layout.name());
            }
        }
        return out;
    }

    private static boolean knows(CLayout layout, String key) {
        for (CField f : layout.fields()) {
            if (f.aliases().contains(key)) {
                return true;
            }
        }
        return false;
    }

    private static void writeStruct(CLayout layout, JsonObject json, byte[] out, int base, String path,
                                    Predicate<String> optional) {
        for (CField f : layout.fields()) {
            String name = presentAlias(f, json);
            String where = path + (name == null ? f.name() : name);
            Object v = name == null ? null : json.getValue(name);
            if (v == null) {
                if (!optional.test(f.name())) {
                    throw invalid(where, "is missing");
                }
                continue;
            }
            switch (f.kind()) {
                case SCALAR, UNION -> writeScalar(f.type(), out, base + f.offset(), number(v, where, 8 * f.type().size()));
                case ARRAY -> {
                    if (!(v instanceof JsonArray a)) {
                        throw invalid(where, "expected an array of " + f.count() + ", got " + kind(v));
                    }
                    if (a.size() != f.count()) {
                        throw invalid(where, "has " + f.count() + " elements, not " + a.size());
                    }
                    for (int k = 0; k < f.count(); k++) {
                        writeScalar(f.type(), out, base + f.elementOffset(k),
                            number(a.getValue(k), where + "[" + k + "]", 8 * f.type().size()));
                    }
                }
                case STRUCT -> {
                    if (!(v instanceof JsonObject o)) {
                        throw invalid(where, "expected an object, got " + kind(v));
                    }
                    writeStruct(f.struct(), o, out, base + f.offset(), where + ".", n -> true);
                }
            }
        }
    }

    /** The member name the JSON uses for {@code f}; union aliases may repeat only with the same value. */
    private static String presentAlias(CField f, JsonObject json) {
        String found = null;
        for (String alias : f.aliases()) {
            if (json.getValue(alias) != null) {
                if (found != null && !sameNumber(json.getValue(found), json.getValue(alias), f, alias)) {
                    throw invalid(alias, "names the same union member as '" + found + "' with another value");
                }
                found = found == null ? alias : found;
            }
        }
        return found;
    }

    private static boolean sameNumber(Object a, Object b, CField f, String alias) {
        int bits = 8 * f.type().size();
        return number(a, alias, bits) == number(b, alias, bits);
    }

    /** A struct's members as JSON, read from {@code bytes} at {@code base} (bytes beyond the array read as zero). */
    public static JsonObject structJson(CLayout layout, byte[] bytes, int base) {
        JsonObject out = new JsonObject();
        for (CField f : layout.fields()) {
            switch (f.kind()) {
                case SCALAR -> out.put(f.name(), scalarJson(f.type(), bytes, base + f.offset()));
                case UNION -> {
                    Object v = scalarJson(f.type(), bytes, base + f.offset());
                    for (String alias : f.aliases()) {
                        out.put(alias, v);
                    }
                }
                case ARRAY -> {
                    JsonArray a = new JsonArray();
                    for (int k = 0; k < f.count(); k++) {
                        a.add(scalarJson(f.type(), bytes, base + f.elementOffset(k)));
                    }
                    out.put(f.name(), a);
                }
                case STRUCT -> out.put(f.name(), structJson(f.struct(), bytes, base + f.offset()));
            }
        }
        return out;
    }

    private static Object scalarJson(CType type, byte[] bytes, int at) {
        long v = readLe(bytes, at, type.size());
        if (type.size() == 8) {
            return unsigned64(v);
        }
        if (type.signed()) {
            return (long) (int) v;
        }
        return v;
    }

    private static void writeScalar(CType type, byte[] out, int at, long value) {
        if (type.signed() && type.size() == 4) {
            // an s32 (an fd) takes its bit pattern; -1 arrives as 0xffffffff
            value &= 0xFFFF_FFFFL;
        }
        for (int i = 0; i < type.size(); i++) {
            out[at + i] = (byte) (value >>> (8 * i));
        }
    }

    /** Reads {@code size} little-endian bytes at {@code at}; bytes past the array are zero. */
    public static long readLe(byte[] bytes, int at, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            int k = at + i;
            v = (v << 8) | (k < bytes.length ? bytes[k] & 0xFF : 0);
        }
        return v;
    }

    /** Writes a little-endian u32 at {@code at}. */
    public static void writeLe32(byte[] bytes, int at, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }

    /** Writes a little-endian u64 at {@code at}. */
    public static void writeLe64(byte[] bytes, int at, long value) {
        for (int i = 0; i < 8; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }

    /** The little-endian words of {@code bytes} (a multiple of 8 long). */
    public static long[] words(byte[] bytes) {
        long[] out = new long[bytes.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = readLe(bytes, 8 * i, 8);
        }
        return out;
    }

    /** The little-endian bytes of {@code words}. */
    public static byte[] bytes(long... words) {
        byte[] out = new byte[words.length * 8];
        for (int i = 0; i < words.length; i++) {
            writeLe64(out, 8 * i, words[i]);
        }
        return out;
    }

    /** The body as raw bytes: a {@link Buffer}, or null when it is not one. */
    static byte[] rawBody(Object body) {
        if (body instanceof Buffer b) {
            return b.getBytes();
        }
        if (body instanceof byte[] b) {
            return b.clone();
        }
        return null;
    }
}
