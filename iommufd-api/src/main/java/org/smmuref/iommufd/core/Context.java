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
    /** The process that opened the context. */
    final UserMemory opener;
    /** The process making the current call when it is not the opener (IommufdCore.callAs), else null. */
    UserMemory caller;
    final IommufdAbi abi;
    /** The kernel release whose rules this context's ioctls follow. */
    final KernelProfile profile;
    final ObjectTable objects = new ObjectTable();
    /** The event fds (vEVENTQ, fault queue) this context handed out. */
    final TreeSet<Integer> eventFds = new TreeSet<>();
    /** RLIMIT_MODE: pinned pages accounted per mm (true) or per user (false, the default). */
    boolean accountPerMm;
    /** The IOAS the VFIO compatibility ioctls use (the kernel's {@code ictx->vfio_ioas}); see {@link VfioCompat}. */
    Ioas vfioIoas;
    /** The VM reference taken by associateKvm, dropped when the context closes. */
    Optional<KvmReference> kvm = Optional.empty();

    /**
     * The calling process ({@code current}): where the call's user pointers point and whose pages a new mapping
     * takes; the opener unless the call is made by another process holding the fd.
     */
    UserMemory memory() {
        return caller != null ? caller : opener;
    }

    Context(int fd, UserMemory memory, IommufdAbi abi, KernelProfile profile) {
        this.fd = fd;
        this.opener = memory;
        this.abi = abi;
        this.profile = profile;
    }
}
