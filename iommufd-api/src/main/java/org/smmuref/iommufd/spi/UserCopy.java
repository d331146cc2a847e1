package org.smmuref.iommufd.spi;

import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;

/** The kernel's {@code copy_struct_from_user}: reads an extensible struct of another size from user memory. */
public final class UserCopy {
    private UserCopy() {
    }

    /**
     * Reads {@code userSize} bytes at {@code uptr} into a {@code kernelSize} buffer: a shorter user struct is
     * zero-filled, a longer one must carry only zero bytes beyond {@code kernelSize} (E2BIG otherwise). EFAULT
     * where nothing is mapped.
     */
    public static byte[] copyStructFromUser(UserMemory memory, long uptr, long userSize, int kernelSize) {
        if (userSize < 0 || kernelSize < 0) {
            throw new IllegalArgumentException("negative struct size");
        }
        byte[] out = new byte[kernelSize];
        int copy = (int) Math.min(userSize, kernelSize);
        memory.read(uptr, out, 0, copy);
        long extra = userSize - kernelSize;
        if (extra > 0) {
            if (extra > Integer.MAX_VALUE) {
                throw new IommufdException(Errno.E2BIG, "user struct of " + userSize + " bytes is far too large");
            }
            byte[] tail = memory.read(uptr + kernelSize, (int) extra);
            for (byte b : tail) {
                if (b != 0) {
                    throw new IommufdException(Errno.E2BIG,
                        "non-zero bytes beyond the " + kernelSize + "-byte struct the kernel knows");
                }
            }
        }
        return out;
    }
}
