package org.smmuref.iommufd.uapi;

/** {@code struct iommu_ioas_map_file}: IOMMU_IOAS_MAP_FILE: maps a range of a memfd into an IOAS. */
public record IommuIoasMapFile(int size, int flags, int ioasId, int fd, long start, long length,
                     long iova) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_ioas_map_file")
        .u32("size")
        .u32("flags")
        .u32("ioas_id")
        .s32("fd")
        .alignedU64("start")
        .alignedU64("length")
        .alignedU64("iova")
        .build();

    /** {@code sizeof(struct iommu_ioas_map_file)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIoasMapFile> TYPE = StructType.of(IommuIoasMapFile.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIoasMapFile decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIoasMapFile> structType() {
        return TYPE;
    }

    /** This value with {@code iova} replaced (how the kernel's answer is built). */
    public IommuIoasMapFile withIova(long iova) {
        return new IommuIoasMapFile(size, flags, ioasId, fd, start, length, iova);
    }
}
