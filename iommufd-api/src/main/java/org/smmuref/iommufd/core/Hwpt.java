package org.smmuref.iommufd.core;

import org.smmuref.iommufd.spi.IommuDomain;

/** A hardware page table: a driver domain devices attach to, optionally reporting faults to a fault queue. */
abstract class Hwpt extends IommufdObject {
    FaultQueue fault;
    /** Allocated with IOMMU_HWPT_ALLOC_PASID: the kernel's {@code hwpt->pasid_compat}. */
    boolean pasidCompat;

    Hwpt(ObjectType type) {
        super(type);
    }

    /** The driver's domain, null while half built. */
    abstract IommuDomain domain();

    /** Drops the fault queue reference, if one was taken. */
    final void releaseFault() {
        if (fault != null) {
            fault.dropUser();
            fault = null;
        }
    }
}
