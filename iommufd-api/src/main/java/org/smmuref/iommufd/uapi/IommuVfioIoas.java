package org.smmuref.iommufd.uapi;

/** {@code struct iommu_vfio_ioas}: IOMMU_VFIO_IOAS: gets, sets or clears the IOAS the VFIO compatibility layer uses. */
public record IommuVfioIoas(int size, int ioasId, int op, int reserved) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_vfio_ioas")
        .u32("size")
        .u32("ioas_id")
        .u16("op")
        .u16("__reserved")
        .build();

    /** {@code sizeof(struct iommu_vfio_ioas)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuVfioIoas> TYPE = StructType.of(IommuVfioIoas.class, LAYOUT);

    /** Checks that every member fits its C type; arrays are copied and immutable. */
    public IommuVfioIoas {
        Members.u16("op", op);
        Members.u16("__reserved", reserved);
    }

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuVfioIoas decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuVfioIoas> structType() {
        return TYPE;
    }

    /** This value with {@code ioas_id} replaced (how the kernel's answer is built). */
    public IommuVfioIoas withIoasId(int ioasId) {
        return new IommuVfioIoas(size, ioasId, op, reserved);
    }
}
