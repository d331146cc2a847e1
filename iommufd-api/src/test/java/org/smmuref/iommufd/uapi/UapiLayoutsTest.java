package org.smmuref.iommufd.uapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON and text renderings of every layout; the JSON is checked with a small strict parser. */
class UapiLayoutsTest {

    /** A strict parser for the subset the layout uses: objects, strings with escapes, non-negative integers. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json p = new Json(text);
            Object v = p.value();
            p.ws();
            if (p.i != p.s.length()) {
                throw new IllegalArgumentException("trailing text at " + p.i);
            }
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private void expect(char c) {
            ws();
            if (i >= s.length() || s.charAt(i) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + i);
            }
            i++;
        }

        private Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                do {
                    String k = string();
                    expect(':');
                    if (m.put(k, value()) != null) {
                        throw new IllegalArgumentException("duplicate key " + k);
                    }
                    ws();
                } while (s.charAt(i++) == ',');
                if (s.charAt(i - 1) != '}') {
                    throw new IllegalArgumentException("expected '}' at " + (i - 1));
                }
                return m;
            }
            if (c == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
            }
            return Integer.parseInt(s.substring(start, i));
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw new IllegalArgumentException("raw control character at " + (i - 1));
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case '"', '\\', '/' -> sb.append(e);
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' -> {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> throw new IllegalArgumentException("bad escape \\" + e);
                    }
                } else {
                    sb.append(c);
                }
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void json_names_every_struct_with_its_size_and_member_offsets() {
        Map<String, Object> all = (Map<String, Object>) Json.parse(UapiLayouts.toJson());
        assertThat(all).hasSize(UapiLayouts.ALL.size());
        for (StructType<?> t : UapiLayouts.ALL) {
            Map<String, Object> entry = (Map<String, Object>) all.get(t.kernelName());
            assertThat(entry).as(t.kernelName()).isNotNull().containsOnlyKeys("size", "offsets");
            assertThat(entry.get("size")).isEqualTo(t.size());
            Map<String, Object> offsets = (Map<String, Object>) entry.get("offsets");
            assertThat(offsets.keySet()).containsExactlyElementsOf(
                t.layout().fields().stream().map(CField::name).toList());
            for (CField f : t.layout().fields()) {
                assertThat(offsets.get(f.name())).as("%s.%s", t.kernelName(), f.name()).isEqualTo(f.offset());
            }
        }
        Map<String, Object> hwInfo = (Map<String, Object>) ((Map<String, Object>) all.get("iommu_hw_info")).get("offsets");
        assertThat(hwInfo).containsEntry("in_data_type", 24).doesNotContainKey("out_data_type");
        assertThat(all).containsKeys("iommu_hwpt_arm_smmuv3_v1", "iommu_hwpt_invalidate_arm_smmuv3_v1",
            "iommu_hwpt_arm_smmuv3");
    }

    @Test
    void json_strings_are_escaped() {
        String nasty = "a\"b\\c\nd\u0001e/";
        String lit = UapiLayouts.jsonString(nasty);
        assertThat(lit).isEqualTo("\"a\\\"b\\\\c\\nd\\u0001e/\"");
        assertThat(Json.parse(lit)).isEqualTo(nasty);
    }

    @Test
    void table_lists_every_member_with_its_declaration() {
        String table = UapiLayouts.toTable();
        assertThat(table).contains("struct iommu_hw_info  (size 40, align 8)",
            "    24     4  union { __u32 in_data_type, __u32 out_data_type }",
            "    29     3  __u8 __reserved[3]",
            "    24    16  struct iommu_iova_range range");
        for (StructType<?> t : UapiLayouts.ALL) {
            assertThat(table).contains("struct " + t.kernelName() + "  (size " + t.size());
        }
    }

    @Test
    void unknown_names_are_refused() {
        assertThatThrownBy(() -> UapiLayouts.byName("iommu_nope")).isInstanceOf(IllegalArgumentException.class);
    }
}
