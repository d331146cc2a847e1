package org.smmuref.launcher;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.server.ServerOptions;
import org.smmuref.server.SmmurefServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code smmuref scenario run FILE.json}: runs a scenario's steps against an embedded or a remote server. */
@Command(name = "scenario", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
    description = "Run scenarios (lists of API calls with their expected replies) against a server.",
    subcommands = {ScenarioCommand.Run.class})
final class ScenarioCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a scenario subcommand is required");
    }

    /** {@code scenario run FILE.json [--server HOST:PORT]}. */
    @Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {
            "Run the steps of FILE.json in order over the TCP bridge and print one JSON line per step "
                + "({\"step\", \"name\", \"op\", \"ok\", \"ms\", \"reply\" or \"errno\", and \"why\" on a mismatch}), "
                + "then a summary line.",
            "Without --server it starts an embedded server (the default platform, or --config) on free loopback "
                + "ports and stops it afterwards. Exit status 0 when every step matched, 1 at the first mismatch, 2 "
                + "for a file that cannot be run. docs/scenarios.md describes the format."})
    static final class Run implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE.json", description = "The scenario.")
        Path file;

        @Option(names = "--server", paramLabel = "HOST:PORT", description = "A running server's TCP bridge.")
        String server;

        @Option(names = "--token-file", paramLabel = "FILE", description = "The access token of the server.")
        Path tokenFile;

        @Option(names = "--config", paramLabel = "FILE",
            description = "The platform of the embedded server (as for serve --config).")
        Path config;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Scenario scenario;
            Optional<String> token;
            try {
                scenario = Scenario.parse(Files.readString(file, StandardCharsets.UTF_8));
                token = tokenFile == null ? Optional.empty()
                    : Optional.of(Files.readString(tokenFile, StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + e.getMessage());
            } catch (Scenario.BadScenario e) {
                throw new CommandLine.ParameterException(spec.commandLine(), file + ": " + e.getMessage());
            }
            if (server != null) {
                int colon = server.lastIndexOf(':');
                int port;
                try {
                    port = Integer.parseInt(server.substring(colon + 1));
                } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                        "--server must be HOST:PORT, was '" + server + "'");
                }
                return run(scenario, colon <= 0 ? "127.0.0.1" : server.substring(0, colon), port, token, out);
            }
            ConfigFile machine;
            try {
                machine = config != null ? ConfigFile.load(config) : scenario.platform().isPresent()
                    ? ConfigFile.parse(scenario.platform().get().encode()) : ConfigFile.defaults();
            } catch (ConfigFile.ConfigException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            ServerOptions options = ServerOptions.ephemeral().withNode(machine.name().orElse(scenario.node()));
            SmmurefServer embedded = Platform.injector(options, machine.platform()).getInstance(SmmurefServer.class);
            embedded.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            try {
                return run(scenario, embedded.host(), embedded.bridgePort(), Optional.empty(), out);
            } finally {
                embedded.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }

        private int run(Scenario scenario, String host, int port, Optional<String> token, PrintWriter out)
            throws Exception {
            Map<String, BridgeClient> clients = new HashMap<>();
            Map<String, Object> vars = scenario.initialVariables();
            int passed = 0;
            try {
                Connections connections = name -> {
                    BridgeClient c = clients.get(name);
                    if (c == null) {
                        c = new BridgeClient(host, port, token);
                        clients.put(name, c);
                    }
                    return c;
                };
                for (Scenario.Step step : scenario.steps()) {
                    JsonObject line = runStep(scenario, step, connections, vars);
                    out.println(line.encode());
                    out.flush();
                    if (!line.getBoolean("ok")) {
                        out.println(summary(scenario, passed, false).encode());
                        out.flush();
                        return 1;
                    }
                    passed++;
                }
            } finally {
                for (BridgeClient c : clients.values()) {
                    c.close();
                }
            }
            out.println(summary(scenario, passed, true).encode());
            out.flush();
            return 0;
        }

        private static JsonObject summary(Scenario scenario, int passed, boolean ok) {
            return new JsonObject().put("scenario", scenario.name()).put("steps", scenario.steps().size())
                .put("passed", passed).put("ok", ok);
        }

        /** The connection of each named client, opened on first use. */
        @FunctionalInterface
        interface Connections {
            BridgeClient get(String client) throws IOException;
        }

        private static JsonObject runStep(Scenario scenario, Scenario.Step step, Connections connections,
                                          Map<String, Object> vars) {
            JsonObject s = step.spec();
            JsonObject line = new JsonObject().put("step", step.index() + 1).put("name", step.label());
            if (!step.client().equals("main")) {
                line.put("client", step.client());
            }
            long t0 = System.nanoTime();
            if (step.isRepeat()) {
                return repeat(scenario, step, connections, vars, line, t0);
            }
            try {
                BridgeClient client = connections.get(step.client());
                if (s.containsKey("subscribe")) {
                    String address = String.valueOf(Scenario.substitute(s.getValue("subscribe"), vars));
                    line.put("subscribe", address);
                    client.register(address, step.timeoutMs());
                    return line.put("ok", true).put("ms", ms(t0));
                }
                if (s.containsKey("event")) {
                    String address = String.valueOf(Scenario.substitute(s.getValue("event"), vars));
                    line.put("event", address);
                    Optional<JsonObject> event = client.nextEvent(address, step.timeoutMs());
                    line.put("ms", ms(t0));
                    if (event.isEmpty()) {
                        return line.put("ok", false).put("why", "no event on " + address + " within "
                            + step.timeoutMs() + " ms");
                    }
                    line.put("reply", event.get());
                    return check(s, event.get(), line, vars);
                }
                String address = scenario.address(String.valueOf(Scenario.substitute(s.getValue("op"), vars)));
                line.put("op", address);
                Object body = Scenario.substitute(s.getValue("body", new JsonObject()), vars);
                BridgeClient.Answer answer = client.request(address, body, step.timeoutMs());
                line.put("ms", ms(t0));
                if (s.containsKey("errno")) {
                    if (answer.ok()) {
                        return line.put("ok", false).put("reply", answer.body()).put("why", "expected "
                            + s.getValue("errno") + ", the request succeeded");
                    }
                    line.put("errno", errnoName(answer)).put("message", answer.message());
                    if (!errnoMatches(s.getValue("errno"), answer)) {
                        return line.put("ok", false).put("why", "expected " + s.getValue("errno") + ", got "
                            + errnoName(answer) + " (" + answer.message() + ")");
                    }
                    if (s.getValue("message") instanceof String m && !answer.message().contains(m)) {
                        return line.put("ok", false).put("why", "the message does not contain '" + m + "'");
                    }
                    return line.put("ok", true);
                }
                if (!answer.ok()) {
                    return line.put("ok", false).put("errno", errnoName(answer)).put("message", answer.message())
                        .put("why", "the request failed: " + answer.message());
                }
                line.put("reply", answer.body());
                return check(s, answer.body(), line, vars);
            } catch (Scenario.BadScenario e) {
                return line.put("ok", false).put("why", e.getMessage());
            } catch (IOException e) {
                return line.put("ok", false).put("ms", ms(t0)).put("why", "bridge: " + e.getMessage());
            }
        }

        /**
         * A {@code repeat}: its steps {@code repeat} times (variable {@code i} = 0, 1, ...), or until the last inner
         * step's reply matches {@code until}; one line for the whole loop, with the failing inner step's line on a
         * mismatch. With {@code until}, reaching the count without a match is a mismatch.
         */
        private static JsonObject repeat(Scenario scenario, Scenario.Step step, Connections connections,
                                         Map<String, Object> vars, JsonObject line, long t0) {
            int count = step.spec().getInteger("repeat");
            Object until = step.spec().getValue("until");
            Object saved = vars.get("i");
            try {
                for (int i = 0; i < count; i++) {
                    vars.put("i", i);
                    JsonObject last = null;
                    for (Scenario.Step inner : step.inner()) {
                        last = runStep(scenario, inner, connections, vars);
                        if (!last.getBoolean("ok")) {
                            return line.put("ok", false).put("ms", ms(t0)).put("iterations", i + 1)
                                .put("failed", last).put("why", "iteration " + i + ": " + last.getString("why"));
                        }
                    }
                    if (until != null && last != null) {
                        Object reply = last.getValue("reply");
                        try {
                            if (Scenario.mismatch(Scenario.substitute(until, vars), reply, "").isEmpty()) {
                                return line.put("ok", true).put("ms", ms(t0)).put("iterations", i + 1);
                            }
                        } catch (Scenario.BadScenario e) {
                            return line.put("ok", false).put("why", e.getMessage());
                        }
                    }
                }
            } finally {
                if (saved == null) {
                    vars.remove("i");
                } else {
                    vars.put("i", saved);
                }
            }
            if (until != null) {
                return line.put("ok", false).put("ms", ms(t0)).put("iterations", count)
                    .put("why", "until " + until + " never matched in " + count + " iterations");
            }
            return line.put("ok", true).put("ms", ms(t0)).put("iterations", count);
        }

        private static JsonObject check(JsonObject s, Object reply, JsonObject line, Map<String, Object> vars)
            throws Scenario.BadScenario {
            if (s.containsKey("expect")) {
                Object expected = Scenario.substitute(s.getValue("expect"), vars);
                Optional<String> m = Scenario.mismatch(expected, reply, "");
                if (m.isPresent()) {
                    return line.put("ok", false).put("why", m.get());
                }
            }
            if (s.getValue("save") instanceof JsonObject save) {
                for (String var : save.fieldNames()) {
                    String path = save.getString(var);
                    Optional<Object> v = Scenario.at(reply, path);
                    if (v.isEmpty()) {
                        return line.put("ok", false).put("why", "save " + var + ": the reply has no '" + path + "'");
                    }
                    vars.put(var, v.get());
                }
            }
            return line.put("ok", true);
        }

        private static String errnoName(BridgeClient.Answer a) {
            String m = a.message();
            int colon = m.indexOf(':');
            if (colon > 1 && m.charAt(0) == 'E' && m.substring(0, colon).chars().allMatch(Character::isUpperCase)) {
                return m.substring(0, colon);
            }
            try {
                return Errno.of(a.failureCode()).name();
            } catch (RuntimeException e) {
                return a.failureType().isEmpty() ? String.valueOf(a.failureCode()) : a.failureType();
            }
        }

        private static boolean errnoMatches(Object expected, BridgeClient.Answer a) {
            if (expected instanceof Number n) {
                return n.intValue() == a.failureCode();
            }
            String want = String.valueOf(expected).toUpperCase(Locale.ROOT);
            return want.equals(errnoName(a)) || want.equals(a.failureType());
        }

        private static long ms(long t0) {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        }
    }
}
