package org.smmuref.iommufd.spi;

import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.UapiException;
import org.smmuref.iommufd.uapi.UserBuffer;

/** Glue between the SPI's user-copy helpers and the one implementation of the rules in {@code uapi}. */
final class UserMemoryBuffer {
    private UserMemoryBuffer() {
    }

    /** The process memory from user address {@code va} on, as the uAPI helpers read it. */
    static UserBuffer at(UserMemory memory, long va) {
        return new UserBuffer() {
            @Override
            public byte[] read(long offset, int length) {
                return memory.read(va + offset, length);
            }

            @Override
            public void write(long offset, byte[] bytes) {
                memory.write(va + offset, bytes);
            }
        };
    }

    /** A helper's failure in the SPI's exception type (what drivers catch and the core reports). */
    static IommufdException rethrow(UapiException e) {
        return IommufdException.of(e);
    }
}
