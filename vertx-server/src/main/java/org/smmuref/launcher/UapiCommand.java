package org.smmuref.launcher;

import java.util.concurrent.Callable;
import org.smmuref.iommufd.uapi.UapiLayouts;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code smmuref uapi ...}: facts about the iommufd uAPI as this build encodes it. */
@Command(
    name = "uapi",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Inspect the iommufd uAPI structs as smmuref encodes them.",
    subcommands = {UapiCommand.Layout.class})
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
}
