package org.smmuref.iommufd.uapi;

import java.util.Objects;

/**
 * {@code struct iommu_user_data_array}: an array of driver entries a command points at (HWPT_INVALIDATE's
 * {@code data_type}, {@code data_uptr}, {@code entry_len}, {@code entry_num}).
 *
 * @param type     the caller's data type
 * @param buffer   the caller's memory at {@code data_uptr}
 * @param entryLen bytes per entry as the caller knows the entry struct, unsigned
 * @param entryNum number of entries, a u32 bit pattern
 */
public record UserDataArray(int type, UserBuffer buffer, long entryLen, int entryNum) {
    /** Checks the fields. */
    public UserDataArray {
        Objects.requireNonNull(buffer, "buffer");
        if (entryLen < 0) {
            throw new IllegalArgumentException("entryLen is unsigned and below 2^63: " + entryLen);
        }
    }

    /** {@code entry_num} as the unsigned number it is. */
    public long entryNumUnsigned() {
        return Integer.toUnsignedLong(entryNum);
    }

    /** Entries held in memory back to back. */
    public static UserDataArray of(int type, long entryLen, int entryNum, byte[] bytes) {
        return new UserDataArray(type, UserBuffer.of(bytes), entryLen, entryNum);
    }
}
