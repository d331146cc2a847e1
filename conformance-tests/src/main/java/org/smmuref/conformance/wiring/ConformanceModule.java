package org.smmuref.conformance.wiring;

import com.google.inject.AbstractModule;

/** Guice bindings of the conformance suite: which target the TCK runs against. */
public final class ConformanceModule extends AbstractModule {
    @Override
    protected void configure() {
        // The TCK binds its ConformanceTarget here with the conformance issue.
    }
}
