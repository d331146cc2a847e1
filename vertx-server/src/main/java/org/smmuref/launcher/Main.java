package org.smmuref.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./smmuref} command line: one subcommand per job. */
@Command(
    name = "smmuref",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Reference model of iommufd nested translation for the Arm SMMUv3 with a safe VMID policy.",
    subcommands = {ServeCommand.class, VersionCommand.class, DecodeCommand.class, EncodeCommand.class,
        UapiCommand.class, CheckCommand.class, DemoCommand.class, ScenarioCommand.class, ConformanceCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with every subcommand, for tests and embedding. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
