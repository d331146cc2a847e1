package org.smmuref.iommufd.spi;

import java.util.Objects;
import org.smmuref.iommufd.uapi.ExtensibleStructs;
import org.smmuref.iommufd.uapi.UapiException;

/**
 * Driver-specific data the user passed by pointer ({@code struct iommu_user_data}): HWPT_ALLOC's and VIOMMU_ALLOC's
 * {@code data_type}, {@code data_len} and {@code data_uptr}, read only through {@link #copyStruct}, whose rules are
 * those of {@link ExtensibleStructs#copyDriverStruct}.
 */
public final class UserData {
    private final UserMemory memory;
    private final int type;
    private final long length;
    private final long uptr;

    /** Wraps the user's data description; {@code length} is the unsigned {@code data_len}. */
    public UserData(UserMemory memory, int type, long length, long uptr) {
        this.memory = Objects.requireNonNull(memory);
        if (length < 0) {
            throw new IllegalArgumentException("negative data length");
        }
        this.type = type;
        this.length = length;
        this.uptr = uptr;
    }

    /** The user's data type. */
    public int type() {
        return type;
    }

    /** The user's data length in bytes. */
    public long length() {
        return length;
    }

    /** The user pointer to the data. */
    public long uptr() {
        return uptr;
    }

    /**
     * The kernel's {@code iommu_copy_struct_from_user}: EINVAL if the type is not {@code expectedType}, if the
     * length is below {@code minLength} (offsetofend of the struct's first version) or above {@code kernelSize};
     * otherwise the struct, zero-filled to {@code kernelSize}; EFAULT for a bad pointer.
     */
    public byte[] copyStruct(int expectedType, int minLength, int kernelSize) {
        try {
            return ExtensibleStructs.copyDriverStruct("driver data", new org.smmuref.iommufd.uapi.UserData(type,
                UserMemoryBuffer.at(memory, uptr), length), expectedType, minLength, kernelSize);
        } catch (UapiException e) {
            throw UserMemoryBuffer.rethrow(e);
        }
    }
}
