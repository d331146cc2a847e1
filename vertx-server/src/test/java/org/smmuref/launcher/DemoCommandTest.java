package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.demo.IsolationVerdict;

class DemoCommandTest extends CliTestBase {
    @Test
    void isolation_prints_a_verdict_per_scenario_and_design() {
        assertThat(run("demo", "isolation")).isZero();
        String text = out.toString();
        assertThat(text).contains("(a) user-chosen VMID", "(b) BTM with an SMMU-private VMID",
            "(c) unpinned KVM VMID", "As predicted: every unsafe design leaked, smmuref's policy leaked nothing.",
            "EOPNOTSUPP", "event: F_TRANSLATION", "VM B secret");
        assertThat(text.split("\n  unsafe  LEAK ", -1)).hasSize(4);
        assertThat(text.split("\n  safe    isolated ", -1)).hasSize(4);
    }

    @Test
    void isolation_json_carries_the_verdicts_with_vmids_and_hex_addresses() {
        assertThat(run("demo", "isolation", "--json")).isZero();
        JsonObject json = new JsonObject(out.toString());
        assertThat(json.getBoolean("asPredicted")).isTrue();
        JsonArray verdicts = json.getJsonArray("verdicts");
        assertThat(verdicts).hasSize(6);
        for (int i = 0; i < 6; i++) {
            JsonObject v = verdicts.getJsonObject(i);
            assertThat(v.getString("scenario")).isEqualTo(List.of("a", "b", "c").get(i / 2));
            assertThat(v.getString("design")).isEqualTo(i % 2 == 0 ? "unsafe" : "safe");
            assertThat(v.getBoolean("leaked")).isEqualTo(i % 2 == 0);
            assertThat(v.getString("explanation")).isNotBlank();
        }
        JsonObject a = verdicts.getJsonObject(0);
        assertThat(a.getJsonObject("vmids").getInteger("VM A S2VMID"))
            .isEqualTo(a.getJsonObject("vmids").getInteger("VM B S2VMID"));
        assertThat(a.getJsonObject("addresses").getString("PA reached by VM A's device"))
            .startsWith("0x").isEqualTo(a.getJsonObject("addresses").getString("VM B buffer PA"));
        assertThat(verdicts.getJsonObject(3).getString("event")).isEqualTo("F_TRANSLATION");
        assertThat(verdicts.getJsonObject(2).getValue("event")).isNull();
    }

    @Test
    void an_outcome_against_the_prediction_is_named() {
        IsolationVerdict wrong = new IsolationVerdict(IsolationVerdict.Scenario.BTM_PRIVATE_VMID,
            IsolationVerdict.Design.SAFE, "p", true, "x", Map.of("v", 1), Map.of("PA", 0x1000L), "");
        assertThat(DemoCommand.toText(List.of(wrong), false)).contains("NOT as predicted: (b) safe leaked",
            "PA = 0x1000", "v = 1");
        assertThat(DemoCommand.toJson(List.of(wrong), false).getBoolean("asPredicted")).isFalse();
    }

    @Test
    void help_describes_the_commands() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: smmuref demo", "isolation");
        out.getBuffer().setLength(0);
        assertThat(run("demo", "isolation", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: smmuref demo isolation", "--json", "Exit status 0");
    }

    @Test
    void demo_without_a_subcommand_is_a_usage_error() {
        assertThat(run("demo")).isEqualTo(2);
        assertThat(err.toString()).contains("a demo subcommand is required");
    }
}
