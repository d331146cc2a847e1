package org.smmuref.conformance.runner;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;
import org.smmuref.conformance.ConformanceTarget;
import org.smmuref.conformance.Targets;
import org.smmuref.conformance.tck.Verification;

/**
 * Runs suites against a target on the JUnit Platform launcher: a progress line per suite, JUnit XML (the launcher's
 * legacy XML reporter) and a one-page HTML report when a report directory is given.
 */
public final class ConformanceRunner {
    private ConformanceRunner() {
    }

    /** Runs {@code suites} against fresh targets from {@code factory}; returns every requirement's outcome. */
    public static List<Outcome> run(Supplier<? extends ConformanceTarget> factory, List<Class<?>> suites,
                                    Path reportDir, PrintWriter progress) {
        String key = "run-" + System.nanoTime();
        Targets.register(key, factory);
        try {
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(suites.stream().map(c -> selectClass(c)).toList())
                .configurationParameter(Verification.TARGET_PARAMETER, key)
                .build();
            Collector collector = new Collector(progress);
            List<TestExecutionListener> listeners = new ArrayList<>(List.of(collector));
            if (reportDir != null) {
                Files.createDirectories(reportDir);
                listeners.add(new LegacyXmlReportGeneratingListener(reportDir, progress == null
                    ? new PrintWriter(PrintWriter.nullWriter()) : progress));
            }
            Launcher launcher = LauncherFactory.create();
            launcher.execute(request, listeners.toArray(new TestExecutionListener[0]));
            List<Outcome> outcomes = collector.outcomes();
            if (reportDir != null) {
                HtmlReport.write(reportDir.resolve("conformance.html"), outcomes);
            }
            return outcomes;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            Targets.unregister(key);
        }
    }

    /** Collects outcomes and evidence, and prints a line per finished suite. */
    private static final class Collector implements TestExecutionListener {
        private final PrintWriter progress;
        private final Map<String, List<String>> evidence = new ConcurrentHashMap<>();
        private final List<Outcome> outcomes = new ArrayList<>();
        private final Map<String, int[]> perSuite = new ConcurrentHashMap<>();

        Collector(PrintWriter progress) {
            this.progress = progress;
        }

        @Override
        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
            evidence.computeIfAbsent(id.getUniqueId(), k -> new ArrayList<>()).addAll(entry.getKeyValuePairs().values());
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest()) {
                record(id, "NOT_APPLICABLE", reason);
            }
        }

        @Override
        public synchronized void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
                switch (result.getStatus()) {
                    case SUCCESSFUL -> record(id, "PASSED", "");
                    case ABORTED -> record(id, "NOT_APPLICABLE", message(result));
                    case FAILED -> record(id, "FAILED", message(result));
                    default -> throw new IllegalStateException(result.toString());
                }
            } else if (id.getSource().filter(s -> s instanceof org.junit.platform.engine.support.descriptor.ClassSource)
                .isPresent()) {
                String suite = suiteOf(id);
                if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                    outcomes.add(new Outcome(suite, "(suite setup)", "FAILED", message(result), List.of()));
                }
                int[] c = perSuite.getOrDefault(suite, new int[3]);
                if (progress != null) {
                    progress.printf("%-28s %3d passed, %3d failed, %3d not applicable%n", suite, c[0], c[1], c[2]);
                    progress.flush();
                }
            }
        }

        private static String message(TestExecutionResult r) {
            return r.getThrowable().map(t -> t.getClass().getSimpleName() + ": " + t.getMessage()).orElse("");
        }

        private synchronized void record(TestIdentifier id, String result, String message) {
            String suite = suiteOf(id);
            String name = id.getSource().filter(s -> s instanceof MethodSource)
                .map(s -> ((MethodSource) s).getMethodName()).orElse(id.getDisplayName());
            outcomes.add(new Outcome(suite, name, result, message,
                evidence.getOrDefault(id.getUniqueId(), List.of())));
            int[] c = perSuite.computeIfAbsent(suite, k -> new int[3]);
            c[result.equals("PASSED") ? 0 : result.equals("FAILED") ? 1 : 2]++;
        }

        private static String suiteOf(TestIdentifier id) {
            return id.getSource().map(s -> s instanceof MethodSource m ? simple(m.getClassName())
                : s instanceof org.junit.platform.engine.support.descriptor.ClassSource c ? simple(c.getClassName())
                : "?").orElse("?");
        }

        private static String simple(String cls) {
            return cls.substring(cls.lastIndexOf('.') + 1);
        }

        synchronized List<Outcome> outcomes() {
            return List.copyOf(outcomes);
        }
    }

    /** Whether any requirement failed. */
    public static boolean anyFailed(List<Outcome> outcomes) {
        return outcomes.stream().anyMatch(o -> o.result().equals("FAILED"));
    }

    /** The requirement names that failed. */
    public static List<String> failed(List<Outcome> outcomes) {
        return outcomes.stream().filter(o -> o.result().equals("FAILED")).map(Outcome::requirement).toList();
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
