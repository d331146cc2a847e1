package org.smmuref.smmu.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import org.smmuref.smmu.hw.PhysicalMemory;

/** Guice bindings of the smmu-core module: the embedded default platform's memory and SMMU model. */
public final class SmmuModule extends AbstractModule {
    /** Base of the default platform's RAM, where the Arm virt machine puts it. */
    public static final long DEFAULT_RAM_BASE = 0x4000_0000L;
    /** Size of the default platform's RAM. */
    public static final long DEFAULT_RAM_SIZE = 1L << 30;

    @Override
    protected void configure() {
        install(new KvmModule());
    }

    @Provides
    @Singleton
    PhysicalMemory physicalMemory() {
        return new PhysicalMemory().addRam(DEFAULT_RAM_BASE, DEFAULT_RAM_SIZE);
    }
}
