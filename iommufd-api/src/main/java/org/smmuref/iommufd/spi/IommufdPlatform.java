package org.smmuref.iommufd.spi;

import java.util.Optional;
import org.smmuref.iommufd.KvmVmFile;

/**
 * What the iommufd core needs from the machine it runs on: its IOMMU instances, the VMM process's memory, and the
 * KVM VM files it issued.
 */
public interface IommufdPlatform {
    /** The IOMMU instance with this number, if the machine has it. */
    Optional<IommuInstance> iommu(int id);

    /** The memory of the process that opens {@code /dev/iommu} (user pointers of every context resolve here). */
    UserMemory processMemory();

    /**
     * Takes a reference on the VM behind {@code file} ({@code fdget} then {@code kvm_get_kvm}): empty, taking
     * nothing, when the machine did not issue this file (a forged or foreign one) or it is closed; the core answers
     * EBADF then.
     */
    Optional<KvmReference> getKvm(KvmVmFile file);
}
