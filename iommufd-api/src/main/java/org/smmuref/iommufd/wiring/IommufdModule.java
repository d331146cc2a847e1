package org.smmuref.iommufd.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Singleton;
import com.google.inject.multibindings.OptionalBinder;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.core.SimplePlatform;
import org.smmuref.iommufd.spi.IommufdPlatform;

/**
 * Guice bindings of the iommufd-api module: the reference core as the {@link Iommufd} service.
 *
 * <p>The platform (IOMMU instances and process memory) is an optional binding defaulting to a machine without
 * IOMMUs; the hardware model's module sets the real one with
 * {@code OptionalBinder.newOptionalBinder(binder(), IommufdPlatform.class).setBinding()...}.
 */
public final class IommufdModule extends AbstractModule {
    @Override
    protected void configure() {
        OptionalBinder.newOptionalBinder(binder(), IommufdPlatform.class)
            .setDefault().toProvider(SimplePlatform::empty).in(Singleton.class);
        bind(Iommufd.class).to(IommufdCore.class);
    }
}
