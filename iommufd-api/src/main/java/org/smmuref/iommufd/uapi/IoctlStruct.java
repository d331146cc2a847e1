package org.smmuref.iommufd.uapi;

/** A top-level ioctl argument: a uAPI struct that starts with {@code __u32 size}, as every iommufd command's does. */
public interface IoctlStruct extends UapiStruct {
    /** The {@code size} member: sizeof the struct as the caller knows it (a u32 bit pattern). */
    int size();

    /** {@link #size()} as the unsigned number it is. */
    default long sizeUnsigned() {
        return Integer.toUnsignedLong(size());
    }
}
