package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.uapi.UapiLayouts;

class UapiCommandTest extends CliTestBase {
    @Test
    void layout_json_prints_every_struct_with_sizes_and_offsets() {
        assertThat(run("uapi", "layout", "--json")).isZero();
        String json = out.toString();
        assertThat(json).isEqualTo(UapiLayouts.toJson());
        assertThat(json).startsWith("{").contains(
            "\"iommu_hwpt_alloc\": {\"size\": 48, \"offsets\": {\"size\": 0, \"flags\": 4",
            "\"iommu_hwpt_arm_smmuv3_v1\": {\"size\": 48",
            "\"iommu_hwpt_invalidate_arm_smmuv3_v1\": {\"size\": 40",
            "\"in_data_type\": 24");
    }

    @Test
    void layout_without_json_prints_a_table() {
        assertThat(run("uapi", "layout")).isZero();
        assertThat(out.toString()).contains("struct iommu_ioas_map  (size 40, align 8)", "    32     8  __aligned_u64 iova");
    }

    @Test
    void help_describes_the_commands() {
        assertThat(run("uapi", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: smmuref uapi", "layout");
        out.getBuffer().setLength(0);
        assertThat(run("uapi", "layout", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: smmuref uapi layout", "--json");
    }

    @Test
    void uapi_without_a_subcommand_is_a_usage_error() {
        assertThat(run("uapi")).isEqualTo(2);
        assertThat(err.toString()).contains("a uapi subcommand is required");
    }
}
