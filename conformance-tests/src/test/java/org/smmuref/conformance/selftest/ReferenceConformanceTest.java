package org.smmuref.conformance.selftest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smmuref.conformance.runner.ConformanceRunner;
import org.smmuref.conformance.runner.Outcome;
import org.smmuref.conformance.runner.Suites;

/** The reference target passes every requirement of every suite, and the reports are written. */
class ReferenceConformanceTest {
    @Test
    void the_reference_passes_every_requirement(@TempDir Path dir) throws Exception {
        StringWriter progress = new StringWriter();
        List<Outcome> outcomes = ConformanceRunner.run(Reference::create, Suites.select(List.of()), dir,
            new PrintWriter(progress, true));
        assertThat(outcomes).allSatisfy(o -> assertThat(o.result()).as("%s: %s", o.requirement(), o.message())
            .isEqualTo("PASSED"));
        assertThat(outcomes).as("every requirement of every suite ran").hasSize(29);
        assertThat(outcomes).extracting(Outcome::requirement).contains("required_vmid_0201_broadcastTlbiReachesTheSmmu",
            "required_nest_0302_stage2FaultCarriesS2ClassAndIpa");
        assertThat(outcomes).allSatisfy(o -> assertThat(o.evidence()).as(o.requirement()).isNotEmpty());
        assertThat(progress.toString()).contains("UapiVerification", "VeventqVerification");
        assertThat(Files.readString(dir.resolve("conformance.html")))
            .contains("required_inv_0101_noStaleTranslationAfterTlbiNhVa", "expected:");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                .anyMatch(n -> n.startsWith("TEST-") && n.endsWith(".xml"));
        }
    }
}
