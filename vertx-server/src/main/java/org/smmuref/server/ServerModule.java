package org.smmuref.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import java.util.Objects;

/** Guice bindings of the front end: its options, build information and verticles. */
public final class ServerModule extends AbstractModule {
    private final ServerOptions options;

    /** Creates the module for the given listen options. */
    public ServerModule(ServerOptions options) {
        this.options = Objects.requireNonNull(options);
    }

    @Override
    protected void configure() {
        bind(ServerOptions.class).toInstance(options);
        bind(HealthVerticle.class);
    }

    @Provides
    @Singleton
    BuildInfo buildInfo() {
        return BuildInfo.load();
    }
}
