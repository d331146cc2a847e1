package org.smmuref.server;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Objects;
import org.smmuref.server.api.ApiOptions;
import org.smmuref.server.api.ApiVerticle;
import org.smmuref.server.inspector.StructureDecoder;

/**
 * Guice bindings of the front end: its options, build information, the server's own Prometheus registry (Vert.x's
 * metrics, the API's meters and the platform's TLB meters all go there; one per server, so that several servers in
 * one JVM never mix) and the verticles. The platform itself ({@code ModelPlatform}, {@code Iommufd}) comes from the
 * platform modules the composition root installs beside this one.
 */
public final class ServerModule extends AbstractModule {
    /** The request timer whose latency histogram {@code /metrics} publishes. */
    static final String REQUEST_TIMER = "smmuref.requests";

    private final ServerOptions options;

    /** Creates the module for the given options. */
    public ServerModule(ServerOptions options) {
        this.options = Objects.requireNonNull(options);
    }

    @Override
    protected void configure() {
        bind(ServerOptions.class).toInstance(options);
        bind(HttpVerticle.class).in(Singleton.class);
        bind(BridgeVerticle.class).in(Singleton.class);
        bind(SmmurefServer.class).in(Singleton.class);
        bind(ApiVerticle.class).in(Singleton.class);
        bind(PlatformMeters.class).asEagerSingleton();
        // The composition root binds the decoder (smmu-core is out of this layer's reach); without it the
        // inspector shows raw STE dwords.
        OptionalBinder.newOptionalBinder(binder(), StructureDecoder.class);
    }

    @Provides
    @Singleton
    BuildInfo buildInfo() {
        return BuildInfo.load();
    }

    @Provides
    @Singleton
    PrometheusMeterRegistry prometheusRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", options.node()).meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().equals(REQUEST_TIMER)) {
                    // Latency histograms per operation: buckets Prometheus can aggregate across nodes.
                    return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
                }
                return config;
            }
        });
        return registry;
    }

    @Provides
    @Singleton
    MeterRegistry meterRegistry(PrometheusMeterRegistry registry) {
        return registry;
    }

    @Provides
    @Singleton
    ApiOptions apiOptions() {
        // A request body can be as large as a bridge frame, no larger.
        return ApiOptions.defaults().withNode(options.node()).withMaxBodyBytes(options.maxFrameBytes());
    }

    @Provides
    @Singleton
    ApiVerticles apiVerticles(ApiVerticle api) {
        return new ApiVerticles(List.of(api));
    }
}
