package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_ioas_change_process}: IOMMU_IOAS_CHANGE_PROCESS: moves the pinned-page accounting to the calling
 * process.
 */
public record IommuIoasChangeProcess(int size, int reserved) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_ioas_change_process")
        .u32("size")
        .u32("__reserved")
        .build();

    /** {@code sizeof(struct iommu_ioas_change_process)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIoasChangeProcess> TYPE = StructType.of(IommuIoasChangeProcess.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIoasChangeProcess decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIoasChangeProcess> structType() {
        return TYPE;
    }
}
