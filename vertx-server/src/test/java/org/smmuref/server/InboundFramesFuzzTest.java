package org.smmuref.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bridge's frame check on arbitrary payloads: it never throws, every refusal is an {@code E<NAME>: } message
 * with its errno, a frame without the right token is never forwarded, and a forwarded frame carries only the known
 * fields, the connection's client id (whatever the client claimed), the guard's secret and no token.
 */
class InboundFramesFuzzTest {
    static final String TOKEN = "tok-3f9";
    static final String SECRET = "guard-secret";
    static final InboundFrames WITH_TOKEN = new InboundFrames(AccessToken.of(Optional.of(TOKEN)), SECRET);
    static final InboundFrames OPEN = new InboundFrames(AccessToken.of(Optional.empty()), SECRET);

    @FuzzTest(maxDuration = "5m")
    void a_frame_is_forwarded_only_rewritten_and_with_the_token(byte[] input) {
        // Half the inputs get the token spliced in as a header, so the forward path is reached often.
        String text = new String(input, StandardCharsets.UTF_8);
        byte[] spliced = text.replace("$TOKEN", TOKEN).getBytes(StandardCharsets.UTF_8);
        for (InboundFrames frames : new InboundFrames[] {WITH_TOKEN, OPEN}) {
            InboundFrames.Verdict v = frames.check(Buffer.buffer(spliced), "bridge-me");
            if (v instanceof InboundFrames.Reject r) {
                assertThat(r.message()).matches("E[A-Z0-9]+: .+");
                assertThat(r.errno()).isIn(7, 13, 22);
                continue;
            }
            JsonObject in = new JsonObject(new String(spliced, StandardCharsets.UTF_8));
            if (frames == WITH_TOKEN) {
                assertThat(in.getJsonObject("headers").getString(AccessToken.HEADER)).as("admitted without the token")
                    .isEqualTo(TOKEN);
            }
            if (v instanceof InboundFrames.Forward f) {
                JsonObject out = f.frame();
                assertThat(Set.of("type", "address", "replyAddress", "headers", "body")).containsAll(out.fieldNames());
                JsonObject h = out.getJsonObject("headers");
                assertThat(h.getString(InboundFrames.CLIENT_HEADER)).isEqualTo("bridge-me");
                assertThat(h.getString(InboundFrames.GUARD_HEADER)).isEqualTo(SECRET);
                assertThat(h.containsKey(AccessToken.HEADER)).isFalse();
                assertThat(h.containsKey("codecName") || h.containsKey("localOnly")).isFalse();
                for (String name : h.fieldNames()) {
                    assertThat(h.getValue(name) instanceof String || name.equals("timeout")).as(name).isTrue();
                }
                assertThat(out.getString("type")).isIn("send", "register", "unregister");
                // The internal bridge admits exactly what the guard forwarded, and strips the secret.
                assertThat(frames.admitInternal(out)).isTrue();
                assertThat(out.getJsonObject("headers").containsKey(InboundFrames.GUARD_HEADER)).isFalse();
            }
        }
    }

    @Test
    void a_parser_error_is_reported_on_one_line() {
        // Found by this fuzz test: Jackson's message spans lines and the error frame carried them verbatim.
        for (String payload : new String[] {"", "{\"a\":", "{\"a\" 1}"}) {
            InboundFrames.Verdict v = OPEN.check(Buffer.buffer(payload), "c");
            assertThat(v).isInstanceOf(InboundFrames.Reject.class);
            assertThat(((InboundFrames.Reject) v).message()).doesNotContain("\n")
                .startsWith("EINVAL: frame payload is not a JSON object: ");
        }
    }

    @Test
    void the_internal_check_refuses_a_wrong_or_missing_secret() {
        assertThat(OPEN.admitInternal(new JsonObject().put("headers", new JsonObject()
            .put(InboundFrames.GUARD_HEADER, "guess")))).isFalse();
        assertThat(OPEN.admitInternal(new JsonObject())).isFalse();
        assertThat(OPEN.admitInternal(new JsonObject().put("headers", "x"))).isFalse();
        assertThat(OPEN.admitInternal(null)).isFalse();
    }
}
