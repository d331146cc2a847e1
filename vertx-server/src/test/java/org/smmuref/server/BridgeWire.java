package org.smmuref.server;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A blocking test client of the TCP bridge's wire format, written from the observed framing, not from the server. */
final class BridgeWire implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    BridgeWire(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Sends one frame with a JSON payload. */
    void send(JsonObject frame) throws IOException {
        sendRaw(frame.encode().getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one frame with an arbitrary payload. */
    void sendRaw(byte[] payload) throws IOException {
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    /** Sends raw bytes, no framing. */
    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** A request frame to {@code address} with reply address {@code reply}. */
    static JsonObject request(String address, String reply, JsonObject headers, Object body) {
        JsonObject f = new JsonObject().put("type", "send").put("address", address).put("replyAddress", reply);
        if (headers != null) {
            f.put("headers", headers);
        }
        return f.put("body", body);
    }

    /** Reads one frame, failing the test if none arrives within 5 s. */
    JsonObject read() throws IOException {
        int length = in.readInt();
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new JsonObject(new String(payload, StandardCharsets.UTF_8));
    }

    /** Reads one frame if one arrives within {@code ms}; null otherwise. */
    JsonObject readWithin(int ms) throws IOException {
        socket.setSoTimeout(ms);
        try {
            int length = in.readInt();
            socket.setSoTimeout(5_000);
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new JsonObject(new String(payload, StandardCharsets.UTF_8));
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(5_000);
        }
    }

    /** Whether the server closed the connection (EOF) within 5 s. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
