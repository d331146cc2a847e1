package org.smmuref.server.api;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;

/**
 * One decoded request: who sent it, which body form it used and its contents. Decoding happens on the event loop
 * before anything is queued, so a body that cannot be decoded is answered at once.
 *
 * @param op the operation ({@code group.op})
 * @param client the sender's client id (the {@code smmuref-client} header)
 * @param form the body form, which the reply mirrors
 * @param json the JSON body (also present for the base64 byte form: it carries {@code ctx})
 * @param bytes the raw struct bytes of the byte forms, else null
 * @param headers the message headers
 */
record ApiRequest(String op, String client, Form form, JsonObject json, byte[] bytes, MultiMap headers) {

    /** How the body came. */
    enum Form {
        /** A JSON object with the kernel's field names. */
        JSON,
        /** A Vert.x {@link Buffer} of raw little-endian struct bytes; the context handle is a header. */
        BUFFER,
        /** A JSON object whose {@code bytes} member is the raw struct in base64 (the byte form over the bridge). */
        BASE64
    }

    /** Decodes a message body; EINVAL or E2BIG at once for a body that cannot be used. */
    static ApiRequest decode(String op, Object body, MultiMap headers, int maxBodyBytes) {
        String client = headers.get(ApiHeaders.CLIENT);
        if (client == null || client.isEmpty()) {
            throw new IommufdException(Errno.EINVAL, "header '" + ApiHeaders.CLIENT + "' is missing: every request "
                + "names its client");
        }
        if (body == null) {
            return new ApiRequest(op, client, Form.JSON, new JsonObject(), null, headers);
        }
        if (body instanceof Buffer || body instanceof byte[]) {
            byte[] raw = ApiCodec.rawBody(body);
            if (raw.length > maxBodyBytes) {
                throw tooBig(raw.length, maxBodyBytes);
            }
            JsonObject meta = new JsonObject();
            String ctx = headers.get(ApiHeaders.CONTEXT);
            if (ctx != null) {
                meta.put("ctx", ctx);
            }
            return new ApiRequest(op, client, Form.BUFFER, meta, raw, headers);
        }
        JsonObject json;
        if (body instanceof JsonObject j) {
            json = j;
            int size = j.toBuffer().length();
            if (size > maxBodyBytes) {
                throw tooBig(size, maxBodyBytes);
            }
        } else if (body instanceof String s) {
            if (s.length() > maxBodyBytes) {
                throw tooBig(s.length(), maxBodyBytes);
            }
            try {
                json = new JsonObject(s);
            } catch (DecodeException | ClassCastException e) {
                throw new IommufdException(Errno.EINVAL, "body: not a JSON object: " + firstLine(e.getMessage()));
            }
        } else {
            throw new IommufdException(Errno.EINVAL, "body: expected a JSON object or a buffer of struct bytes, got "
                + ApiCodec.kind(body));
        }
        if (json.getValue("bytes") != null) {
            return new ApiRequest(op, client, Form.BASE64, json, ApiCodec.bytes(json, "bytes"), headers);
        }
        return new ApiRequest(op, client, Form.JSON, json, null, headers);
    }

    /** Whether the body is one of the byte forms. */
    boolean byteForm() {
        return form != Form.JSON;
    }

    /** The context handle the request names (JSON {@code ctx}, or the header for a buffer). */
    String context() {
        Object v = json.getValue("ctx");
        if (v == null) {
            throw ApiCodec.invalid("ctx", "is missing: name the context handle that iommufd.open returned"
                + (form == Form.BUFFER ? " in header '" + ApiHeaders.CONTEXT + "'" : ""));
        }
        if (!(v instanceof String s)) {
            throw ApiCodec.invalid("ctx", "expected the handle string, got " + ApiCodec.kind(v));
        }
        return s;
    }

    /** The VM handle the request names ({@code vm}). */
    String vm() {
        Object v = json.getValue("vm");
        if (v == null) {
            throw ApiCodec.invalid("vm", "is missing: name the VM handle that kvm.create_vm returned");
        }
        if (!(v instanceof String s)) {
            throw ApiCodec.invalid("vm", "expected the handle string, got " + ApiCodec.kind(v));
        }
        return s;
    }

    /** EINVAL unless the body is JSON: this operation has no struct form. */
    JsonObject requireJson() {
        if (form == Form.BUFFER) {
            throw new IommufdException(Errno.EINVAL, "body: " + op + " takes a JSON object, not struct bytes");
        }
        return json;
    }

    private static IommufdException tooBig(int size, int max) {
        return new IommufdException(Errno.E2BIG, "body: " + size + " bytes exceed the limit of " + max);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
