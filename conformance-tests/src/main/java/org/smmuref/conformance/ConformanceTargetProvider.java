package org.smmuref.conformance;

/**
 * How a vendor's target is found by name: list the implementation in
 * {@code META-INF/services/org.smmuref.conformance.ConformanceTargetProvider}, and {@code --target NAME} picks it.
 */
public interface ConformanceTargetProvider {
    /** The name {@code --target} matches. */
    String name();

    /** A fresh target (one per test). */
    ConformanceTarget create();
}
