package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;
import static org.smmuref.server.api.ApiBed.failure;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.client.SmmurefClient;

/**
 * Every kind of body the API cannot use is answered with EINVAL or E2BIG and a message naming the field, never with
 * silence: garbage JSON, wrong types, missing and unknown members, out-of-range numbers, oversized bodies, struct
 * bytes shorter than their {@code size}, a missing client id. The kernel's own size rules (min_size, non-zero bytes
 * beyond the kernel's struct) still apply to what decodes.
 */
class MalformedInputTest {
    private static final int MAX = 4096;
    private final ApiBed bed = new ApiBed(ApiOptions.defaults().withMaxBodyBytes(MAX));
    private SmmurefClient client;
    private String ctx;

    @BeforeEach
    void open() {
        client = bed.client();
        ctx = await(client.open());
    }

    @AfterEach
    void close() {
        bed.close();
    }

    private ReplyException send(String group, String op, Object body, DeliveryOptions d) {
        return failure(bed.vertx.eventBus().request(ApiAddresses.address("local", group, op), body, d));
    }

    private ReplyException json(String op, Object body) {
        return send("iommufd", op, body, new DeliveryOptions().addHeader(ApiHeaders.CLIENT, client.clientId()));
    }

    private ReplyException bytes(String op, byte[] body) {
        return send("iommufd", op, Buffer.buffer(body), new DeliveryOptions()
            .addHeader(ApiHeaders.CLIENT, client.clientId()).addHeader(ApiHeaders.CONTEXT, ctx));
    }

    private static void einval(ReplyException e, String naming) {
        assertThat(e.failureCode()).as(e.getMessage()).isEqualTo(22);
        assertThat(e.getMessage()).startsWith("EINVAL: ").contains(naming);
    }

    @Test
    void garbage_json_is_einval() {
        einval(json("ioas_alloc", "{\"ctx\": "), "not a JSON object");
        einval(json("ioas_alloc", "[1, 2]"), "not a JSON object");
        einval(json("ioas_alloc", 42), "expected a JSON object or a buffer");
    }

    @Test
    void a_wrong_type_names_the_field() {
        einval(json("ioas_alloc", new JsonObject().put("ctx", ctx).put("flags", "abc")), "'flags'");
        einval(json("ioas_alloc", new JsonObject().put("ctx", ctx).put("flags", true)), "'flags'");
        einval(json("ioas_alloc", new JsonObject().put("ctx", ctx).put("flags", 1.5)), "'flags'");
        einval(json("ioas_alloc", new JsonObject().put("ctx", 7)), "'ctx'");
        einval(json("ioas_map", new JsonObject().put("ctx", ctx).put("ioas_id", new JsonObject())), "'ioas_id'");
    }

    @Test
    void a_missing_field_names_the_field() {
        einval(json("ioas_map", new JsonObject().put("ctx", ctx).put("user_va", 0).put("length", 4096)),
            "'ioas_id': is missing");
        einval(json("ioas_alloc", new JsonObject()), "'ctx': is missing");
        einval(send("vfio", "bind", new JsonObject().put("ctx", ctx), new DeliveryOptions()
            .addHeader(ApiHeaders.CLIENT, client.clientId())), "'stream_id': is missing");
    }

    @Test
    void an_unknown_member_or_an_out_of_range_number_names_the_field() {
        einval(json("ioas_alloc", new JsonObject().put("ctx", ctx).put("flgs", 0)), "'flgs'");
        einval(json("ioas_alloc", new JsonObject().put("ctx", ctx).put("flags", 1L << 33)), "'flags'");
        einval(json("ioas_alloc", new JsonObject().put("ctx", ctx).put("flags", -5_000_000_000L)), "'flags'");
    }

    @Test
    void an_oversized_body_is_e2big() {
        ReplyException e = bytes("ioas_alloc", new byte[MAX + 1]);
        assertThat(e.failureCode()).isEqualTo(7);
        assertThat(e.getMessage()).startsWith("E2BIG: body: ");
        ReplyException j = json("ioas_alloc", new JsonObject().put("ctx", ctx).put("pad", "x".repeat(MAX)));
        assertThat(j.failureCode()).isEqualTo(7);
    }

    @Test
    void struct_bytes_shorter_than_their_size_are_einval() {
        byte[] shortStruct = {12, 0, 0, 0, 0, 0, 0, 0};
        einval(bytes("ioas_alloc", shortStruct), "'size': the struct says 12 bytes but the body holds 8");
        einval(bytes("ioas_alloc", new byte[] {1, 2}), "'size'");
        ReplyException b64 = json("ioas_alloc", new JsonObject().put("ctx", ctx)
            .put("bytes", Base64.getEncoder().encodeToString(shortStruct)));
        einval(b64, "'size'");
        einval(json("ioas_alloc", new JsonObject().put("ctx", ctx).put("bytes", "%%%")), "'bytes': not base64");
    }

    @Test
    void the_kernels_size_rules_apply_to_what_decodes() {
        // size below min_size (offsetofend out_ioas_id = 12): EINVAL; bytes beyond the kernel's struct must be zero
        einval(bytes("ioas_alloc", new byte[] {8, 0, 0, 0, 0, 0, 0, 0}), "min_size");
        byte[] longer = new byte[16];
        longer[0] = 16;
        longer[15] = 1;
        assertThat(bytes("ioas_alloc", longer).failureCode()).isEqualTo(7);
        einval(json("ioas_alloc", new JsonObject().put("ctx", ctx).put("size", 4)), "min_size");
    }

    @Test
    void a_request_without_a_client_id_is_einval() {
        einval(send("iommufd", "open", new JsonObject(), new DeliveryOptions()), "smmuref-client");
    }

    @Test
    void a_buffer_for_an_operation_without_a_struct_form_is_einval() {
        einval(send("platform", "describe", Buffer.buffer(new byte[4]), new DeliveryOptions()
            .addHeader(ApiHeaders.CLIENT, client.clientId())), "takes a JSON object");
    }

    @Test
    void the_context_still_works_after_every_bad_request() {
        garbage_json_is_einval();
        struct_bytes_shorter_than_their_size_are_einval();
        JsonObject ok = await(client.request("iommufd", "ioas_alloc", new JsonObject().put("ctx", ctx)));
        assertThat(ok.getLong("out_ioas_id")).isPositive();
        assertThat(bed.metrics.counter("smmuref.failures", "op", "iommufd.ioas_alloc", "errno", "EINVAL").count())
            .isGreaterThanOrEqualTo(6);
    }

    @Test
    void sizes_and_lengths_that_would_not_fit_a_body_are_e2big() {
        ReplyException size = json("ioas_alloc", new JsonObject().put("ctx", ctx).put("size", 0x7fff_fff0L));
        assertThat(size.failureCode()).isEqualTo(7);
        assertThat(size.getMessage()).contains("'size'");
        int dev = await(client.bind(ctx, 0, 0x8));
        JsonObject t = new JsonObject().put("dev_id", dev).put("address", 0).put("length", MAX / 2);
        ReplyException burst = failure(client.dmaBurst(ctx, java.util.List.of(t, t)));
        assertThat(burst.failureCode()).isEqualTo(7);
        assertThat(burst.getMessage()).contains("transactions[1].length");
        einval(failure(client.dmaRead(ctx, dev, 0, MAX)), "'length'");
    }
}
