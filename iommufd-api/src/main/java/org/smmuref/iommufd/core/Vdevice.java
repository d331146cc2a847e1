package org.smmuref.iommufd.core;

/** A device as seen by a vIOMMU's guest: its {@code virt_id} (the vSID). Holds a user on the vIOMMU. */
final class Vdevice extends IommufdObject {
    final Viommu viommu;
    final BoundDevice device;
    final long virtId;
    private boolean linked;
    private boolean driverInitialised;

    Vdevice(Viommu viommu, BoundDevice device, long virtId) {
        super(ObjectType.VDEVICE);
        this.viommu = viommu;
        this.device = device;
        this.virtId = virtId;
        viommu.addUser();
    }

    /** Enters the vIOMMU's virt_id table and the device, then tells the driver. */
    void link() {
        viommu.vdevs.put(virtId, this);
        device.vdevice = this;
        linked = true;
        viommu.driver.vdeviceInit(device.device, virtId);
        driverInitialised = true;
    }

    @Override
    void release() {
        if (driverInitialised) {
            viommu.driver.vdeviceDestroy(device.device, virtId);
            driverInitialised = false;
        }
        if (linked) {
            viommu.vdevs.remove(virtId);
            device.vdevice = null;
            linked = false;
        }
        viommu.dropUser();
    }
}
