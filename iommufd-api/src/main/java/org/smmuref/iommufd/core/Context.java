package org.smmuref.iommufd.core;

import java.util.Optional;
import java.util.TreeSet;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.spi.KvmReference;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.KernelProfile;

/**
 * One open {@code /dev/iommu}: its object table, the process memory its pointers refer to, the uAPI generation and
 * the kernel release it was opened for, and its options.
 */
final class Context {
    final int fd;
    final UserMemory memory;
    final IommufdAbi abi;
    /** The kernel release whose rules this context's ioctls follow. */
    final KernelProfile profile;
    final ObjectTable objects = new ObjectTable();
    /** The event fds (vEVENTQ, fault queue) this context handed out. */
    final TreeSet<Integer> eventFds = new TreeSet<>();
    /** RLIMIT_MODE: pinned pages accounted per mm (true) or per user (false, the default). */
    boolean accountPerMm;
    /** The VM reference taken by associateKvm, dropped when the context closes. */
    Optional<KvmReference> kvm = Optional.empty();

    Context(int fd, UserMemory memory, IommufdAbi abi, KernelProfile profile) {
        this.fd = fd;
        this.memory = memory;
        this.abi = abi;
        this.profile = profile;
    }
}
