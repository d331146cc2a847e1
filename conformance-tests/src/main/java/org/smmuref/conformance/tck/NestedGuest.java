package org.smmuref.conformance.tck;

import org.smmuref.iommufd.platform.Stage1Table;

/**
 * A guest behind a vIOMMU: device 0 bound, nest parent over the guest RAM IOAS, vIOMMU, vDEVICE with {@link #VSID},
 * vEVENTQ, and a nested HWPT whose vSTE (the TCK's own encoding) points at a CD with {@link #ASID} over a stage-1
 * table mapping {@link #DMA_VA} (two pages) to {@link #DATA_IPA}; the device is attached to it.
 */
public final class NestedGuest {
    /** The guest's virtual StreamID. */
    public static final long VSID = 0x42;
    /** The guest's ASID. */
    public static final int ASID = 5;
    /** The device's DMA address (guest stage-1 input). */
    public static final long DMA_VA = 0x1000_0000L;
    /** Where the CD lives. */
    public static final long CD_IPA = Vmm.GUEST_IPA;
    /** Where the guest's data pages are. */
    public static final long DATA_IPA = Vmm.GUEST_IPA + 0x10_0000;

    /** The VMM. */
    public final Vmm vmm;
    /** dev_id of device 0. */
    public final int dev;
    /** The vIOMMU. */
    public final int viommu;
    /** The vEVENTQ fd. */
    public final int eventFd;
    /** The nested HWPT. */
    public final int hwpt;
    /** The guest's stage-1 table. */
    public final Stage1Table table;

    /** Builds the setup with a vEVENTQ of {@code depth}. */
    public NestedGuest(Vmm vmm, int depth) {
        this(vmm, depth, null);
    }

    /** The same, with the context first associated with the KVM VM {@code vm} (null: none). */
    public NestedGuest(Vmm vmm, int depth, org.smmuref.iommufd.KvmVmFile vm) {
        this.vmm = vmm;
        if (vm != null) {
            vmm.iommufd.associateKvm(vmm.ctx, vm);
        }
        this.dev = vmm.bind(0);
        int parent = vmm.nestParent(dev);
        this.viommu = vmm.viommu(dev, parent);
        vmm.vdevice(viommu, dev, VSID);
        this.eventFd = vmm.veventq(viommu, depth);
        this.table = vmm.guestStage1(DMA_VA, DATA_IPA, 0x2000, CD_IPA, ASID);
        this.hwpt = vmm.nested(dev, viommu, Smmu.s1Vste(CD_IPA));
        vmm.iommufd.attachDevice(vmm.ctx, dev, hwpt);
    }

    /** Reads the vEVENTQ until empty. */
    public java.util.List<VEvent> events() {
        java.util.List<VEvent> all = new java.util.ArrayList<>();
        for (int round = 0; round < 64; round++) {
            byte[] raw = vmm.iommufd.read(eventFd, 4096);
            if (raw.length == 0) {
                break;
            }
            all.addAll(VEvent.parse(raw));
        }
        return all;
    }
}
