package org.smmuref.iommufd.uapi;

/** {@code struct iommu_destroy}: IOMMU_DESTROY: destroys the object {@code id}. */
public record IommuDestroy(int size, int id) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_destroy")
        .u32("size")
        .u32("id")
        .build();

    /** {@code sizeof(struct iommu_destroy)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuDestroy> TYPE = StructType.of(IommuDestroy.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuDestroy decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuDestroy> structType() {
        return TYPE;
    }
}
