package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecodeCommandTest extends CliTestBase {
    @Test
    void decodes_an_l1cd_as_json_with_the_byte_address() {
        assertThat(run("decode", "l1cd", "0x0000000012345001")).isZero();
        assertThat(out.toString().trim()).isEqualTo("{\"V\": 1, \"L2Ptr\": 305418240}");
    }

    @Test
    void decodes_an_ste_with_every_field_in_order() {
        assertThat(run("decode", "ste", "0x8000100b", "0", "0x1234", "0", "0", "0", "0", "0")).isZero();
        String json = out.toString();
        assertThat(json).startsWith("{\"V\": 1, \"Config\": 5, \"S1Fmt\": 0, \"S1ContextPtr\": 2147487744, ")
            .contains("\"S2VMID\": 4660").contains("\"S2POI\": 0}");
    }

    @Test
    void text_prints_a_table() {
        assertThat(run("decode", "--text", "l1std", "0x40000009")).isZero();
        assertThat(out.toString()).contains("field", "bits", "Span   4:0        9", "L2Ptr  55:6       0x40000000");
    }

    @Test
    void help_names_the_kinds() {
        assertThat(run("decode", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: smmuref decode", "--text", "ste, cd, l1std, l1cd");
    }

    @Test
    void bad_hex_wrong_count_and_unknown_kind_are_usage_errors() {
        assertThat(run("decode", "l1cd", "0xnothex")).isEqualTo(2);
        assertThat(err.toString()).contains("'0xnothex' is not a 64-bit hex value");
        assertThat(run("decode", "cd", "1", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("cd takes 8 dwords, got 2");
        assertThat(run("decode", "pte", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown kind 'pte'");
        assertThat(run("decode", "ste")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required parameter");
    }
}
