package org.smmuref.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code smmuref serve} in a child JVM (the test class path, the launcher's JVM flags), on free ports; the
 * test reads the addresses it prints and stops it with SIGTERM.
 */
final class ServeProcess implements AutoCloseable {
    private static final Pattern BRIDGE = Pattern.compile("bridge: tcp://([0-9.]+):(\\d+)");
    private static final Pattern HTTP = Pattern.compile("health: http://([0-9.]+):(\\d+)/health");

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final int bridgePort;
    private final int httpPort;

    private ServeProcess(Process process) throws IOException, InterruptedException {
        this.process = process;
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8));
        int bridge = -1;
        int http = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while ((bridge < 0 || http < 0) && System.nanoTime() < deadline && (line = out.readLine()) != null) {
            lines.add(line);
            Matcher b = BRIDGE.matcher(line);
            if (b.find()) {
                bridge = Integer.parseInt(b.group(2));
            }
            Matcher h = HTTP.matcher(line);
            if (h.find()) {
                http = Integer.parseInt(h.group(2));
            }
        }
        if (bridge < 0 || http < 0) {
            process.destroyForcibly();
            throw new IllegalStateException("serve did not print its addresses; output: " + lines);
        }
        this.bridgePort = bridge;
        this.httpPort = http;
        Thread drain = new Thread(() -> {
            try {
                String l;
                while ((l = out.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "serve-stdout");
        drain.setDaemon(true);
        drain.start();
    }

    /** Starts {@code smmuref serve --http-port 0 --bridge-port 0 <args>}. */
    static ServeProcess start(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(List.of("org.smmuref.launcher.Main", "serve", "--http-port", "0", "--bridge-port", "0"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(
            Path.of("target", "serve-process.log").toFile()));
        return new ServeProcess(pb.start());
    }

    /** {@code java} with the launcher's flags and this test's class path. */
    static List<String> javaCommand() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "-Xshare:off", "-cp", System.getProperty("java.class.path"));
    }

    int bridgePort() {
        return bridgePort;
    }

    int httpPort() {
        return httpPort;
    }

    List<String> lines() {
        return lines;
    }

    /** Sends SIGTERM and waits; returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("serve did not stop within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            terminate();
        }
    }
}
