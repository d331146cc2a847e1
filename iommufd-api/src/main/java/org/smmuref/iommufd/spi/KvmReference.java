package org.smmuref.iommufd.spi;

import org.smmuref.iommufd.KvmVmFile;

/**
 * A reference on a KVM VM taken through its open VM file ({@code kvm_get_kvm}): what an associated iommufd context
 * holds, and what a driver's vIOMMU is told about its VM. The platform that issued it resolves it to its VM.
 */
public interface KvmReference {
    /** The VM file the reference was taken through. */
    KvmVmFile file();

    /** The VM's number, for names and logs. */
    default int vmNumber() {
        return file().vmNumber();
    }

    /** Drops the reference ({@code kvm_put_kvm}); a second call does nothing. */
    void put();
}
