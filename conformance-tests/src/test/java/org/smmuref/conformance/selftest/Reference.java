package org.smmuref.conformance.selftest;

import com.google.inject.Guice;
import org.smmuref.conformance.ConformanceTarget;
import org.smmuref.conformance.wiring.ConformanceModule;
import org.smmuref.iommufd.wiring.IommufdModule;
import org.smmuref.smmu.wiring.SmmuModule;

/** A fresh reference target: the embedded machine bound through Guice, as the launcher binds it. */
final class Reference {
    private Reference() {
    }

    static ConformanceTarget create() {
        return Guice.createInjector(new IommufdModule(), new SmmuModule(), new ConformanceModule())
            .getInstance(ConformanceTarget.class);
    }
}
