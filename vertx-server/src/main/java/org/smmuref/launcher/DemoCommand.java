package org.smmuref.launcher;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.smmuref.smmu.demo.IsolationScenarios;
import org.smmuref.smmu.demo.IsolationVerdict;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code smmuref demo ...}: demonstrations run on the hardware model. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Run demonstrations on the SMMUv3 hardware model.",
    subcommands = {DemoCommand.Isolation.class})
final class DemoCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a demo subcommand is required");
    }

    /** {@code smmuref demo isolation [--json]}: the three unsafe VMID designs against smmuref's policy. */
    @Command(
        name = "isolation",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
            "Run the three VMID isolation scenarios of the review on the SMMUv3 model, each with the unsafe design and "
                + "with smmuref's policy: (a) a user-chosen VMID, (b) BTM with an SMMU-private VMID, (c) an unpinned "
                + "KVM VMID across a rollover. Prints per run whether a device reached memory it must not, and why.",
            "Exit status 0 when every unsafe design leaked and the safe policy leaked nothing, 1 otherwise.",
            "With --json: {\"asPredicted\": bool, \"verdicts\": [{\"scenario\", \"title\", \"design\", \"policy\", "
                + "\"leaked\", \"explanation\", \"vmids\", \"addresses\" (hex), \"event\"}, ...]}."})
    static final class Isolation implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @CommandLine.Option(names = "--json", description = "Print JSON instead of text.")
        private boolean json;

        @Override
        public Integer call() {
            List<IsolationVerdict> verdicts = new IsolationScenarios().runAll();
            boolean predicted = verdicts.stream().allMatch(IsolationVerdict::asPredicted);
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? toJson(verdicts, predicted).encodePrettily() + System.lineSeparator()
                : toText(verdicts, predicted));
            out.flush();
            return predicted ? 0 : 1;
        }
    }

    static String toText(List<IsolationVerdict> verdicts, boolean predicted) {
        StringBuilder b = new StringBuilder("VMID isolation on the SMMUv3 model: each scenario runs the unsafe design "
            + "and smmuref's policy through the same steps.\n");
        IsolationVerdict.Scenario current = null;
        for (IsolationVerdict v : verdicts) {
            if (v.scenario() != current) {
                current = v.scenario();
                b.append('\n').append('(').append(current.letter()).append(") ").append(current.title()).append('\n');
            }
            b.append(String.format("  %-7s %-9s %s%n", v.design().name().toLowerCase(),
                v.leaked() ? "LEAK" : "isolated", v.policy()));
            b.append("                    ").append(v.explanation()).append('\n');
            b.append("                    VMIDs: ").append(join(v.vmids(), String::valueOf)).append('\n');
            b.append("                    addresses: ").append(join(v.addresses(), DemoCommand::hex))
                .append(v.event().isEmpty() ? "" : "; event: " + v.event()).append('\n');
        }
        b.append('\n').append(predicted
            ? "As predicted: every unsafe design leaked, smmuref's policy leaked nothing."
            : "NOT as predicted: " + verdicts.stream().filter(v -> !v.asPredicted())
                .map(v -> "(" + v.scenario().letter() + ") " + v.design().name().toLowerCase()
                    + (v.leaked() ? " leaked" : " did not leak"))
                .collect(Collectors.joining(", "))).append('\n');
        return b.toString();
    }

    static JsonObject toJson(List<IsolationVerdict> verdicts, boolean predicted) {
        JsonArray list = new JsonArray();
        for (IsolationVerdict v : verdicts) {
            JsonObject vmids = new JsonObject();
            v.vmids().forEach(vmids::put);
            JsonObject addresses = new JsonObject();
            v.addresses().forEach((k, a) -> addresses.put(k, hex(a)));
            list.add(new JsonObject()
                .put("scenario", v.scenario().letter())
                .put("title", v.scenario().title())
                .put("design", v.design().name().toLowerCase())
                .put("policy", v.policy())
                .put("leaked", v.leaked())
                .put("explanation", v.explanation())
                .put("vmids", vmids)
                .put("addresses", addresses)
                .put("event", v.event().isEmpty() ? null : v.event()));
        }
        return new JsonObject().put("asPredicted", predicted).put("verdicts", list);
    }

    private static <T> String join(Map<String, T> m, java.util.function.Function<T, String> format) {
        return m.entrySet().stream().map(e -> e.getKey() + " = " + format.apply(e.getValue()))
            .collect(Collectors.joining(", "));
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
