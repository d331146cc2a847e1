package org.smmuref.iommufd.spi;

import java.util.Optional;
import java.util.OptionalLong;
import org.smmuref.iommufd.uapi.KernelProfile;

/** What the iommufd core offers a driver's vIOMMU: the vDEVICE (vSID) table, event reporting and its KVM VM. */
public interface ViommuHost {
    /** The vIOMMU type the user asked for ({@code iommu_viommu_type}). */
    int type();

    /** The IOMMU instance the vIOMMU is a slice of. */
    IommuInstance instance();

    /** The virt_id (vSID for the ARM SMMUv3) of {@code device}'s vDEVICE on this vIOMMU, if it has one. */
    OptionalLong virtIdOf(IommuDevice device);

    /** The device whose vDEVICE on this vIOMMU has {@code virtId}, if any. */
    Optional<IommuDevice> deviceOf(long virtId);

    /**
     * Queues one event of {@code veventqType} on this vIOMMU's vEVENTQ of that type. EOPNOTSUPP (an
     * {@code IommufdException}) when there is no such queue; a full queue records the loss and is no error.
     */
    void reportEvent(int veventqType, byte[] data);

    /**
     * The context's reference on the KVM VM it is associated with, if any: a VMID policy that shares KVM's VMID
     * resolves it to the VM through the platform that issued it.
     */
    Optional<KvmReference> kvm();

    /** The kernel release the owning context behaves as (it picks the driver's contracts). */
    default KernelProfile profile() {
        return KernelProfile.latest();
    }
}
