package org.smmuref.launcher;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.Stage;
import com.google.inject.util.Modules;
import org.smmuref.conformance.wiring.ConformanceModule;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.wiring.IommufdModule;
import org.smmuref.server.ServerModule;
import org.smmuref.server.ServerOptions;
import org.smmuref.smmu.platform.PlatformConfig;
import org.smmuref.smmu.platform.SmmuModelPlatform;
import org.smmuref.smmu.platform.SmmuPlatform;
import org.smmuref.smmu.wiring.SmmuModule;

/** The composition root: assembles the top-level injector from every module's Guice module. */
public final class Platform {
    private Platform() {
    }

    /** The machine to serve, and its name in the addresses and in {@code describe}. */
    private static final class Machine extends AbstractModule {
        private final PlatformConfig config;
        private final String name;

        Machine(PlatformConfig config, String name) {
            this.config = config;
            this.name = name;
        }

        @Override
        protected void configure() {
            bind(PlatformConfig.class).toInstance(config);
        }

        @Provides
        @Singleton
        ModelPlatform modelPlatform(SmmuPlatform platform, IommufdCore iommufd) {
            return new SmmuModelPlatform(platform, iommufd, name);
        }
    }

    /** The injector of the embedded default platform, serving with {@code options}. */
    public static Injector injector(ServerOptions options) {
        return injector(options, PlatformConfig.defaults());
    }

    /** The injector of the machine {@code machine}, serving with {@code options}; one injector per server. */
    public static Injector injector(ServerOptions options, PlatformConfig machine) {
        return Guice.createInjector(Stage.PRODUCTION,
            new IommufdModule(),
            Modules.override(new SmmuModule()).with(new Machine(machine, options.node())),
            new ConformanceModule(),
            new ServerModule(options));
    }
}
