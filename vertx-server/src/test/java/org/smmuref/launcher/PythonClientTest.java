package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The non-JVM client ({@code clients/python}, Python 3 standard library only) runs the whole nested flow against a
 * real {@code smmuref serve} process over the TCP bridge. Skipped, saying so, where no {@code python3} is installed.
 */
class PythonClientTest {
    static final Path CLIENT = Path.of("..", "clients", "python");

    @TempDir
    Path dir;

    @BeforeAll
    static void python3_is_there() throws InterruptedException {
        boolean present;
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            present = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            present = false;
        }
        assumeTrue(present, "python3 is not installed: the Python client's nested flow is not run");
    }

    private static Result python(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", CLIENT.resolve("nested_flow.py").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the Python client did not finish within 60 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    record Result(int code, String output) {
    }

    @Test
    void the_python_client_runs_the_nested_flow_against_a_real_serve() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "py-token");
        try (ServeProcess serve = ServeProcess.start("--token-file", token.toString())) {
            Result ok = python("--port", Integer.toString(serve.bridgePort()), "--token-file", token.toString());
            assertThat(ok.code()).as(ok.output()).isZero();
            assertThat(ok.output()).contains("ok     the fault arrives on the vEVENTQ",
                "ok     with F_TRANSLATION, the vSID and the input address", "all checks held");

            // Negative control: without the token the bridge refuses the very first frame.
            Result refused = python("--port", Integer.toString(serve.bridgePort()));
            assertThat(refused.code()).isNotZero();
            assertThat(refused.output()).contains("EACCES");
        }
    }
}
