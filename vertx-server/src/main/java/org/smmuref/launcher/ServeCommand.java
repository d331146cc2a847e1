package org.smmuref.launcher;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.smmuref.server.Addresses;
import org.smmuref.server.ServerOptions;
import org.smmuref.server.SmmurefServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code smmuref serve}: runs the event-bus server on the embedded default platform until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the smmuref server on the embedded default platform until Ctrl-C or SIGTERM.")
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--host", description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
    String host = ServerOptions.DEFAULT_HOST;

    @Option(names = "--http-port", description = "HTTP port for /health; 0 picks a free port (default: ${DEFAULT-VALUE}).")
    int httpPort = ServerOptions.DEFAULT_HTTP_PORT;

    @Option(names = "--exit-after-start", hidden = true,
        description = "Start, report, then stop at once (used by tests).")
    boolean exitAfterStart;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ServerOptions options;
        try {
            options = new ServerOptions(host, httpPort);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        SmmurefServer server = Platform.injector(options).getInstance(SmmurefServer.class);
        server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        out.printf("smmuref serving on the embedded default platform%n");
        out.printf("  health: http://%s:%d/health and event-bus address %s%n", host, server.httpPort(), Addresses.HEALTH);
        out.flush();

        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopServer(server);
            stopped.countDown();
        }, "smmuref-shutdown");
        if (exitAfterStart) {
            stopServer(server);
            return 0;
        }
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
    }

    private static void stopServer(SmmurefServer server) {
        try {
            server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            System.err.println("smmuref stopped");
        } catch (Exception e) {
            System.err.println("smmuref: error while stopping: " + e);
        }
    }
}
