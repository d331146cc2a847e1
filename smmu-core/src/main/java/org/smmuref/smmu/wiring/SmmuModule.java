package org.smmuref.smmu.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.OptionalBinder;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.platform.PlatformConfig;
import org.smmuref.smmu.platform.SmmuModelPlatform;
import org.smmuref.smmu.platform.SmmuPlatform;

/**
 * Guice bindings of the smmu-core module: the embedded default machine ({@link PlatformConfig#defaults()}: RAM, a
 * reference SMMUv3 with its driver, a KVM host) as the iommufd core's platform.
 *
 * <p>The public {@link ModelPlatform} (processes, guest RAM, DMA, the hardware view) is bound over the same machine.
 *
 * <p>A deployment with another machine binds its own {@link PlatformConfig} with {@code Modules.override}.
 */
public final class SmmuModule extends AbstractModule {
    /** Base of the default platform's RAM, where the Arm virt machine puts it. */
    public static final long DEFAULT_RAM_BASE = PlatformConfig.DEFAULT_RAM_BASE;
    /** Size of the default platform's RAM. */
    public static final long DEFAULT_RAM_SIZE = PlatformConfig.DEFAULT_RAM_SIZE;
    /** The name of the embedded default platform (what its event-bus addresses carry). */
    public static final String DEFAULT_PLATFORM_NAME = "local";

    private final String platformName;

    /** The module of the embedded default platform, named {@value #DEFAULT_PLATFORM_NAME}. */
    public SmmuModule() {
        this(DEFAULT_PLATFORM_NAME);
    }

    /** The module of a platform named {@code platformName} ({@code [a-z0-9-]+}, what its addresses carry). */
    public SmmuModule(String platformName) {
        if (platformName == null || !platformName.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("a platform name is [a-z0-9-]+, was '" + platformName + "'");
        }
        this.platformName = platformName;
    }

    @Override
    protected void configure() {
        install(new KvmModule());
        OptionalBinder.newOptionalBinder(binder(), IommufdPlatform.class).setBinding().to(SmmuPlatform.class);
    }

    @Provides
    @Singleton
    PlatformConfig platformConfig() {
        return PlatformConfig.defaults();
    }

    @Provides
    @Singleton
    SmmuPlatform platform(PlatformConfig config) {
        return new SmmuPlatform(config);
    }

    /** The public platform operations over the same machine and the same iommufd core as the service's. */
    @Provides
    @Singleton
    ModelPlatform modelPlatform(SmmuPlatform platform, IommufdCore iommufd) {
        return new SmmuModelPlatform(platform, iommufd, platformName);
    }

    @Provides
    @Singleton
    PhysicalMemory physicalMemory(SmmuPlatform platform) {
        return platform.memory();
    }
}
