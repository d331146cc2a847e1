package org.smmuref.iommufd.uapi;

/**
 * {@code struct iommu_option}: IOMMU_OPTION: sets or gets an option of the context or of one object; {@code val64} is
 * in for SET, out for GET.
 */
public record IommuOption(int size, int optionId, int op, int reserved, int objectId,
                     long val64) implements IoctlStruct {
    /** The C declaration, member by member; offsets and size are derived from it. */
    public static final CLayout LAYOUT = CLayout.struct("iommu_option")
        .u32("size")
        .u32("option_id")
        .u16("op")
        .u16("__reserved")
        .u32("object_id")
        .alignedU64("val64")
        .build();

    /** {@code sizeof(struct iommu_option)}. */
    public static final int SIZE = LAYOUT.size();

    /** The codec binding this record to {@link #LAYOUT}. */
    public static final StructType<IommuOption> TYPE = StructType.of(IommuOption.class, LAYOUT);

    /** Checks that every member fits its C type; arrays are copied and immutable. */
    public IommuOption {
        Members.u16("op", op);
        Members.u16("__reserved", reserved);
    }

    /** Decodes exactly {@link #SIZE} little-endian bytes. */
    public static IommuOption decode(byte[] bytes) {
        return TYPE.decode(bytes);
    }

    @Override
    public StructType<IommuOption> structType() {
        return TYPE;
    }

    /** This value with {@code val64} replaced (how the kernel's answer is built). */
    public IommuOption withVal64(long val64) {
        return new IommuOption(size, optionId, op, reserved, objectId, val64);
    }
}
