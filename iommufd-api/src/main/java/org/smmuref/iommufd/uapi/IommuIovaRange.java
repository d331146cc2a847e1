package org.smmuref.iommufd.uapi;

/** {@code struct iommu_iova_range}: One IOVA range; {@code last} is inclusive. */
public record IommuIovaRange(long start, long last) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_iova_range")
        .alignedU64("start")
        .alignedU64("last")
        .build();

    /** {@code sizeof(struct iommu_iova_range)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuIovaRange> TYPE = StructType.of(IommuIovaRange.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuIovaRange decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuIovaRange> structType() {
        return TYPE;
    }
}
