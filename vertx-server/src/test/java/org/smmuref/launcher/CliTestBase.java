package org.smmuref.launcher;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the real command line in-process and keeps what it printed, for the launcher's command tests. */
abstract class CliTestBase {
    protected final StringWriter out = new StringWriter();
    protected final StringWriter err = new StringWriter();

    /** Executes {@code smmuref <args>} and returns its exit code. */
    protected int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
