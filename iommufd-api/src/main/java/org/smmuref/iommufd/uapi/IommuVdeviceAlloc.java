package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_vdevice_alloc}: IOMMU_VDEVICE_ALLOC: tells a vIOMMU the guest's id of a device ({@code virt_id},
 * the vSID on Arm).
 */
public record IommuVdeviceAlloc(int size, int viommuId, int devId, int outVdeviceId,
                     long virtId) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_vdevice_alloc")
        .u32("size")
        .u32("viommu_id")
        .u32("dev_id")
        .u32("out_vdevice_id")
        .alignedU64("virt_id")
        .build();

    /** {@code sizeof(struct iommu_vdevice_alloc)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuVdeviceAlloc> TYPE = StructType.of(IommuVdeviceAlloc.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuVdeviceAlloc decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuVdeviceAlloc> structType() {
        return TYPE;
    }

    /** This value with {@code out_vdevice_id} replaced (how the kernel's answer is built). */
    public IommuVdeviceAlloc withOutVdeviceId(int outVdeviceId) {
        return new IommuVdeviceAlloc(size, viommuId, devId, outVdeviceId, virtId);
    }
}
