package org.smmuref.launcher;

import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A small blocking client of the TCP event-bus bridge (4-byte big-endian length + UTF-8 JSON frames), one connection
 * per instance: requests wait for their reply; event frames that arrive meanwhile are kept per address until asked
 * for. Used by {@code scenario run}; not thread-safe.
 */
final class BridgeClient implements AutoCloseable {
    /** The largest frame accepted from the server. */
    private static final int MAX_FRAME = 64 << 20;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final Optional<String> token;
    private final Map<String, Deque<JsonObject>> events = new HashMap<>();
    private long sequence;

    /** What a request got: a reply body, or a failure. */
    record Answer(boolean ok, Object body, int failureCode, String failureType, String message) {
    }

    /** Connects to {@code host:port}; {@code token} is sent on every frame when present. */
    BridgeClient(String host, int port, Optional<String> token) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        this.token = token;
    }

    private JsonObject headers() {
        JsonObject h = new JsonObject();
        token.ifPresent(t -> h.put("smmuref-token", t));
        return h;
    }

    /** Sends a request to {@code address} and waits up to {@code timeoutMs} for its answer. */
    Answer request(String address, Object body, long timeoutMs) throws IOException {
        String reply = "scenario-reply-" + (++sequence);
        write(new JsonObject().put("type", "send").put("address", address).put("replyAddress", reply)
            .put("headers", headers()).put("body", body));
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            JsonObject frame = read(deadline);
            String type = frame.getString("type", "");
            Object at = frame.getValue("address");
            if (type.equals("err") && (at == null || reply.equals(at))) {
                Integer code = frame.getValue("failureCode") instanceof Number n ? n.intValue() : null;
                return new Answer(false, null, code == null ? -1 : code, frame.getString("failureType", ""),
                    frame.getString("message", ""));
            }
            if (type.equals("message") && reply.equals(at)) {
                return new Answer(true, frame.getValue("body"), 0, "", "");
            }
            keepEvent(frame);
        }
    }

    /** Asks the bridge to forward what is published to {@code address}; waits until the bridge processed it. */
    void register(String address, long timeoutMs) throws IOException {
        write(new JsonObject().put("type", "register").put("address", address).put("headers", headers()));
        ping(timeoutMs);
    }

    /** A ping round trip (frames are processed in order, so everything sent before it has been handled). */
    void ping(long timeoutMs) throws IOException {
        write(new JsonObject().put("type", "ping").put("headers", headers()));
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            JsonObject frame = read(deadline);
            if (frame.getString("type", "").equals("pong")) {
                return;
            }
            if (frame.getString("type", "").equals("err")) {
                throw new IOException("the bridge refused: " + frame.getString("message"));
            }
            keepEvent(frame);
        }
    }

    /** The next event published to {@code address}, waiting up to {@code timeoutMs}; empty if none came. */
    Optional<JsonObject> nextEvent(String address, long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            Deque<JsonObject> q = events.get(address);
            if (q != null && !q.isEmpty()) {
                return Optional.of(q.removeFirst());
            }
            try {
                JsonObject frame = read(deadline);
                if (frame.getString("type", "").equals("err")) {
                    throw new IOException("the bridge refused: " + frame.getString("message"));
                }
                keepEvent(frame);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
        }
    }

    private void keepEvent(JsonObject frame) {
        if (frame.getString("type", "").equals("message") && frame.getValue("address") instanceof String a) {
            Object body = frame.getValue("body");
            events.computeIfAbsent(a, k -> new ArrayDeque<>()).addLast(body instanceof JsonObject j ? j
                : new JsonObject().put("value", body));
        }
    }

    private void write(JsonObject frame) throws IOException {
        byte[] payload = frame.encode().getBytes(StandardCharsets.UTF_8);
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    private JsonObject read(long deadline) throws IOException {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
            throw new SocketTimeoutException("no answer within the step's timeout");
        }
        socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new IOException("the server closed the connection");
        }
        if (length <= 0 || length > MAX_FRAME) {
            throw new IOException("bad frame length " + length + " from the server");
        }
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new JsonObject(new String(payload, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
