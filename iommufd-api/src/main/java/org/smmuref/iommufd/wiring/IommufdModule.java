package org.smmuref.iommufd.wiring;

import com.google.inject.AbstractModule;

/**
 * Guice bindings of the iommufd-api module.
 *
 * <p>The reference core binds here once it exists; the uAPI values need no wiring.
 */
public final class IommufdModule extends AbstractModule {
    @Override
    protected void configure() {
        // The iommufd core adds its bindings with the core issue.
    }
}
