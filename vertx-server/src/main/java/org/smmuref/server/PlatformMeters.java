package org.smmuref.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.platform.TlbStats;

/**
 * Meters read from the platform itself when {@code /metrics} is scraped: per IOMMU the TLB hits and misses
 * ({@code smmuref_tlb_hits_total}, {@code smmuref_tlb_misses_total}) and the hit rate since start
 * ({@code smmuref_tlb_hit_ratio}, NaN before the first lookup).
 */
public final class PlatformMeters {
    /** Registers the meters of every IOMMU of {@code platform} on {@code registry}. */
    @Inject
    public PlatformMeters(ModelPlatform platform, MeterRegistry registry) {
        int iommus = platform.describe().iommus().size();
        for (int i = 0; i < iommus; i++) {
            final int iommu = i;
            String tag = Integer.toString(i);
            FunctionCounter.builder("smmuref.tlb.hits", platform, p -> p.tlbStats(iommu).hits())
                .description("TLB lookups that hit").tag("iommu", tag).register(registry);
            FunctionCounter.builder("smmuref.tlb.misses", platform, p -> p.tlbStats(iommu).misses())
                .description("TLB lookups that missed (a walk followed)").tag("iommu", tag).register(registry);
            Gauge.builder("smmuref.tlb.hit.ratio", platform, p -> ratio(p.tlbStats(iommu)))
                .description("TLB hits / lookups since start").tag("iommu", tag).register(registry);
        }
    }

    private static double ratio(TlbStats s) {
        long lookups = s.hits() + s.misses();
        return lookups == 0 ? Double.NaN : (double) s.hits() / lookups;
    }
}
