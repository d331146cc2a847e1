package org.smmuref.launcher;

import java.util.concurrent.Callable;
import org.smmuref.server.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code smmuref version}: prints the build's version and the Java runtime. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the smmuref version.")
final class VersionCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        for (String line : lines()) {
            spec.commandLine().getOut().println(line);
        }
        return 0;
    }

    static String[] lines() {
        return new String[] {
            "smmuref " + BuildInfo.load().version(),
            "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
        };
    }

    /** Feeds {@code --version} on every command. */
    static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
