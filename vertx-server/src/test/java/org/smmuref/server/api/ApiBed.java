package org.smmuref.server.api;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.util.Modules;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.wiring.IommufdModule;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.platform.PlatformConfig;
import org.smmuref.smmu.wiring.SmmuModule;

/**
 * A real local event bus with the API verticle deployed over the embedded default platform (built by the same Guice
 * modules as the launcher's), and helpers to wait for futures with a bound.
 */
final class ApiBed implements AutoCloseable {
    final Vertx vertx;
    final Injector injector;
    final ModelPlatform platform;
    final Iommufd iommufd;
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    final ApiVerticle verticle;

    ApiBed() {
        this(ApiOptions.defaults());
    }

    ApiBed(ApiOptions options) {
        this(options, PlatformConfig.defaults());
    }

    /** The API over the machine {@code config} describes. */
    ApiBed(ApiOptions options, PlatformConfig config) {
        injector = Guice.createInjector(new IommufdModule(), Modules.override(new SmmuModule()).with(
            binder -> binder.bind(PlatformConfig.class).toInstance(config)));
        platform = injector.getInstance(ModelPlatform.class);
        iommufd = injector.getInstance(Iommufd.class);
        vertx = Vertx.vertx();
        verticle = new ApiVerticle(platform, iommufd, options, metrics);
        await(vertx.deployVerticle(verticle));
    }

    /** The default machine with ATS: its SMMU implements ATS and the device at StreamID 0x8 can use it. */
    static PlatformConfig withAts() {
        PlatformConfig d = PlatformConfig.defaults();
        PlatformConfig.SmmuConfig smmu = PlatformConfig.SmmuConfig.of(SmmuFeatures.reference().ats(true).build(),
            new MasterSpec(0x8, true), new MasterSpec(0x9, false), new MasterSpec(0xa, false),
            new MasterSpec(0xb, false));
        return new PlatformConfig(d.ram(), List.of(smmu), d.kvm(), d.vmidPolicy());
    }

    /** A new client with its own random id. */
    SmmurefClient client() {
        return SmmurefClient.create(vertx.eventBus(), verticle.options().node());
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The failure of {@code f}, which must fail with a ReplyException. */
    static ReplyException failure(Future<?> f) {
        try {
            Object v = f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + v);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ReplyException re) {
                return re;
            }
            throw new AssertionError("expected a ReplyException", e.getCause());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer within the bound", e);
        }
    }

    @Override
    public void close() {
        await(vertx.close());
    }
}
