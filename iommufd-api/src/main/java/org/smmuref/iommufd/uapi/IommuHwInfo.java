package org.smmuref.iommufd.uapi;

import java.util.List;

/**
 * {@code struct iommu_hw_info}: IOMMU_GET_HW_INFO: reports the IOMMU behind a device: driver data into a user buffer,
 * its type and capabilities.
 */
public record IommuHwInfo(int size, int flags, int devId, int dataLen, long dataUptr, int inDataType,
                     int outMaxPasidLog2, List<Integer> reserved, long outCapabilities) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hw_info")
        .u32("size")
        .u32("flags")
        .u32("dev_id")
        .u32("data_len")
        .alignedU64("data_uptr")
        .union(CType.U32, "in_data_type", "out_data_type")
        .u8("out_max_pasid_log2")
        .array(CType.U8, "__reserved", 3)
        .alignedU64("out_capabilities")
        .build();

    /** {@code sizeof(struct iommu_hw_info)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwInfo> TYPE = StructType.of(IommuHwInfo.class, LAYOUT);

    /** Checks that every member fits its C type; arrays are copied and immutable. */
    public IommuHwInfo {
        Members.u8("out_max_pasid_log2", outMaxPasidLog2);
        reserved = Members.fixedU8("__reserved", reserved, 3);
    }

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwInfo decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwInfo> structType() {
        return TYPE;
    }

    /** This value with {@code data_len} replaced (how the kernel's answer is built). */
    public IommuHwInfo withDataLen(int dataLen) {
        return new IommuHwInfo(
            size, flags, devId, dataLen, dataUptr, inDataType, outMaxPasidLog2, reserved, outCapabilities);
    }

    /** This value with {@code out_max_pasid_log2} replaced (how the kernel's answer is built). */
    public IommuHwInfo withOutMaxPasidLog2(int outMaxPasidLog2) {
        return new IommuHwInfo(
            size, flags, devId, dataLen, dataUptr, inDataType, outMaxPasidLog2, reserved, outCapabilities);
    }

    /** This value with {@code out_capabilities} replaced (how the kernel's answer is built). */
    public IommuHwInfo withOutCapabilities(long outCapabilities) {
        return new IommuHwInfo(
            size, flags, devId, dataLen, dataUptr, inDataType, outMaxPasidLog2, reserved, outCapabilities);
    }

    /** {@code data_len} as the unsigned 32-bit number it is. */
    public long dataLenUnsigned() {
        return Integer.toUnsignedLong(dataLen);
    }

    /** The union member {@code out_data_type}: the same 32 bits as {@link #inDataType()}, read after the call. */
    public int outDataType() {
        return inDataType;
    }

    /** This value with {@code out_data_type} set (the union shares its bits with {@code in_data_type}). */
    public IommuHwInfo withOutDataType(int outDataType) {
        return new IommuHwInfo(size, flags, devId, dataLen, dataUptr, outDataType, outMaxPasidLog2, reserved, outCapabilities);
    }
}
