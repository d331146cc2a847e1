package org.smmuref.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.smmuref.server.api.ApiHeaders;

/**
 * Checks one inbound TCP-bridge frame and rewrites it before it reaches the stock bridge: the payload must be UTF-8
 * JSON of the bridge's shape, the access token must match, the client header becomes the connection's id, and the
 * delivery headers the stock bridge would interpret ({@code codecName}, {@code localOnly}) are refused.
 *
 * <p>The stock {@code vertx-tcp-eventbus-bridge} logs and ignores a payload that is not a JSON object and throws on
 * a header that is not a string, so a client would wait for a reply that never comes; this check answers every such
 * frame at once instead. It is pure (no I/O), so the fuzz tests drive it directly.
 */
public final class InboundFrames {
    /** The header the bridge sets to the connection's id (the API's {@code ApiHeaders.CLIENT}). */
    public static final String CLIENT_HEADER = ApiHeaders.CLIENT;
    /** The header by which the guard proves to the internal bridge that a frame passed this check. */
    static final String GUARD_HEADER = "smmuref-guard";
    /** The largest {@code timeout} header a client may ask for, in milliseconds. */
    public static final long MAX_TIMEOUT_MS = 300_000;

    private static final Set<String> TYPES = Set.of("send", "register", "unregister", "ping", "publish");
    private static final Set<String> FIELDS = Set.of("type", "address", "replyAddress", "headers", "body");
    private static final int MAX_ADDRESS = 512;

    private final AccessToken token;
    private final String guardSecret;

    /** What to do with a frame. */
    public sealed interface Verdict permits Forward, Pong, Reject {
    }

    /** Pass {@code frame} (rewritten) to the bridge. */
    public record Forward(JsonObject frame) implements Verdict {
    }

    /** Answer {@code {"type":"pong"}} (after the token check). */
    public record Pong() implements Verdict {
    }

    /**
     * Answer an error frame.
     *
     * @param message {@code E<NAME>: <why>}
     * @param errno the positive errno it names
     * @param replyAddress the frame's reply address, when it had one (so the client can match the error)
     * @param close whether the connection must then be closed (the byte stream cannot be trusted)
     */
    public record Reject(String message, int errno, String replyAddress, boolean close) implements Verdict {
        /** The error frame as the bridge's own error frames look, plus the errno and the reply address. */
        public JsonObject toFrame() {
            JsonObject f = new JsonObject().put("type", "err").put("message", message).put("failureCode", errno)
                .put("failureType", "RECIPIENT_FAILURE");
            if (replyAddress != null) {
                f.put("address", replyAddress);
            }
            return f;
        }
    }

    /** A checker for one bridge: its token and the secret the internal bridge expects. */
    public InboundFrames(AccessToken token, String guardSecret) {
        this.token = Objects.requireNonNull(token);
        this.guardSecret = Objects.requireNonNull(guardSecret);
    }

    /** The verdict on a frame whose declared length was bad: negative, zero or over {@code max}. */
    public static Reject badLength(int length, int max) {
        if (length > max) {
            return new Reject("E2BIG: frame of " + length + " bytes exceeds the limit of " + max + " bytes", 7, null,
                true);
        }
        return new Reject("EINVAL: frame length " + length + " is not a positive byte count", 22, null, true);
    }

    /** Checks the payload of one frame of client {@code clientId}. */
    public Verdict check(Buffer payload, String clientId) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(payload.getBytes())).toString();
        } catch (CharacterCodingException e) {
            return new Reject("EINVAL: frame payload is not UTF-8", 22, null, true);
        }
        JsonObject in;
        try {
            in = new JsonObject(text);
        } catch (RuntimeException e) {
            return new Reject("EINVAL: frame payload is not a JSON object: " + shorten(e.getMessage()), 22, null,
                true);
        }
        Object reply = in.getValue("replyAddress");
        String replyAddress = reply instanceof String s ? s : null;

        Object headersValue = in.getValue("headers");
        if (headersValue != null && !(headersValue instanceof JsonObject)) {
            return reject("EINVAL: field 'headers' must be an object of strings", replyAddress);
        }
        JsonObject headers = headersValue == null ? new JsonObject() : (JsonObject) headersValue;
        if (!token.admits(headers.getValue(AccessToken.HEADER) instanceof String t ? t : null)) {
            return new Reject("EACCES: a valid " + AccessToken.HEADER + " header is required on every frame", 13,
                replyAddress, true);
        }

        Object typeValue = in.getValue("type");
        if (!(typeValue instanceof String type) || !TYPES.contains(type)) {
            return reject("EINVAL: field 'type' must be one of send, register, unregister, ping", replyAddress);
        }
        if (type.equals("ping")) {
            return new Pong();
        }
        if (type.equals("publish")) {
            return reject("EINVAL: 'publish' is not accepted: every operation is a request, use 'send'",
                replyAddress);
        }
        for (String field : in.fieldNames()) {
            if (!FIELDS.contains(field)) {
                return reject("EINVAL: unknown field '" + shorten(field) + "'", replyAddress);
            }
        }
        Object addressValue = in.getValue("address");
        if (!(addressValue instanceof String address) || address.isEmpty() || address.length() > MAX_ADDRESS) {
            return reject("EINVAL: field 'address' must be a non-empty string of at most " + MAX_ADDRESS
                + " characters", replyAddress);
        }
        if (reply != null && (replyAddress == null || replyAddress.isEmpty()
            || replyAddress.length() > MAX_ADDRESS)) {
            return reject("EINVAL: field 'replyAddress' must be a non-empty string of at most " + MAX_ADDRESS
                + " characters", null);
        }

        JsonObject outHeaders = new JsonObject();
        for (Map.Entry<String, Object> h : headers) {
            String name = h.getKey();
            Object value = h.getValue();
            if (name.equals(AccessToken.HEADER) || name.equals(CLIENT_HEADER) || name.equals(GUARD_HEADER)) {
                continue;
            }
            if (name.equals("codecName") || name.equals("localOnly")) {
                return reject("EINVAL: header '" + name + "' is not accepted over the bridge", replyAddress);
            }
            if (name.equals("timeout")) {
                if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                    || n.longValue() < 1 || n.longValue() > MAX_TIMEOUT_MS) {
                    return reject("EINVAL: header 'timeout' must be a whole number of milliseconds in 1.."
                        + MAX_TIMEOUT_MS, replyAddress);
                }
                outHeaders.put(name, n.longValue());
                continue;
            }
            if (!(value instanceof String)) {
                return reject("EINVAL: header '" + shorten(name) + "' must be a string", replyAddress);
            }
            outHeaders.put(name, value);
        }
        outHeaders.put(CLIENT_HEADER, clientId).put(GUARD_HEADER, guardSecret);

        JsonObject out = new JsonObject().put("type", type).put("address", addressValue).put("headers", outHeaders);
        if (replyAddress != null) {
            out.put("replyAddress", replyAddress);
        }
        if (in.containsKey("body")) {
            out.put("body", in.getValue("body"));
        }
        return new Forward(out);
    }

    /** Whether a frame that reached the internal bridge carries the guard's secret; removes it. */
    boolean admitInternal(JsonObject raw) {
        Object headers = raw == null ? null : raw.getValue("headers");
        if (!(headers instanceof JsonObject h) || !(h.getValue(GUARD_HEADER) instanceof String presented)) {
            return false;
        }
        h.remove(GUARD_HEADER);
        return java.security.MessageDigest.isEqual(guardSecret.getBytes(StandardCharsets.UTF_8),
            presented.getBytes(StandardCharsets.UTF_8));
    }

    private static Reject reject(String message, String replyAddress) {
        return new Reject(message, message.startsWith("EACCES") ? 13 : 22, replyAddress, false);
    }

    /** One line of at most 120 characters (parser messages span lines and quote the input). */
    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        String line = s.replaceAll("\\s+", " ").strip();
        return line.length() <= 120 ? line : line.substring(0, 120) + "...";
    }
}
