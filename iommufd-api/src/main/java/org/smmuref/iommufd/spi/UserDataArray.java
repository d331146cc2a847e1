package org.smmuref.iommufd.spi;

import java.util.Objects;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.ExtensibleStructs;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.iommufd.uapi.UapiException;

/**
 * An array of driver-specific entries the user passed by pointer ({@code struct iommu_user_data_array}): the
 * invalidation requests of HWPT_INVALIDATE. The driver reads it with one of the two kernel helpers and reports how
 * many entries it handled through {@link #setEntryNum}, which the core writes back to the user even on failure.
 */
public final class UserDataArray {
    private final UserMemory memory;
    private final int type;
    private final long uptr;
    private final int entryLen;
    private final int requestedEntries;
    private int entryNum;
    private final KernelProfile profile;

    /** Wraps the user's array description; {@code entryLen} and {@code entryNum} are unsigned 32-bit. */
    public UserDataArray(UserMemory memory, int type, long uptr, int entryLen, int entryNum) {
        this(memory, type, uptr, entryLen, entryNum, KernelProfile.latest());
    }

    /** As above, for a caller whose context behaves as kernel {@code profile} (it picks the driver's contract). */
    public UserDataArray(UserMemory memory, int type, long uptr, int entryLen, int entryNum, KernelProfile profile) {
        this.profile = Objects.requireNonNull(profile);
        this.memory = Objects.requireNonNull(memory);
        this.type = type;
        this.uptr = uptr;
        this.entryLen = entryLen;
        this.requestedEntries = entryNum;
        this.entryNum = entryNum;
    }

    /** The kernel release the calling context behaves as. */
    public KernelProfile profile() {
        return profile;
    }

    /** The user's data type. */
    public int type() {
        return type;
    }

    /** The user's size of one entry, unsigned. */
    public int entryLen() {
        return entryLen;
    }

    /** How many entries the user passed, unsigned. */
    public int requestedEntries() {
        return requestedEntries;
    }

    /** The entry count that goes back to the user: what the driver set, else the user's own count. */
    public int entryNum() {
        return entryNum;
    }

    /** Records how many entries were handled (before the first failure). */
    public void setEntryNum(int handled) {
        if (Integer.compareUnsigned(handled, requestedEntries) > 0) {
            throw new IllegalArgumentException("handled " + Integer.toUnsignedString(handled) + " of only "
                + Integer.toUnsignedString(requestedEntries) + " entries");
        }
        this.entryNum = handled;
    }

    /**
     * The kernel's {@code iommu_copy_struct_from_full_user_array}: EINVAL for another type or for an empty array;
     * each entry is read like {@code copy_struct_from_user} (a short entry is zero-filled, a long one must have only
     * zero bytes beyond {@code kernelEntrySize}, E2BIG otherwise); EFAULT for a bad pointer.
     */
    public byte[][] copyFullArray(int expectedType, int kernelEntrySize) {
        try {
            return ExtensibleStructs.copyFullUserArray("entry", uapiArray(), expectedType, kernelEntrySize)
                .toArray(new byte[0][]);
        } catch (UapiException e) {
            throw UserMemoryBuffer.rethrow(e);
        }
    }

    /**
     * The kernel's per-index {@code iommu_copy_struct_from_user_array}: EINVAL for another type, an index out of
     * range, a zero {@code entry_len}, or one below {@code minLength} or above {@code kernelSize}; otherwise the
     * entry zero-filled to {@code kernelSize}; EFAULT for a bad pointer.
     */
    public byte[] copyEntry(int expectedType, int index, int minLength, int kernelSize) {
        if (Integer.toUnsignedLong(entryLen) == 0) {
            throw new IommufdException(Errno.EINVAL, "entry_len is 0");
        }
        try {
            return ExtensibleStructs.copyUserArrayEntry("entry", uapiArray(), expectedType,
                Integer.toUnsignedLong(index), minLength, kernelSize);
        } catch (UapiException e) {
            throw UserMemoryBuffer.rethrow(e);
        }
    }

    private org.smmuref.iommufd.uapi.UserDataArray uapiArray() {
        return new org.smmuref.iommufd.uapi.UserDataArray(type, UserMemoryBuffer.at(memory, uptr),
            Integer.toUnsignedLong(entryLen), requestedEntries);
    }
}
