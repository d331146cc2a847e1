package org.smmuref.iommufd.spi;

import java.util.Optional;

/** What the iommufd core needs from the machine it runs on: its IOMMU instances and the VMM process's memory. */
public interface IommufdPlatform {
    /** The IOMMU instance with this number, if the machine has it. */
    Optional<IommuInstance> iommu(int id);

    /** The memory of the process that opens {@code /dev/iommu} (user pointers of every context resolve here). */
    UserMemory processMemory();
}
