package org.smmuref.smmu.wiring;

import com.google.inject.AbstractModule;

/**
 * Guice bindings of the kvm-vmid module.
 *
 * <p>kvm-vmid itself stays free of Guice, so its module lives beside its only consumer.
 */
public final class KvmModule extends AbstractModule {
    @Override
    protected void configure() {
        // The KVM model and VMID policies bind here with the kvm-vmid issue.
    }
}
