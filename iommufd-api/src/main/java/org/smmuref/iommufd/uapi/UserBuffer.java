package org.smmuref.iommufd.uapi;

import java.util.Arrays;

/**
 * Bytes in the caller's address space that a uAPI helper reads on demand, so that size checks run before any read
 * (as in the kernel, where a huge length is refused before memory is touched). A read of memory that is not there
 * throws a {@link UapiException} with {@link Errno#EFAULT}.
 */
@FunctionalInterface
public interface UserBuffer {
    /** Reads {@code length} bytes at {@code offset} from the buffer's start; EFAULT if any of them is missing. */
    byte[] read(long offset, int length);

    /** A buffer that is exactly {@code bytes} (copied); reads beyond its end fail with EFAULT. */
    static UserBuffer of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return (offset, length) -> {
            if (length < 0 || offset < 0 || offset > copy.length - (long) length) {
                throw new UapiException(Errno.EFAULT, "user read of " + length + " bytes at offset " + offset
                    + " is outside the " + copy.length + "-byte buffer");
            }
            return Arrays.copyOfRange(copy, (int) offset, (int) offset + length);
        };
    }

    /** A buffer with nothing behind it (a NULL or unmapped user pointer): every non-empty read is EFAULT. */
    static UserBuffer empty() {
        return of(new byte[0]);
    }

    /** The buffer seen from {@code base} on. */
    default UserBuffer from(long base) {
        return (offset, length) -> {
            long at = base + offset;
            if (base < 0 || offset < 0 || at < 0) {
                throw new UapiException(Errno.EFAULT, "user read at offset " + base + " + " + offset + " overflows");
            }
            return read(at, length);
        };
    }
}
