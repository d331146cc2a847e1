package org.smmuref.iommufd.uapi;

import java.util.Arrays;

/**
 * Bytes in the caller's address space that a uAPI helper reads on demand, so that size checks run before any read
 * (as in the kernel, where a huge length is refused before memory is touched). A read of memory that is not there
 * throws a {@link UapiException} with {@link Errno#EFAULT}.
 *
 * <p>A buffer may also take writes: the ioctl entry copies a command's out fields back through
 * {@link #write(long, byte[])} (the kernel's {@code copy_to_user}). A buffer that cannot be written is EFAULT there,
 * like a read-only user mapping.
 */
@FunctionalInterface
public interface UserBuffer {
    /** Reads {@code length} bytes at {@code offset} from the buffer's start; EFAULT if any of them is missing. */
    byte[] read(long offset, int length);

    /** Writes {@code bytes} at {@code offset}; EFAULT if any of them cannot be written (the default: read-only). */
    default void write(long offset, byte[] bytes) {
        if (bytes.length > 0) {
            throw new UapiException(Errno.EFAULT, "user write of " + bytes.length + " bytes at offset " + offset
                + " into a read-only buffer");
        }
    }

    /** A read-only buffer that is exactly {@code bytes} (copied); reads beyond its end fail with EFAULT. */
    static UserBuffer of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return (offset, length) -> {
            checkBounds(copy, offset, length, "read");
            return Arrays.copyOfRange(copy, (int) offset, (int) offset + length);
        };
    }

    /**
     * A buffer over the caller's own array, read and written in place (not copied), so the caller sees what the
     * kernel wrote back; accesses beyond its end fail with EFAULT.
     */
    static UserBuffer wrap(byte[] bytes) {
        return new UserBuffer() {
            @Override
            public byte[] read(long offset, int length) {
                checkBounds(bytes, offset, length, "read");
                return Arrays.copyOfRange(bytes, (int) offset, (int) offset + length);
            }

            @Override
            public void write(long offset, byte[] src) {
                checkBounds(bytes, offset, src.length, "write");
                System.arraycopy(src, 0, bytes, (int) offset, src.length);
            }
        };
    }

    /** A buffer with nothing behind it (a NULL or unmapped user pointer): every non-empty access is EFAULT. */
    static UserBuffer empty() {
        return of(new byte[0]);
    }

    /** The buffer seen from {@code base} on, for reads and writes. */
    default UserBuffer from(long base) {
        UserBuffer whole = this;
        return new UserBuffer() {
            @Override
            public byte[] read(long offset, int length) {
                return whole.read(at(offset), length);
            }

            @Override
            public void write(long offset, byte[] bytes) {
                whole.write(at(offset), bytes);
            }

            private long at(long offset) {
                long at = base + offset;
                if (base < 0 || offset < 0 || at < 0) {
                    throw new UapiException(Errno.EFAULT, "user access at offset " + base + " + " + offset
                        + " overflows");
                }
                return at;
            }
        };
    }

    private static void checkBounds(byte[] bytes, long offset, int length, String what) {
        if (length < 0 || offset < 0 || offset > bytes.length - (long) length) {
            throw new UapiException(Errno.EFAULT, "user " + what + " of " + length + " bytes at offset " + offset
                + " is outside the " + bytes.length + "-byte buffer");
        }
    }
}
