package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest extends CliTestBase {
    @TempDir
    Path dir;

    @Test
    void serve_with_a_config_file_serves_that_platform_under_its_name() throws Exception {
        Path file = dir.resolve("two.yaml");
        Files.writeString(file, """
            name: two-smmus
            smmus:
              - devices: [1, 2, 3]
              - features: {btm: false}
                devices: [{streamId: 4, ats: true}]
            kvm: {cpus: 2}
            """);
        assertThat(run("serve", "--config", file.toString(), "--http-port", "0", "--bridge-port", "0",
            "--exit-after-start")).isZero();
        assertThat(out.toString()).contains("platform 'two-smmus' (2 SMMUs, 4 devices, KVM with 2 CPUs)",
            "addresses smmuref.two-smmus.*");
    }

    @Test
    void name_on_the_command_line_wins_over_the_file() throws Exception {
        Path file = dir.resolve("n.json");
        Files.writeString(file, "{\"name\": \"from-file\"}");
        assertThat(run("serve", "--config", file.toString(), "--name", "from-flag", "--http-port", "0",
            "--bridge-port", "0", "--exit-after-start")).isZero();
        assertThat(out.toString()).contains("platform 'from-flag'");
    }

    @Test
    void serve_cluster_joins_hazelcast_with_the_flags_and_reports_it() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        String name = "cli-" + java.util.UUID.randomUUID();
        assertThat(run("serve", "--name", "n1", "--cluster", "--cluster-port", Integer.toString(port),
            "--cluster-name", name, "--http-port", "0", "--bridge-port", "0", "--exit-after-start")).as(err.toString())
            .isZero();
        assertThat(out.toString()).contains("platform 'n1'", "cluster: '" + name + "' via Hazelcast on 127.0.0.1");
    }

    @Test
    void a_bad_config_is_a_usage_error_naming_file_and_key() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "smmus: [{features: {vmid16: yes-please}}]\n");
        assertThat(run("serve", "--config", file.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(file + ": smmus[0].features.vmid16: must be true or false");
    }

    @Test
    void a_bad_name_or_missing_token_file_is_a_usage_error() throws Exception {
        assertThat(run("serve", "--name", "No_Way")).isEqualTo(2);
        assertThat(err.toString()).contains("node name must match [a-z0-9-]+");
        assertThat(run("serve", "--token-file", dir.resolve("none").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("cannot read token file");
    }

    @Test
    void serve_runs_until_sigterm_and_then_stops_cleanly() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "letmein\n", StandardOpenOption.CREATE);
        try (ServeProcess serve = ServeProcess.start("--token-file", token.toString())) {
            HttpClient http = HttpClient.newHttpClient();
            URI health = URI.create("http://127.0.0.1:" + serve.httpPort() + "/health");
            assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(401);
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(health).header("smmuref-token", "letmein")
                .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"status\":\"UP\"");
            assertThat(serve.lines()).anyMatch(l -> l.contains("access token required"));
            int code = serve.terminate();
            // 143 = 128 + SIGTERM: the JVM ran its shutdown hooks (the server stopped) and exited on the signal.
            assertThat(code).isEqualTo(143);
        }
        assertThat(Files.readString(Path.of("target", "serve-process.log"))).contains("smmuref stopped");
    }
}
