package org.smmuref.iommufd.spi;

import org.smmuref.iommufd.uapi.ExtensibleStructs;
import org.smmuref.iommufd.uapi.UapiException;

/**
 * The kernel's {@code copy_struct_from_user}: reads an extensible struct of another size from user memory, by the
 * rules of {@link ExtensibleStructs#copyStructFromUser(String, org.smmuref.iommufd.uapi.UserBuffer, long, int)}.
 */
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
        try {
            return ExtensibleStructs.copyStructFromUser("user struct", UserMemoryBuffer.at(memory, uptr), userSize,
                kernelSize);
        } catch (UapiException e) {
            throw UserMemoryBuffer.rethrow(e);
        }
    }
}
