package org.smmuref.conformance.selftest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.smmuref.conformance.ConformanceTarget;
import org.smmuref.conformance.runner.ConformanceRunner;
import org.smmuref.conformance.runner.Outcome;
import org.smmuref.conformance.runner.Suites;

/**
 * The TCK's own proof that it can fail: every broken target fails exactly the requirements that name the rule it
 * breaks, with a readable message, and no other requirement.
 */
class BrokenTargetsTest {

    static Stream<Arguments> brokenTargets() {
        return Stream.of(
            Arguments.of("skips the TLBI before the sync", (Supplier<ConformanceTarget>) BrokenTargets::skipsTlbiBeforeSync,
                List.of("required_inv_0101_noStaleTranslationAfterTlbiNhVa",
                    "required_inv_0102_noStaleTranslationAfterTlbiNhAsid")),
            Arguments.of("forgets vSID in events", (Supplier<ConformanceTarget>) BrokenTargets::forgetsVsidInEvents,
                List.of("required_vevent_0101_eventCarriesTheVsid")),
            Arguments.of("drops events without LOST_EVENTS", (Supplier<ConformanceTarget>) BrokenTargets::dropsLostEvents,
                List.of("required_vevent_0103_overflowIsReportedAsLostEvents")),
            Arguments.of("mis-encodes out_ioas_id", (Supplier<ConformanceTarget>) BrokenTargets::misencodesOutIoasId,
                List.of("required_uapi_0201_ioasAllocWritesOutIoasIdAtOffset8")),
            Arguments.of("accepts vSTE.MEV", (Supplier<ConformanceTarget>) BrokenTargets::acceptsVsteMev,
                List.of("required_nest_0101_vsteBitOutsideAllowMaskIsEio")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenTargets")
    void a_broken_target_fails_exactly_the_requirement_naming_its_rule(String rule, Supplier<ConformanceTarget> target,
                                                                       List<String> expected) {
        List<Outcome> outcomes = ConformanceRunner.run(target, Suites.select(List.of()), null, null);
        assertThat(ConformanceRunner.failed(outcomes)).as(rule).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(outcomes).filteredOn(o -> o.result().equals("FAILED"))
            .allSatisfy(o -> assertThat(o.message()).as("a readable failure").contains("expected"));
        assertThat(outcomes).noneMatch(o -> o.result().equals("NOT_APPLICABLE"));
    }
}
