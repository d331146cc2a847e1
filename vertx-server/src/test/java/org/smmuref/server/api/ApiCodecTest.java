package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.CField;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.StructType;
import org.smmuref.iommufd.uapi.UapiStruct;

/**
 * The JSON codec against the uAPI records: for random values of every command's struct, the JSON members equal the
 * record's components (read through the record, not the layout walk under test), and JSON back to bytes gives the
 * record's own encoding; a negative control changes one member and must change exactly that member's bytes.
 */
class ApiCodecTest {
    private static final int EXAMPLES = 200;

    @Test
    void json_round_trips_every_command_struct_and_matches_the_record() throws Exception {
        Random random = new Random(13);
        int controls = 0;
        for (IommufdCommand cmd : IommufdCommand.values()) {
            StructType<?> type = cmd.struct();
            for (int n = 0; n < EXAMPLES; n++) {
                byte[] noise = new byte[type.size()];
                random.nextBytes(noise);
                UapiStruct value = (UapiStruct) type.decode(noise);
                byte[] canonical = value.encode();
                JsonObject json = ApiCodec.structJson(type.layout(), canonical, 0);
                RecordComponent[] rc = value.getClass().getRecordComponents();
                List<CField> fields = type.layout().fields();
                for (int i = 0; i < rc.length; i++) {
                    Object component = rc[i].getAccessor().invoke(value);
                    if (component instanceof Number num) {
                        assertThat(unsigned(json.getValue(fields.get(i).name()), fields.get(i)))
                            .as("%s.%s", type.kernelName(), fields.get(i).name())
                            .isEqualTo(unsignedOf(num, fields.get(i)));
                    }
                }
                byte[] back = ApiCodec.structBytes(type.layout(), json, "", m -> false, m -> false);
                assertThat(back).as(type.kernelName()).isEqualTo(canonical);

                // negative control: one scalar member changed changes its bytes and nothing else
                CField f = fields.get(random.nextInt(fields.size()));
                if (f.kind() == CField.Kind.SCALAR) {
                    JsonObject changed = json.copy();
                    long old = ApiCodec.number(json.getValue(f.name()), f.name(), 8 * f.type().size());
                    long mask = f.type().size() == 8 ? -1L : (1L << (8 * f.type().size())) - 1;
                    changed.put(f.name(), ApiCodec.unsigned64((old + 1) & mask));
                    byte[] other = ApiCodec.structBytes(type.layout(), changed, "", m -> false, m -> false);
                    for (int b = 0; b < canonical.length; b++) {
                        boolean inField = b >= f.offset() && b < f.end();
                        if (!inField) {
                            assertThat(other[b]).isEqualTo(canonical[b]);
                        }
                    }
                    assertThat(other).isNotEqualTo(canonical);
                    controls++;
                }
            }
        }
        assertThat(controls).as("negative controls run").isGreaterThan(EXAMPLES);
    }

    private static BigInteger unsigned(Object json, CField f) {
        if (json instanceof String s) {
            return new BigInteger(s.substring(2), 16);
        }
        BigInteger v = BigInteger.valueOf(((Number) json).longValue());
        return f.type().signed() ? v.and(BigInteger.valueOf(0xFFFF_FFFFL)) : v;
    }

    private static BigInteger unsignedOf(Number n, CField f) {
        BigInteger v = BigInteger.valueOf(n.longValue());
        int bits = 8 * f.type().size();
        return v.signum() < 0 ? v.add(BigInteger.ONE.shiftLeft(bits)) : v;
    }

    @Test
    void numbers_accept_hex_decimal_and_bit_patterns_and_refuse_the_rest() {
        assertThat(ApiCodec.number("0xffffffffffffffff", "x", 64)).isEqualTo(-1L);
        assertThat(ApiCodec.number("18446744073709551615", "x", 64)).isEqualTo(-1L);
        assertThat(ApiCodec.number(-1, "x", 32)).isEqualTo(0xFFFF_FFFFL);
        assertThat(ApiCodec.number(255, "x", 8)).isEqualTo(255);
        assertThat(ApiCodec.number(4.0, "x", 32)).isEqualTo(4);
        assertThat(ApiCodec.unsigned64(-1L)).isEqualTo("0xffffffffffffffff");
        assertThat(ApiCodec.unsigned64(5L)).isEqualTo(5L);
        for (Object bad : new Object[] {256, -1, "x1", 1.5, true, new JsonArray(), "0x1ffffffffffffffff"}) {
            assertThatThrownBy(() -> ApiCodec.number(bad, "f", bad instanceof String ? 64 : 8))
                .isInstanceOf(IommufdException.class).hasMessageContaining("field 'f'");
        }
    }

    @Test
    void words_accept_base64_or_numbers() {
        JsonObject j = new JsonObject().put("a", new JsonArray().add(1).add("0x8000000000000000"))
            .put("b", java.util.Base64.getEncoder().encodeToString(ApiCodec.bytes(1L, Long.MIN_VALUE)))
            .put("c", "AAE=");
        assertThat(ApiCodec.words(j, "a")).containsExactly(1L, Long.MIN_VALUE);
        assertThat(ApiCodec.words(j, "b")).containsExactly(1L, Long.MIN_VALUE);
        assertThatThrownBy(() -> ApiCodec.words(j, "c")).hasMessageContaining("whole 64-bit words");
    }
}
