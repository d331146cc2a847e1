package org.smmuref.iommufd.core;

import org.smmuref.iommufd.spi.IommuDevice;

/**
 * A device bound to a context (its {@code dev_id}). The bind itself holds one user, so IOMMU_DESTROY of a device
 * is EBUSY: only unbinding removes it.
 */
final class BoundDevice extends IommufdObject {
    final IommuDevice device;
    /** The HWPT the device is attached to, or null when its DMA is blocked. */
    Hwpt attached;
    /** The HWPT attached at each PASID (never IOMMU_NO_PASID 0): the kernel's {@code igroup->pasid_attach}. */
    final java.util.TreeMap<Integer, Hwpt> pasids = new java.util.TreeMap<>();
    /** The device's vDEVICE, on whichever vIOMMU, or null. */
    Vdevice vdevice;

    BoundDevice(IommuDevice device) {
        super(ObjectType.DEVICE);
        this.device = device;
        addUser();
    }

    @Override
    void release() {
        // Unbinding detaches and drops the vDEVICE before the object goes.
    }
}
