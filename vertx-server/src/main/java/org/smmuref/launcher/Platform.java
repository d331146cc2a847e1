package org.smmuref.launcher;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.util.Modules;
import org.smmuref.conformance.wiring.ConformanceModule;
import org.smmuref.iommufd.wiring.IommufdModule;
import org.smmuref.server.ServerModule;
import org.smmuref.server.inspector.StructureDecoder;
import org.smmuref.server.ServerOptions;
import org.smmuref.smmu.platform.PlatformConfig;
import org.smmuref.smmu.wiring.SmmuModule;

/** The composition root: assembles the top-level injector from every module's Guice module. */
public final class Platform {
    private Platform() {
    }

    /** The injector of the embedded default platform, serving with {@code options}. */
    public static Injector injector(ServerOptions options) {
        return injector(options, PlatformConfig.defaults());
    }

    /** The injector of the machine {@code machine}, serving with {@code options}; one injector per server. */
    public static Injector injector(ServerOptions options, PlatformConfig machine) {
        return Guice.createInjector(Stage.PRODUCTION,
            new IommufdModule(),
            Modules.override(new SmmuModule(options.node()))
                .with(binder -> binder.bind(PlatformConfig.class).toInstance(machine)),
            new ConformanceModule(),
            new ServerModule(options),
            binder -> OptionalBinder.newOptionalBinder(binder, StructureDecoder.class).setBinding()
                .to(SmmuStructureDecoder.class));
    }
}
