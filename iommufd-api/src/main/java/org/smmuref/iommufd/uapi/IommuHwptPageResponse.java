package org.smmuref.iommufd.uapi;

/** {@code struct iommu_hwpt_page_response}: The response written to a fault queue for one fault group. */
public record IommuHwptPageResponse(int cookie, int code) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_hwpt_page_response")
        .u32("cookie")
        .u32("code")
        .build();

    /** {@code sizeof(struct iommu_hwpt_page_response)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuHwptPageResponse> TYPE = StructType.of(IommuHwptPageResponse.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuHwptPageResponse decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuHwptPageResponse> structType() {
        return TYPE;
    }
}
