package org.smmuref.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.server.Addresses;
import org.smmuref.server.ClusterOptions;
import org.smmuref.server.ServerOptions;
import org.smmuref.server.SmmurefServer;
import org.smmuref.smmu.platform.PlatformConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code smmuref serve}: runs the event-bus server, its TCP bridge and HTTP endpoints until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {
        "Run the smmuref server until Ctrl-C or SIGTERM: the platform's operations on the Vert.x event bus, the TCP "
            + "event-bus bridge for clients in any language, and HTTP /health and /metrics (Prometheus).",
        "Without --config it serves the embedded default platform 'local' (1 GiB RAM; one SMMUv3 with S1P, S2P, BTM, "
            + "VMID16, 2-level stream tables, RIL and ATS; eight devices at StreamIDs 0x8..0xf; a 4-CPU KVM).",
        "Everything listens on 127.0.0.1 unless --host says otherwise. Command-line flags win over the config file."})
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
        description = "A YAML or JSON file describing the platform (and optionally server and cluster settings); "
            + "see docs/serving.md.")
    Path config;

    @Option(names = "--name", paramLabel = "NODE",
        description = "The platform's name in every address (default: the file's name, else 'local').")
    String name;

    @Option(names = "--host", description = "Interface to listen on (default: 127.0.0.1).")
    String host;

    @Option(names = "--http-port", description = "HTTP port for /health and /metrics; 0 picks a free port "
        + "(default: 8090).")
    Integer httpPort;

    @Option(names = "--bridge-port", description = "TCP event-bus bridge port; 0 picks a free port (default: 7000).")
    Integer bridgePort;

    @Option(names = "--max-frame-bytes", description = "Largest bridge frame accepted (default: 1048576).")
    Integer maxFrameBytes;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "A file whose content (trimmed) every HTTP request and bridge frame must present as the "
            + "smmuref-token header.")
    Path tokenFile;

    @Option(names = "--cluster", description = "Join a Vert.x cluster (Hazelcast, TCP/IP join, multicast off).")
    boolean cluster;

    @Option(names = "--cluster-host", description = "Interface for Hazelcast and the clustered event bus "
        + "(default: the --host).")
    String clusterHost;

    @Option(names = "--cluster-port", description = "Hazelcast port (default: 5701, the next free one upwards).")
    Integer clusterPort;

    @Option(names = "--cluster-member", paramLabel = "HOST[:PORT]",
        description = "Another member to join (repeatable).")
    List<String> clusterMembers = new ArrayList<>();

    @Option(names = "--cluster-name", description = "Only members with the same cluster name join "
        + "(default: smmuref).")
    String clusterName;

    @Option(names = "--kernel", paramLabel = "V",
        description = "The kernel release every context behaves as unless opened for another (default: the newest, "
            + "v7.4; see `smmuref uapi diff`).")
    private String kernel;

    @Option(names = "--exit-after-start", hidden = true,
        description = "Start, report, then stop at once (used by tests).")
    boolean exitAfterStart;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ConfigFile file;
        ServerOptions options;
        try {
            file = config == null ? ConfigFile.defaults() : ConfigFile.load(config);
            options = options(file);
        } catch (ConfigFile.ConfigException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        KernelProfile profile;
        try {
            profile = kernel == null ? KernelProfile.latest() : KernelProfile.parse(kernel);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        com.google.inject.Injector injector = Platform.injector(options, file.platform());
        injector.getInstance(IommufdCore.class).setDefaultProfile(profile);
        SmmurefServer server = injector.getInstance(SmmurefServer.class);
        try {
            server.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            spec.commandLine().getErr().println("smmuref: the server did not start: " + e.getCause().getMessage());
            return 1;
        }
        printBanner(out, server, options, file.platform());
        out.printf("  kernel: %s (every context unless opened for another)%n", profile);
        out.flush();

        if (exitAfterStart) {
            stopServer(server);
            return 0;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopServer(server);
            stopped.countDown();
        }, "smmuref-shutdown"));
        stopped.await();
        return 0;
    }

    private ServerOptions options(ConfigFile file) throws ConfigFile.ConfigException {
        ConfigFile.Server s = file.server();
        ConfigFile.Cluster c = file.cluster();
        String h = host != null ? host : s.host().orElse(ServerOptions.DEFAULT_HOST);
        Optional<Path> tokenPath = tokenFile != null ? Optional.of(tokenFile) : s.tokenFile();
        Optional<String> token = tokenPath.isPresent() ? Optional.of(readToken(tokenPath.get())) : Optional.empty();
        boolean clustered = cluster || c.enabled();
        List<String> members = clusterMembers.isEmpty() ? c.members() : clusterMembers;
        ClusterOptions clusterOptions = clustered
            ? new ClusterOptions(true, clusterHost != null ? clusterHost : c.host().orElse(h),
                clusterPort != null ? clusterPort : c.port().orElse(0), members,
                clusterName != null ? clusterName : c.clusterName().orElse("smmuref"))
            : ClusterOptions.DISABLED;
        return new ServerOptions(name != null ? name : file.name().orElse(ServerOptions.DEFAULT_NODE), h,
            httpPort != null ? httpPort : s.httpPort().orElse(ServerOptions.DEFAULT_HTTP_PORT),
            bridgePort != null ? bridgePort : s.bridgePort().orElse(ServerOptions.DEFAULT_BRIDGE_PORT),
            maxFrameBytes != null ? maxFrameBytes : s.maxFrameBytes().orElse(ServerOptions.DEFAULT_MAX_FRAME_BYTES),
            token, clusterOptions);
    }

    private static String readToken(Path path) throws ConfigFile.ConfigException {
        try {
            String t = Files.readString(path, StandardCharsets.UTF_8).strip();
            if (t.isEmpty()) {
                throw new ConfigFile.ConfigException("token file " + path + " is empty");
            }
            return t;
        } catch (IOException e) {
            throw new ConfigFile.ConfigException("cannot read token file " + path + ": " + e);
        }
    }

    private static void printBanner(PrintWriter out, SmmurefServer server, ServerOptions options,
                                    PlatformConfig machine) {
        out.printf("smmuref serving platform '%s' (%d SMMU%s, %d device%s, %s)%n", options.node(),
            machine.smmus().size(), machine.smmus().size() == 1 ? "" : "s",
            machine.smmus().stream().mapToInt(s -> s.devices().size()).sum(),
            machine.smmus().stream().mapToInt(s -> s.devices().size()).sum() == 1 ? "" : "s",
            machine.kvm().map(k -> "KVM with " + k.nrCpus() + " CPUs").orElse("no KVM"));
        out.printf("  bridge: tcp://%s:%d (4-byte big-endian length + UTF-8 JSON frames; addresses smmuref.%s.*)%n",
            server.host(), server.bridgePort(), options.node());
        out.printf("  health: http://%s:%d/health and event-bus address %s%n", server.host(), server.httpPort(),
            Addresses.HEALTH);
        out.printf("  metrics: http://%s:%d/metrics%n", server.host(), server.httpPort());
        // Never print the token itself: the banner may end up in a shared log.
        out.printf("  inspector: http://%s:%d/inspector/%s (read-only page)%n", server.host(), server.httpPort(),
            options.token().isPresent() ? "?token=<the token>" : "");
        if (options.token().isPresent()) {
            out.printf("  access token required (header smmuref-token)%n");
        }
        if (options.cluster().enabled()) {
            out.printf("  cluster: '%s' via Hazelcast on %s, members %s%n", options.cluster().clusterName(),
                options.cluster().host(), options.cluster().members());
        }
        out.flush();
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
