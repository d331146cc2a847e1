package org.smmuref.conformance.runner;

import java.util.List;

/**
 * One requirement's result.
 *
 * @param suite the suite's simple name
 * @param requirement the test method name ({@code required_area_NNNN_description})
 * @param result PASSED, FAILED or NOT_APPLICABLE
 * @param message the failure or skip message, empty when passed
 * @param evidence the published evidence lines (request, expected, actual)
 */
public record Outcome(String suite, String requirement, String result, String message, List<String> evidence) {
    /** Copies the list. */
    public Outcome {
        evidence = List.copyOf(evidence);
    }
}
