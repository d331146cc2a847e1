package org.smmuref.iommufd.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.OptionalBinder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.core.SimplePlatform;
import org.smmuref.iommufd.core.SimulatedUserMemory;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.iommufd.uapi.Errno;

/** The module binds the reference core, over a default platform that another module may replace. */
class IommufdModuleTest {
    @Test
    void the_default_platform_has_no_iommus() {
        Injector injector = Guice.createInjector(new IommufdModule());
        Iommufd iommufd = injector.getInstance(Iommufd.class);
        assertThat(iommufd).isInstanceOf(IommufdCore.class).isSameAs(injector.getInstance(Iommufd.class));
        int ctx = iommufd.open();
        assertThat(iommufd.ioasAlloc(ctx, Requests.ioasAlloc(0)).outIoasId()).isEqualTo(1);
        try {
            iommufd.bindDevice(ctx, 0, 1);
        } catch (IommufdException e) {
            assertThat(e.errno()).isEqualTo(Errno.ENODEV);
            return;
        }
        throw new AssertionError("bind on a machine without IOMMUs must fail");
    }

    @Test
    void a_platform_module_replaces_the_default() {
        SimplePlatform platform = new SimplePlatform(List.of(), new SimulatedUserMemory(16384));
        Injector injector = Guice.createInjector(new IommufdModule(), new AbstractModule() {
            @Override
            protected void configure() {
                OptionalBinder.newOptionalBinder(binder(), IommufdPlatform.class).setBinding().toInstance(platform);
            }
        });
        assertThat(injector.getInstance(IommufdPlatform.class)).isSameAs(platform);
    }
}
