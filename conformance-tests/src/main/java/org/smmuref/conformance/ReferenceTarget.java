package org.smmuref.conformance;

import jakarta.inject.Inject;
import java.util.List;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.platform.PlatformDescription;

/**
 * smmuref's own implementation as a target: whatever {@link Iommufd} and {@link ModelPlatform} the injector binds
 * (the launcher binds the embedded machine). Its capabilities come from the first IOMMU's IDR words.
 */
public final class ReferenceTarget implements ConformanceTarget {
    private final Iommufd iommufd;
    private final ModelPlatform platform;
    private final Capabilities capabilities;

    /** A target over the bound service and platform. */
    @Inject
    public ReferenceTarget(Iommufd iommufd, ModelPlatform platform) {
        this.iommufd = iommufd;
        this.platform = platform;
        PlatformDescription.Iommu first = platform.describe().iommus().get(0);
        List<Integer> idr = first.idr();
        this.capabilities = Capabilities.fromIdr(idr, Capability.KVM, Capability.VEVENTQ, Capability.V1_ABI,
            Capability.HARDWARE);
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Iommufd iommufd() {
        return iommufd;
    }

    @Override
    public ModelPlatform platform() {
        return platform;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }
}
