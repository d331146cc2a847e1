package org.smmuref.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.iommufd.uapi.UapiLayouts;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code smmuref uapi ...}: facts about the iommufd uAPI as this build encodes it. */
@Command(
    name = "uapi",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Inspect the iommufd uAPI structs as smmuref encodes them.",
    subcommands = {UapiCommand.Layout.class, UapiCommand.Diff.class})
final class UapiCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a uapi subcommand is required");
    }

    /** {@code smmuref uapi layout [--json]}: every struct's size and member offsets. */
    @Command(
        name = "layout",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
            "Print the C layout of every iommufd uAPI struct (both generations): size and member offsets.",
            "With --json: {\"<struct>\": {\"size\": N, \"offsets\": {\"<member>\": N, ...}}, ...}."})
    static final class Layout implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @CommandLine.Option(names = "--json", description = "Print JSON instead of a text table.")
        private boolean json;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(json ? UapiLayouts.toJson() : UapiLayouts.toTable());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code smmuref uapi diff FROM TO [--json]}: rule by rule, what a program sees change between two kernels. */
    @Command(
        name = "diff",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
            "Print every uAPI rule whose behaviour differs between two kernel releases (known: v6.13, v6.15, v6.17, "
                + "v6.19, v7.2, v7.4).",
            "With --json: {\"from\": \"v6.17\", \"to\": \"v7.4\", \"changes\": [{\"rule\", \"from\", \"to\"}, ...]}."})
    static final class Diff implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @CommandLine.Parameters(index = "0", paramLabel = "FROM", description = "The older release, e.g. v6.17.")
        private String from;

        @CommandLine.Parameters(index = "1", paramLabel = "TO", description = "The newer release, e.g. v7.4.")
        private String to;

        @CommandLine.Option(names = "--json", description = "Print JSON instead of a text table.")
        private boolean json;

        @Override
        public Integer call() throws Exception {
            KernelProfile a;
            KernelProfile b;
            try {
                a = KernelProfile.parse(from);
                b = KernelProfile.parse(to);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            List<KernelProfile.RuleChange> changes = KernelProfile.diff(a, b);
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode root = mapper.createObjectNode().put("from", a.name()).put("to", b.name());
                ArrayNode list = root.putArray("changes");
                for (KernelProfile.RuleChange c : changes) {
                    list.addObject().put("rule", c.rule()).put("from", c.from()).put("to", c.to());
                }
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            } else {
                int w = Math.max(4, changes.stream().mapToInt(c -> c.rule().length()).max().orElse(4));
                int w2 = Math.max(a.name().length(), changes.stream().mapToInt(c -> c.from().length()).max()
                    .orElse(4));
                out.printf("%-" + w + "s  %-" + w2 + "s  %s%n", "rule", a.name(), b.name());
                for (KernelProfile.RuleChange c : changes) {
                    out.printf("%-" + w + "s  %-" + w2 + "s  %s%n", c.rule(), c.from(), c.to());
                }
                if (changes.isEmpty()) {
                    out.println("(no rule differs)");
                }
            }
            out.flush();
            return 0;
        }
    }
}
