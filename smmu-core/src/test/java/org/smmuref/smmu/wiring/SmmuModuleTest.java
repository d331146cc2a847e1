package org.smmuref.smmu.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.iommufd.wiring.IommufdModule;
import org.smmuref.kvm.Kvm;
import org.smmuref.smmu.driver.ArmSmmuV3;
import org.smmuref.smmu.platform.SmmuPlatform;

class SmmuModuleTest {
    @Test
    void theInjectorServesTheDefaultMachineThroughTheReferenceCore() {
        Injector injector = Guice.createInjector(new IommufdModule(), new SmmuModule());
        SmmuPlatform platform = injector.getInstance(SmmuPlatform.class);
        assertThat(injector.getInstance(IommufdPlatform.class)).isSameAs(platform);
        assertThat(injector.getInstance(Key.get(new TypeLiteral<Optional<Kvm>>() { }))).containsSame(
            platform.kvm().orElseThrow());
        assertThat(platform.iommu(0)).get().isInstanceOf(ArmSmmuV3.class);

        Iommufd iommufd = injector.getInstance(Iommufd.class);
        int ctx = iommufd.open();
        assertThat(iommufd.bindDevice(ctx, 0, 0x8)).isPositive();
        assertThat(platform.driver(0).vmids().btmEnabled()).as(platform.driver(0).vmids().btmDecision()).isTrue();
    }

    @Test
    void theModelPlatformServesTheSameMachineAndCoreUnderItsName() {
        Injector injector = Guice.createInjector(new IommufdModule(), new SmmuModule("node-2"));
        ModelPlatform model = injector.getInstance(ModelPlatform.class);
        assertThat(model.describe().name()).isEqualTo("node-2");
        assertThat(model.describe().iommus()).hasSize(1);
        int ctx = model.openContext(IommufdAbi.UPSTREAM);
        // the context is one of the service's: the service binds devices in it
        assertThat(injector.getInstance(Iommufd.class).bindDevice(ctx, 0, 0x9)).isPositive();
        assertThat(injector.getInstance(ModelPlatform.class)).isSameAs(model);
        // The server's --kernel: the core the platform opens contexts on carries it, and the description says it.
        assertThat(model.describe().kernel()).isEqualTo("v7.4");
        IommufdCore core = injector.getInstance(IommufdCore.class);
        core.setDefaultProfile(KernelProfile.V6_17);
        assertThat(model.describe().kernel()).isEqualTo("v6.17");
        assertThat(core.profile(model.openContext(IommufdAbi.UPSTREAM))).isEqualTo(KernelProfile.V6_17);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SmmuModule("Bad Name"))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
