/**
 * The iommufd uAPI as pure Java values: every struct of {@code include/uapi/linux/iommufd.h} (and of the 2023 v1
 * Arm SMMUv3 nesting proposal) as an immutable record with the kernel's exact little-endian bytes, the constants,
 * the command table and the extensible-struct rules.
 *
 * <ul>
 *   <li>{@link org.smmuref.iommufd.uapi.CLayout} derives offsets and sizes from C declarations (x86-64/arm64 rules);
 *   <li>{@link org.smmuref.iommufd.uapi.StructType} binds each record to its layout and is the only codec;
 *   <li>{@link org.smmuref.iommufd.uapi.IommufdCommand} is the command table with {@code min_size};
 *   <li>{@link org.smmuref.iommufd.uapi.ExtensibleStructs} holds the size rules and driver-data copy helpers;
 *   <li>{@link org.smmuref.iommufd.uapi.IommufdConstants} holds flags, types and Arm SMMUv3 facts.
 * </ul>
 *
 * <p>Unsigned members: a {@code __u32} is a Java {@code int} holding its bit pattern and a {@code __u64} a
 * {@code long}; compare them with {@link java.lang.Integer#toUnsignedLong(int)} and
 * {@link java.lang.Long#compareUnsigned(long, long)}, or the {@code ...Unsigned()} accessors of counts and lengths.
 * Depends on the JDK only.
 */
package org.smmuref.iommufd.uapi;
