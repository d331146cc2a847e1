package org.smmuref.iommufd.uapi;

/**
 * A uAPI struct as an immutable Java value: every implementation is a record whose components are the kernel's
 * members in declaration order, named in camelCase ({@code out_ioas_id} -> {@code outIoasId}, {@code __reserved} ->
 * {@code reserved}). Its {@link StructType} knows the C layout and does the little-endian codec.
 *
 * <p>Unsigned values: {@code __u32} members are Java {@code int}s holding the kernel's bit pattern (an id 0xffffffff
 * is {@code -1}); {@code __u64} members are {@code long}s likewise. Use {@link Integer#toUnsignedLong(int)},
 * {@link Long#compareUnsigned(long, long)} or the {@code ...Unsigned()} accessors of the count and length fields.
 * {@code __u8} and {@code __u16} members are non-negative {@code int}s in their range. Fixed arrays are immutable
 * lists of the element's Java type; an anonymous union is one component named after its first member.
 */
public interface UapiStruct {
    /** The layout and codec of this struct type. */
    StructType<?> structType();

    /** The kernel's struct name ({@code iommu_hwpt_alloc}; the v1 proposal's structs carry a {@code _v1} suffix). */
    default String kernelName() {
        return structType().kernelName();
    }

    /** The exact little-endian bytes the kernel's C struct holds for this value ({@code sizeof} bytes). */
    default byte[] encode() {
        return structType().encodeValue(this);
    }
}
