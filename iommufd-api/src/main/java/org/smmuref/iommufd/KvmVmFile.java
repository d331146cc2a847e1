package org.smmuref.iommufd;

/**
 * An open KVM VM file as its VMM holds it (the fd {@code KVM_CREATE_VM} returned): the capability that ties an
 * iommufd context to its VM through {@link Iommufd#associateKvm(int, KvmVmFile)}.
 *
 * <p>Holding the object is the proof of ownership, as holding the fd is in the kernel: only the machine that runs the
 * VM mints one (for example {@code SmmuPlatform.createVm()}), a VM number never turns into a file, and an
 * implementation of this interface that the machine did not issue is refused with EBADF like an fd of another
 * process.
 *
 * <p>{@link #close()} closes the file (the VM's creator reference, as closing the fd does); closing again has no
 * effect. A context already associated with the VM keeps its own VM reference until the context closes.
 */
public interface KvmVmFile extends AutoCloseable {
    /** The VM's number on its host, for names and logs only: it grants nothing. */
    int vmNumber();

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /** Closes the VM file; a second call does nothing. */
    @Override
    void close();
}
