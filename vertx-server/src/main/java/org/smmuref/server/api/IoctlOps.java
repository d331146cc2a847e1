package org.smmuref.server.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.uapi.CField;
import org.smmuref.iommufd.uapi.CLayout;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwInfoArmSmmuv3;
import org.smmuref.iommufd.uapi.IommuHwptArmSmmuv3;
import org.smmuref.iommufd.uapi.IommuHwptArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuHwptInvalidateArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuIovaRange;
import org.smmuref.iommufd.uapi.IommuViommuArmSmmuv3Invalidate;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * The ioctl operations: one per command of the iommufd table, in both body forms, plus the generic byte-level
 * {@code ioctl}. Both forms end in the service's byte-level {@link Iommufd#ioctl}, so they follow exactly the same
 * size, reserved-field and write-back rules. The JSON form encodes the struct from its kernel field names; arrays
 * the kernel reads or writes through a user pointer, when given inline, are placed in a scratch window of the
 * context's own process memory for the duration of the call ({@link #SCRATCH_VA}).
 */
final class IoctlOps {
    /** Where inline arrays go in a context's process: a window clients should leave unmapped. */
    static final long SCRATCH_VA = 0x7ffe_0000_0000L;
    /** The size of the scratch window. */
    static final long SCRATCH_SIZE = 1L << 32;
    private static final long PAGE = 4096;

    /** Members that default to zero when a JSON request leaves them out, besides size, flags, out_* and reserved. */
    private static final Map<IommufdCommand, Set<String>> OPTIONAL = Map.of(
        IommufdCommand.IOAS_MAP, Set.of("iova"),
        IommufdCommand.IOAS_COPY, Set.of("dst_iova"),
        IommufdCommand.IOAS_IOVA_RANGES, Set.of("num_iovas", "allowed_iovas"),
        IommufdCommand.IOAS_ALLOW_IOVAS, Set.of("num_iovas"),
        IommufdCommand.HWPT_ALLOC, Set.of("data_type", "data_len", "data_uptr", "fault_id"),
        IommufdCommand.GET_HW_INFO, Set.of("data_len", "data_uptr", "in_data_type"),
        IommufdCommand.HWPT_INVALIDATE, Set.of("data_uptr", "entry_len", "entry_num"),
        IommufdCommand.VIOMMU_ALLOC, Set.of("data_len", "data_uptr"),
        IommufdCommand.OPTION, Set.of("val64", "object_id"),
        IommufdCommand.VEVENTQ_ALLOC, Set.of());

    /** What a registered event fd is, for the verticle to publish its records. */
    interface EventFds {
        /** Registers a new event fd of the context; returns the address its records are published to. */
        String register(Sessions.ContextEntry c, int fd, String kind, int veventqType, boolean push);
    }

    private final Iommufd iommufd;
    private final ModelPlatform platform;
    private final EventFds events;
    private final int maxSize;

    IoctlOps(Iommufd iommufd, ModelPlatform platform, EventFds events, int maxSize) {
        this.iommufd = iommufd;
        this.platform = platform;
        this.events = events;
        this.maxSize = maxSize;
    }

    /** The result of a call: what to send back, and any header to add. */
    record Reply(Object body, String eventsAddress) {
    }

    /** The generic byte-level ioctl: {@code request} is the ioctl value, the body the struct bytes. */
    Reply rawIoctl(ApiRequest req, Sessions.ContextEntry c) {
        int request;
        if (req.form() == ApiRequest.Form.BUFFER) {
            String h = req.headers().get(ApiHeaders.IOCTL);
            if (h == null) {
                throw ApiCodec.invalid("request", "is missing: a buffer body names the ioctl in header '"
                    + ApiHeaders.IOCTL + "'");
            }
            request = (int) ApiCodec.number(h, "request", 32);
        } else {
            request = ApiCodec.u32(req.json(), "request");
            if (!req.byteForm()) {
                throw ApiCodec.invalid("bytes", "is missing: the generic ioctl takes the struct as base64 bytes");
            }
        }
        IommufdCommand cmd = IommufdCommand.byIoctl(request).orElse(null);
        return bytesCall(cmd, request, req, c);
    }

    /** One command's address. */
    Reply call(IommufdCommand cmd, ApiRequest req, Sessions.ContextEntry c) {
        if (req.byteForm()) {
            return bytesCall(cmd, cmd.ioctl(), req, c);
        }
        return jsonCall(cmd, req.json(), c);
    }

    // ------------------------------------------------------------------ byte form

    private Reply bytesCall(IommufdCommand cmd, int request, ApiRequest req, Sessions.ContextEntry c) {
        byte[] body = req.bytes();
        if (body.length < 4) {
            throw ApiCodec.invalid("size", "the body holds " + body.length + " bytes, too few for the u32 size");
        }
        long size = ApiCodec.readLe(body, 0, 4);
        if (size > body.length) {
            throw ApiCodec.invalid("size", "the struct says " + size + " bytes but the body holds " + body.length);
        }
        byte[] arg = Arrays.copyOf(body, (int) size);
        try {
            iommufd.ioctl(c.fd, request, UserBuffer.wrap(arg));
        } catch (IommufdException e) {
            throw answered(e, cmd, "reply=" + ApiCodec.base64(arg));
        }
        String address = cmd == null ? null : afterSuccess(cmd, arg, c, true);
        Object out = req.form() == ApiRequest.Form.BUFFER ? io.vertx.core.buffer.Buffer.buffer(arg)
            : withAddress(new JsonObject().put("bytes", ApiCodec.base64(arg)), address);
        return new Reply(out, address);
    }

    // ------------------------------------------------------------------ JSON form

    private Reply jsonCall(IommufdCommand cmd, JsonObject request, Sessions.ContextEntry c) {
        CLayout layout = cmd.struct().layout();
        JsonObject j = request.copy();
        j.remove("ctx");
        boolean push = ApiCodec.bool(j, "push", true);
        j.remove("push");
        Scratch scratch = new Scratch(c.fd);
        try {
            Inline inline = placeInline(cmd, j, scratch);
            Set<String> extra = OPTIONAL.getOrDefault(cmd, Set.of());
            Predicate<String> optional = n -> n.equals("size") || n.equals("flags") || n.startsWith("out_")
                || n.contains("reserved") || extra.contains(n);
            byte[] full = ApiCodec.structBytes(layout, j, "", optional, n -> false);
            long size = Integer.toUnsignedLong(ApiCodec.u32(j, "size", layout.size()));
            if (size > maxSize) {
                // the byte form could not carry a struct this big either
                throw new IommufdException(Errno.E2BIG, "field 'size': " + size + " exceeds the body limit of "
                    + maxSize);
            }
            ApiCodec.writeLe32(full, 0, (int) size);
            byte[] arg = Arrays.copyOf(full, (int) size);
            for (int i = (int) size; i < full.length; i++) {
                if (full[i] != 0) {
                    throw ApiCodec.invalid(memberAt(layout, i), "lies beyond size " + size + " but is not zero");
                }
            }
            try {
                iommufd.ioctl(c.fd, cmd.ioctl(), UserBuffer.wrap(arg));
            } catch (IommufdException e) {
                throw answered(e, cmd, "reply=" + replyJson(layout, arg, inline, scratch, c).encode());
            }
            String address = afterSuccess(cmd, arg, c, push);
            return new Reply(withAddress(replyJson(layout, arg, inline, scratch, c), address), address);
        } finally {
            scratch.release();
        }
    }

    /** Outputs a command writes through a pointer the server provided. */
    private record Inline(String field, long va, int capacity, int kind) {
        static final int RANGES = 1;
        static final int HW_INFO = 2;
    }

    private Inline placeInline(IommufdCommand cmd, JsonObject j, Scratch scratch) {
        switch (cmd) {
            case IOAS_ALLOW_IOVAS -> {
                if (j.getValue("allowed_iovas") instanceof JsonArray a) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    for (int i = 0; i < a.size(); i++) {
                        out.writeBytes(ApiCodec.structBytes(IommuIovaRange.LAYOUT, element(a, i, "allowed_iovas"),
                            "allowed_iovas[" + i + "].", n -> false, n -> false));
                    }
                    j.put("allowed_iovas", ApiCodec.unsigned64(scratch.place(out.toByteArray())));
                    if (!ApiCodec.has(j, "num_iovas")) {
                        j.put("num_iovas", a.size());
                    }
                }
            }
            case IOAS_IOVA_RANGES -> {
                if (!ApiCodec.has(j, "allowed_iovas")) {
                    int n = ApiCodec.intIn(j, "num_iovas", 0, 4096, 0);
                    long va = scratch.reserve(n * IommuIovaRange.SIZE);
                    j.put("allowed_iovas", ApiCodec.unsigned64(va));
                    return new Inline("allowed_iovas", va, n, Inline.RANGES);
                }
            }
            case HWPT_ALLOC, VIOMMU_ALLOC -> {
                if (ApiCodec.has(j, "data")) {
                    byte[] data = payload(j.getValue("data"), "data", "ste", IommuHwptArmSmmuv3.LAYOUT,
                        IommuHwptArmSmmuv3V1.LAYOUT);
                    j.remove("data");
                    j.put("data_uptr", ApiCodec.unsigned64(scratch.place(data)));
                    if (!ApiCodec.has(j, "data_len")) {
                        j.put("data_len", data.length);
                    }
                }
            }
            case HWPT_INVALIDATE -> {
                if (ApiCodec.has(j, "entries")) {
                    JsonArray a = ApiCodec.array(j, "entries");
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    int entryLen = -1;
                    for (int i = 0; i < a.size(); i++) {
                        byte[] e = payload(a.getValue(i), "entries[" + i + "]", "cmd",
                            IommuViommuArmSmmuv3Invalidate.LAYOUT, IommuHwptInvalidateArmSmmuv3V1.LAYOUT);
                        if (entryLen >= 0 && e.length != entryLen) {
                            throw ApiCodec.invalid("entries[" + i + "]", "is " + e.length + " bytes, the first was "
                                + entryLen);
                        }
                        entryLen = e.length;
                        out.writeBytes(e);
                    }
                    j.remove("entries");
                    byte[] all = out.toByteArray();
                    j.put("data_uptr", ApiCodec.unsigned64(scratch.place(all.length == 0 ? new byte[16] : all)));
                    if (!ApiCodec.has(j, "entry_len")) {
                        j.put("entry_len", Math.max(entryLen, IommuViommuArmSmmuv3Invalidate.SIZE));
                    }
                    if (!ApiCodec.has(j, "entry_num")) {
                        j.put("entry_num", a.size());
                    }
                }
            }
            case GET_HW_INFO -> {
                if (!ApiCodec.has(j, "data_uptr")) {
                    int n = ApiCodec.intIn(j, "data_len", 0, 4096, IommuHwInfoArmSmmuv3.SIZE);
                    long va = scratch.reserve(n);
                    j.put("data_uptr", ApiCodec.unsigned64(va));
                    j.put("data_len", n);
                    return new Inline("data", va, n, Inline.HW_INFO);
                }
            }
            default -> {
                // no pointer-borne arrays
            }
        }
        return null;
    }

    private static JsonObject element(JsonArray a, int i, String field) {
        Object v = a.getValue(i);
        if (!(v instanceof JsonObject o)) {
            throw ApiCodec.invalid(field + "[" + i + "]", "expected an object, got " + ApiCodec.kind(v));
        }
        return o;
    }

    /**
     * Driver data given inline: base64 bytes, an array of 64-bit words, or an object with the members of the upstream
     * struct (recognised by its {@code key} member) or of the v1 struct.
     */
    private static byte[] payload(Object v, String field, String key, CLayout upstream, CLayout v1) {
        JsonObject holder = new JsonObject().put(field, v);
        if (v instanceof JsonObject o) {
            CLayout layout = o.containsKey(key) ? upstream : v1;
            return ApiCodec.structBytes(layout, o, field + ".", n -> n.contains("reserved"), n -> false);
        }
        if (v instanceof JsonArray) {
            return ApiCodec.bytes(ApiCodec.words(holder, field));
        }
        return ApiCodec.bytes(holder, field);
    }

    private JsonObject replyJson(CLayout layout, byte[] arg, Inline inline, Scratch scratch, Sessions.ContextEntry c) {
        JsonObject out = ApiCodec.structJson(layout, arg, 0);
        if (inline != null) {
            if (inline.kind() == Inline.RANGES) {
                int n = (int) Math.min(inline.capacity(), ApiCodec.readLe(arg, layout.offsetOf("num_iovas"), 4));
                JsonArray ranges = new JsonArray();
                if (n > 0) {
                    byte[] bytes = platform.readProcess(c.fd, inline.va(), n * IommuIovaRange.SIZE);
                    for (int i = 0; i < n; i++) {
                        ranges.add(ApiCodec.structJson(IommuIovaRange.LAYOUT, bytes, i * IommuIovaRange.SIZE));
                    }
                }
                out.put(inline.field(), ranges);
            } else if (inline.kind() == Inline.HW_INFO) {
                int n = (int) Math.min(inline.capacity(), ApiCodec.readLe(arg, layout.offsetOf("data_len"), 4));
                byte[] data = platform.readProcess(c.fd, inline.va(), n);
                out.put("data", ApiCodec.base64(data));
                if (ApiCodec.readLe(arg, layout.offsetOf("out_data_type"), 4)
                    == IommufdConstants.IOMMU_HW_INFO_TYPE_ARM_SMMUV3) {
                    out.put("data_arm_smmuv3", ApiCodec.structJson(IommuHwInfoArmSmmuv3.LAYOUT, data, 0));
                }
                out.remove("data_uptr");
            }
        }
        return out;
    }

    /** Registers the event fds a successful allocation opened; returns the address of its records, if any. */
    private String afterSuccess(IommufdCommand cmd, byte[] arg, Sessions.ContextEntry c, boolean push) {
        CLayout layout = cmd.struct().layout();
        if (cmd == IommufdCommand.VEVENTQ_ALLOC && arg.length >= layout.offsetOfEnd("out_veventq_fd")) {
            int fd = (int) ApiCodec.readLe(arg, layout.offsetOf("out_veventq_fd"), 4);
            int type = (int) ApiCodec.readLe(arg, layout.offsetOf("type"), 4);
            return events.register(c, fd, "veventq", type, push);
        }
        if (cmd == IommufdCommand.FAULT_QUEUE_ALLOC && arg.length >= layout.offsetOfEnd("out_fault_fd")) {
            int fd = (int) ApiCodec.readLe(arg, layout.offsetOf("out_fault_fd"), 4);
            return events.register(c, fd, "fault", 0, push);
        }
        return null;
    }

    private static JsonObject withAddress(JsonObject reply, String address) {
        return address == null ? reply : reply.put("events_address", address);
    }

    /** A failure whose command writes its struct back on failure carries that struct in the message. */
    private static IommufdException answered(IommufdException e, IommufdCommand cmd, String reply) {
        boolean writesBack = cmd == IommufdCommand.HWPT_INVALIDATE
            || cmd == IommufdCommand.IOAS_IOVA_RANGES && e.errno() == Errno.EMSGSIZE;
        return writesBack ? new IommufdException(e.errno(), e.reason() + "; " + reply) : e;
    }

    private static String memberAt(CLayout layout, int offset) {
        for (CField f : layout.fields()) {
            if (offset >= f.offset() && offset < f.end()) {
                return f.name();
            }
        }
        return "offset " + offset;
    }

    /** Scratch user memory of one call in the context's process; released when the call ends. */
    private final class Scratch {
        private final int ctx;
        private final List<long[]> mapped = new ArrayList<>();
        private long next = SCRATCH_VA;

        Scratch(int ctx) {
            this.ctx = ctx;
        }

        long place(byte[] bytes) {
            long va = reserve(bytes.length);
            if (bytes.length > 0) {
                platform.writeProcess(ctx, va, bytes);
            }
            return va;
        }

        long reserve(int length) {
            long len = Math.max(PAGE, (length + PAGE - 1) & -PAGE);
            if (next + len > SCRATCH_VA + SCRATCH_SIZE) {
                throw new IommufdException(Errno.E2BIG, "inline arrays exceed the scratch window");
            }
            long va = next;
            platform.mmap(ctx, va, len);
            mapped.add(new long[] {va, len});
            next += len;
            return va;
        }

        void release() {
            for (long[] m : mapped) {
                try {
                    platform.munmap(ctx, m[0], m[1]);
                } catch (IommufdException e) {
                    // The context closed under us (client gone); its process is gone with the scratch.
                }
            }
            mapped.clear();
        }
    }
}
