package org.smmuref.conformance.wiring;

import com.google.inject.AbstractModule;
import org.smmuref.conformance.ConformanceTarget;
import org.smmuref.conformance.ReferenceTarget;

/**
 * Guice bindings of the conformance suite: the reference target over whatever {@code Iommufd} and
 * {@code ModelPlatform} the composition root binds (the launcher installs the smmu-core modules with it).
 */
public final class ConformanceModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(ConformanceTarget.class).to(ReferenceTarget.class);
    }
}
