package org.smmuref.iommufd.uapi;

/** {@code struct vfio_iova_range}: one usable IOVA range of the IOVA_RANGE capability; {@code end} is inclusive. */
public record VfioIovaRange(long start, long end) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("vfio_iova_range")
        .alignedU64("start")
        .alignedU64("end")
        .build();

    /** {@code sizeof(struct vfio_iova_range)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<VfioIovaRange> TYPE = StructType.of(VfioIovaRange.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static VfioIovaRange decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<VfioIovaRange> structType() {
        return TYPE;
    }
}
