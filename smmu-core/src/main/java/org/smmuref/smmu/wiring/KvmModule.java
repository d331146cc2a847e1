package org.smmuref.smmu.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import java.util.Optional;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.platform.SmmuPlatform;

/**
 * Guice bindings of the kvm-vmid module: the platform's KVM host (when it has one) and its VMID policy choice.
 *
 * <p>kvm-vmid itself stays free of Guice, so its module lives beside its only consumer. The KVM host is the one the
 * platform built, so that the SMMU drivers' VMID policies and every other user see the same VMs.
 */
public final class KvmModule extends AbstractModule {
    @Provides
    @Singleton
    Optional<Kvm> kvm(SmmuPlatform platform) {
        return platform.kvm();
    }

    @Provides
    @Singleton
    VmidPolicyConfig vmidPolicyConfig(SmmuPlatform platform) {
        return platform.config().vmidPolicy();
    }
}
