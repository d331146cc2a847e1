package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EncodeCommandTest extends CliTestBase {
    @Test
    void encodes_fields_into_hex_dwords() {
        assertThat(run("encode", "l1std", "Span=9", "L2Ptr=0x40000000")).isZero();
        assertThat(out.toString().trim()).isEqualTo("0x0000000040000009");
    }

    @Test
    void encode_then_decode_round_trips_through_the_cli() {
        assertThat(run("encode", "cd", "V=1", "AA64=1", "T0SZ=16", "ASID=0x4321", "TTB0=0x12345000")).isZero();
        String[] dwords = out.toString().trim().split(" ");
        assertThat(dwords).hasSize(8);
        out.getBuffer().setLength(0);
        String[] args = new String[10];
        args[0] = "decode";
        args[1] = "cd";
        System.arraycopy(dwords, 0, args, 2, 8);
        assertThat(run(args)).isZero();
        assertThat(out.toString()).contains("\"T0SZ\": 16", "\"V\": 1", "\"AA64\": 1", "\"ASID\": 17185",
            "\"TTB0\": 305418240");
    }

    @Test
    void no_fields_gives_zero_dwords() {
        assertThat(run("encode", "strtab_base_cfg")).isZero();
        assertThat(out.toString().trim()).isEqualTo("0x0000000000000000");
    }

    @Test
    void help_describes_the_command() {
        assertThat(run("encode", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: smmuref encode", "FIELD=VALUE");
    }

    @Test
    void unknown_field_bad_value_and_misaligned_address_are_usage_errors() {
        assertThat(run("encode", "ste", "Nope=1")).isEqualTo(2);
        assertThat(err.toString()).contains("STE has no field Nope");
        assertThat(run("encode", "ste", "Config=8")).isEqualTo(2);
        assertThat(err.toString()).contains("does not fit in 3 bits");
        assertThat(run("encode", "ste", "S2TTB=0x1001")).isEqualTo(2);
        assertThat(err.toString()).contains("must be aligned");
        assertThat(run("encode", "ste", "V")).isEqualTo(2);
        assertThat(err.toString()).contains("expected field=value");
    }
}
