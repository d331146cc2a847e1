package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code uapi diff}, {@code check} and {@code serve --kernel}: the kernel profiles from the command line. */
class KernelProfileCliTest extends CliTestBase {
    private static JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s);
    }

    @Test
    void uapi_diff_lists_the_rules_that_changed_as_a_table_and_as_json() throws Exception {
        assertThat(run("uapi", "diff", "v6.17", "v7.4")).isZero();
        assertThat(out.toString()).contains("HWPT_INVALIDATE entry_num 0 on a vSMMU", "EINVAL", "0 (type probe)",
            "HWPT_INVALIDATE field checks", "nested attach needs a vDEVICE")
            .doesNotContain("ioctl IOMMU_VEVENTQ_ALLOC");
        out.getBuffer().setLength(0);
        assertThat(run("uapi", "diff", "6.13", "v7.4", "--json")).isZero();
        JsonNode d = json(out.toString());
        assertThat(d.get("from").asText()).isEqualTo("v6.13");
        assertThat(d.get("changes").findValuesAsText("rule")).contains("ioctl IOMMU_VEVENTQ_ALLOC",
            "sizeof iommu_viommu_alloc", "GET_HW_INFO flags");
        out.getBuffer().setLength(0);
        assertThat(run("uapi", "diff", "v7.4", "v7.4")).isZero();
        assertThat(out.toString()).contains("(no rule differs)");
        assertThat(run("uapi", "diff", "v5.0", "v7.4")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown kernel v5.0", "v6.13");
    }

    /** A Linux guest sets STE.SHCFG whenever S1DSS = bypass; arm_smmu_validate_vste refuses it with EIO. */
    @Test
    void check_vste_names_shcfg_of_a_linux_guest() throws Exception {
        long ste0 = 1 | 5 << 1 | 0x8000_0000L;
        long ste1 = 1 | 1L << 44; // S1DSS = bypass, SHCFG = incoming
        assertThat(run("check", "vste", Long.toHexString(ste0), Long.toHexString(ste1))).isEqualTo(1);
        JsonNode r = json(out.toString());
        assertThat(r.get("accepted").asBoolean()).isFalse();
        assertThat(r.get("errno").asText()).isEqualTo("EIO");
        assertThat(r.get("fields").toString().toUpperCase()).contains("SHCFG");
        out.getBuffer().setLength(0);
        assertThat(run("check", "vste", Long.toHexString(ste0), "1")).isZero();
        assertThat(json(out.toString()).get("accepted").asBoolean()).isTrue();
    }

    /** arm_vsmmu_validate_user_cmd (v7.4) refuses a stray bit that v6.17 passes on; CFGI_STE is EIO in both. */
    @Test
    void check_cmd_follows_the_release() throws Exception {
        assertThat(run("check", "cmd", "--kernel", "v7.4", "0x10", "0x1")).isEqualTo(1);
        assertThat(json(out.toString()).get("errno").asText()).isEqualTo("EIO");
        out.getBuffer().setLength(0);
        assertThat(run("check", "cmd", "--kernel", "v6.17", "0x10", "0x1")).isZero();
        out.getBuffer().setLength(0);
        assertThat(run("check", "cmd", "--kernel", "v6.17", "0x4200000003", "0")).isEqualTo(1);
        assertThat(json(out.toString()).get("fields").toString()).contains("Opcode");
    }

    @Test
    void serve_reports_the_chosen_kernel_and_refuses_an_unknown_one() {
        assertThat(run("serve", "--kernel", "v6.17", "--http-port", "0", "--bridge-port", "0", "--exit-after-start"))
            .as(err.toString()).isZero();
        assertThat(out.toString()).contains("kernel: v6.17");
        assertThat(run("serve", "--kernel", "v9.9", "--http-port", "0", "--bridge-port", "0", "--exit-after-start"))
            .isEqualTo(2);
        assertThat(err.toString()).contains("unknown kernel v9.9");
    }
}
