package org.smmuref.iommufd.core;

/**
 * A fault queue (IOMMU_FAULT_QUEUE_ALLOC): an object HWPTs can name with FAULT_ID_VALID, and an fd. Its open fd
 * holds a user. Delivery of I/O page faults is not modelled, so reading it yields nothing.
 */
final class FaultQueue extends IommufdObject {
    int fd;

    FaultQueue() {
        super(ObjectType.FAULT);
    }

    @Override
    void release() {
        // Holds no references.
    }
}
