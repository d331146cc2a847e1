package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scenario run}: the shipped example scenarios pass, a wrong expectation fails at that step, bad files. */
class ScenarioCommandTest extends CliTestBase {
    /** The example scenarios shipped in the repository's {@code scenarios/} folder. */
    static final Path SCENARIOS = Path.of("..", "scenarios");

    @TempDir
    Path dir;

    private List<JsonObject> lines() {
        return Arrays.stream(out.toString().split("\\R")).filter(l -> !l.isBlank()).map(JsonObject::new).toList();
    }

    @Test
    void every_shipped_scenario_passes_against_an_embedded_server() throws Exception {
        List<Path> files;
        try (var s = Files.list(SCENARIOS)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("nested-flow.json",
            "client-isolation.json", "isolation-a-user-chosen-vmid.json", "isolation-b-btm-private-vmid.json",
            "isolation-c-unpinned-kvm-vmid.json");
        for (Path f : files) {
            out.getBuffer().setLength(0);
            int code = run("scenario", "run", f.toString());
            List<JsonObject> lines = lines();
            assertThat(code).as(f + ":\n" + out).isZero();
            JsonObject summary = lines.get(lines.size() - 1);
            assertThat(summary.getBoolean("ok")).isTrue();
            assertThat(summary.getInteger("passed")).isEqualTo(summary.getInteger("steps"))
                .isEqualTo(lines.size() - 1);
        }
    }

    @Test
    void the_nested_flow_passes_against_a_real_serve_over_its_bridge_with_a_token() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "t0ken");
        try (ServeProcess serve = ServeProcess.start("--token-file", token.toString())) {
            int code = run("scenario", "run", SCENARIOS.resolve("nested-flow.json").toString(), "--server",
                "127.0.0.1:" + serve.bridgePort(), "--token-file", token.toString());
            assertThat(code).as(out.toString()).isZero();
            assertThat(lines()).anyMatch(l -> l.getString("name", "").startsWith("the fault arrives")
                && l.getBoolean("ok"));
        }
    }

    @Test
    void isolation_b_without_the_kvm_tie_is_refused_at_the_viommu() throws Exception {
        // Negative control of the BTM scenario. Without kvm.associate the vIOMMU used to get an SMMU-private VMID
        // silently, the guest's broadcast TLBI missed it and the device read the reused page (unsafe design (b)).
        // The safe policy now refuses an untied vIOMMU on a BTM SMMU (issue 11), so the scenario must stop exactly
        // there, with EINVAL, before any DMA can leak.
        JsonObject doc = new JsonObject(Files.readString(SCENARIOS.resolve("isolation-b-btm-private-vmid.json")));
        JsonArray steps = new JsonArray();
        for (Object st : doc.getJsonArray("steps")) {
            JsonObject step = (JsonObject) st;
            if (step.getString("op", "").equals("kvm.associate")) {
                continue;
            }
            steps.add(step);
        }
        Path f = dir.resolve("b-untied.json");
        Files.writeString(f, doc.copy().put("steps", steps).encode());
        assertThat(run("scenario", "run", f.toString())).isEqualTo(1);
        List<JsonObject> lines = lines();
        JsonObject failed = lines.get(lines.size() - 2);
        assertThat(failed.getString("name")).isEqualTo("VMM A: vIOMMU");
        assertThat(failed.encode()).contains("EINVAL");
        assertThat(lines).noneMatch(l -> l.getString("op", "").endsWith("dma_read"));
    }

    @Test
    void a_repeat_runs_until_its_condition_or_fails_when_it_never_holds() throws Exception {
        Path f = dir.resolve("repeat.json");
        Files.writeString(f, "{\"steps\": [{\"repeat\": 5, \"until\": {\"number\": 3}, \"steps\": ["
            + "{\"op\": \"kvm.create_vm\"}]}, {\"op\": \"kvm.create_vm\", \"expect\": {\"number\": 4}}]}");
        assertThat(run("scenario", "run", f.toString())).as(out.toString()).isZero();
        assertThat(lines().get(0).getInteger("iterations")).isEqualTo(3);

        Files.writeString(f, "{\"steps\": [{\"repeat\": 2, \"until\": {\"number\": 99}, \"steps\": ["
            + "{\"op\": \"kvm.create_vm\"}]}]}");
        out.getBuffer().setLength(0);
        assertThat(run("scenario", "run", f.toString())).isEqualTo(1);
        assertThat(lines().get(0).getString("why")).contains("never matched in 2 iterations");
    }

    @Test
    void a_wrong_expectation_stops_the_run_at_that_step_with_exit_1() throws Exception {
        Path f = dir.resolve("wrong.json");
        Files.writeString(f, new JsonObject().put("name", "wrong").put("steps", new JsonArray()
            .add(new JsonObject().put("op", "iommufd.open").put("save", new JsonObject().put("ctx", "ctx")))
            .add(new JsonObject().put("op", "iommufd.ioas_alloc").put("body", new JsonObject().put("ctx", "${ctx}"))
                .put("expect", new JsonObject().put("out_ioas_id", 99)))
            .add(new JsonObject().put("op", "platform.describe"))).encode());
        assertThat(run("scenario", "run", f.toString())).isEqualTo(1);
        List<JsonObject> lines = lines();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1).getBoolean("ok")).isFalse();
        assertThat(lines.get(1).getString("why")).isEqualTo("out_ioas_id: expected 99, got 1");
        assertThat(lines.get(2).getInteger("passed")).isEqualTo(1);
    }

    @Test
    void an_expected_errno_that_does_not_come_is_a_mismatch() throws Exception {
        Path f = dir.resolve("errno.json");
        Files.writeString(f, "{\"steps\": [{\"op\": \"iommufd.open\", \"errno\": \"EBADF\"},"
            + " {\"op\": \"iommufd.ioas_alloc\", \"body\": {\"ctx\": \"nope\"}, \"errno\": \"EINVAL\"}]}");
        assertThat(run("scenario", "run", f.toString())).isEqualTo(1);
        assertThat(lines().get(0).getString("why")).isEqualTo("expected EBADF, the request succeeded");

        Files.writeString(f, "{\"steps\": [{\"op\": \"iommufd.ioas_alloc\", \"body\": {\"ctx\": \"nope\"},"
            + " \"errno\": \"EINVAL\"}]}");
        out.getBuffer().setLength(0);
        assertThat(run("scenario", "run", f.toString())).isEqualTo(1);
        assertThat(lines().get(0).getString("why")).startsWith("expected EINVAL, got EBADF");
    }

    @Test
    void a_file_that_cannot_be_run_is_a_usage_error() throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"steps\": [{\"op\": \"x\", \"subscribe\": \"y\"}]}");
        assertThat(run("scenario", "run", f.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("steps[0]: needs exactly one of op, subscribe, event, repeat");
        Files.writeString(f, "{\"steps\": [], \"extra\": 1}");
        assertThat(run("scenario", "run", f.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("extra: unknown key");
        assertThat(run("scenario", "run", dir.resolve("none.json").toString())).isEqualTo(2);
        assertThat(run("scenario", "run", f.toString(), "--server", "nohost")).isEqualTo(2);
    }

    @Test
    void an_unset_variable_fails_its_step() throws Exception {
        Path f = dir.resolve("var.json");
        Files.writeString(f, "{\"steps\": [{\"op\": \"iommufd.ioas_alloc\", \"body\": {\"ctx\": \"${ctx}\"}}]}");
        assertThat(run("scenario", "run", f.toString())).isEqualTo(1);
        assertThat(lines().get(0).getString("why")).isEqualTo("variable ${ctx} is not set by any earlier step");
    }

    @Test
    void matching_is_by_subset_with_numbers_by_value_and_any() {
        JsonObject actual = new JsonObject().put("a", 1).put("b", new JsonArray().add(2).add("x"))
            .put("c", new JsonObject().put("d", 4.0).put("e", "f"));
        assertThat(Scenario.mismatch(new JsonObject().put("a", 1.0).put("c", new JsonObject().put("d", 4)),
            actual, "")).isEmpty();
        assertThat(Scenario.mismatch(new JsonObject().put("b", new JsonArray().add(2).add("$any")), actual, ""))
            .isEmpty();
        assertThat(Scenario.mismatch(new JsonObject().put("b", new JsonArray().add(2)), actual, ""))
            .contains("b: expected 1 elements, got 2");
        assertThat(Scenario.mismatch(new JsonObject().put("c", new JsonObject().put("e", "g")), actual, ""))
            .contains("c.e: expected \"g\", got \"f\"");
        assertThat(Scenario.mismatch(new JsonObject().put("z", "$any"), actual, "")).contains("z: missing");
        assertThat(Scenario.mismatch(new JsonObject().put("a", "1"), actual, "")).contains("a: expected \"1\", got 1");
        assertThat(Scenario.mismatch(new JsonObject().put("a", new JsonObject().put("$ne", 2)), actual, "")).isEmpty();
        assertThat(Scenario.mismatch(new JsonObject().put("a", new JsonObject().put("$ne", 1)), actual, ""))
            .contains("a: expected anything but 1, got it");
    }

    @Test
    void substitution_keeps_types_and_interpolates_in_strings() throws Exception {
        Map<String, Object> vars = Map.of("n", 5, "s", "abc", "arr", new JsonArray().add(1));
        Object r = Scenario.substitute(new JsonObject().put("x", "${n}").put("y", "id-${n}-${s}")
            .put("z", new JsonArray().add("${arr}")), vars);
        assertThat(r).isEqualTo(new JsonObject().put("x", 5).put("y", "id-5-abc")
            .put("z", new JsonArray().add(new JsonArray().add(1))));
    }
}
