package org.smmuref.iommufd.uapi;

import java.util.Objects;

/**
 * {@code struct iommu_user_data}: driver data that a command points at ({@code data_type}, {@code data_uptr},
 * {@code data_len}), handed to a driver that copies it with {@link ExtensibleStructs#copyStructFromUser}.
 *
 * @param type   the caller's data type
 * @param buffer the caller's memory at {@code data_uptr}
 * @param len    {@code data_len}, unsigned
 */
public record UserData(int type, UserBuffer buffer, long len) {
    /** Checks the fields. */
    public UserData {
        Objects.requireNonNull(buffer, "buffer");
        if (len < 0) {
            throw new IllegalArgumentException("len is unsigned and below 2^63: " + len);
        }
    }

    /** Driver data held in memory, with {@code len} = its length. */
    public static UserData of(int type, byte[] bytes) {
        return new UserData(type, UserBuffer.of(bytes), bytes.length);
    }
}
