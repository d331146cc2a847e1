package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommufd_vevent_header}: The header before each vEVENT read from a vEVENTQ: flags (LOST_EVENTS) and a
 * sequence number.
 */
public record IommufdVeventHeader(int flags, int sequence) implements UapiStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommufd_vevent_header")
        .u32("flags")
        .u32("sequence")
        .build();

    /** {@code sizeof(struct iommufd_vevent_header)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommufdVeventHeader> TYPE = StructType.of(IommufdVeventHeader.class, LAYOUT);

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommufdVeventHeader decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommufdVeventHeader> structType() {
        return TYPE;
    }
}
