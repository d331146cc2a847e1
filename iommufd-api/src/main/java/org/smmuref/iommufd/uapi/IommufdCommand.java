package org.smmuref.iommufd.uapi;

import java.util.Optional;

/**
 * The iommufd command table, like the kernel's op table: per command its number, ioctl value, argument struct and
 * {@code min_size = offsetofend(struct, last member of the original version)}, computed from the struct's layout.
 * Commands arrived over several kernel releases; newer members of an extended struct lie beyond {@code min_size} and
 * are zero-filled when an older caller passes a shorter {@code size}.
 */
public enum IommufdCommand {
    /** IOMMU_DESTROY. */
    DESTROY(0x80, IommuDestroy.TYPE, "id"),
    /** IOMMU_IOAS_ALLOC. */
    IOAS_ALLOC(0x81, IommuIoasAlloc.TYPE, "out_ioas_id"),
    /** IOMMU_IOAS_ALLOW_IOVAS. */
    IOAS_ALLOW_IOVAS(0x82, IommuIoasAllowIovas.TYPE, "allowed_iovas"),
    /** IOMMU_IOAS_COPY. */
    IOAS_COPY(0x83, IommuIoasCopy.TYPE, "src_iova"),
    /** IOMMU_IOAS_IOVA_RANGES. */
    IOAS_IOVA_RANGES(0x84, IommuIoasIovaRanges.TYPE, "out_iova_alignment"),
    /** IOMMU_IOAS_MAP. */
    IOAS_MAP(0x85, IommuIoasMap.TYPE, "iova"),
    /** IOMMU_IOAS_UNMAP. */
    IOAS_UNMAP(0x86, IommuIoasUnmap.TYPE, "length"),
    /** IOMMU_OPTION. */
    OPTION(0x87, IommuOption.TYPE, "val64"),
    /** IOMMU_VFIO_IOAS. */
    VFIO_IOAS(0x88, IommuVfioIoas.TYPE, "__reserved"),
    /** IOMMU_HWPT_ALLOC: data_type/data_len/data_uptr/fault_id are later extensions beyond min_size. */
    HWPT_ALLOC(0x89, IommuHwptAlloc.TYPE, "__reserved"),
    /** IOMMU_GET_HW_INFO: out_capabilities is a later extension. */
    GET_HW_INFO(0x8a, IommuHwInfo.TYPE, "__reserved"),
    /** IOMMU_HWPT_SET_DIRTY_TRACKING. */
    HWPT_SET_DIRTY_TRACKING(0x8b, IommuHwptSetDirtyTracking.TYPE, "__reserved"),
    /** IOMMU_HWPT_GET_DIRTY_BITMAP. */
    HWPT_GET_DIRTY_BITMAP(0x8c, IommuHwptGetDirtyBitmap.TYPE, "data"),
    /** IOMMU_HWPT_INVALIDATE. */
    HWPT_INVALIDATE(0x8d, IommuHwptInvalidate.TYPE, "__reserved"),
    /** IOMMU_FAULT_QUEUE_ALLOC. */
    FAULT_QUEUE_ALLOC(0x8e, IommuFaultAlloc.TYPE, "out_fault_fd"),
    /** IOMMU_IOAS_MAP_FILE. */
    IOAS_MAP_FILE(0x8f, IommuIoasMapFile.TYPE, "iova"),
    /** IOMMU_VIOMMU_ALLOC: data_len/__reserved/data_uptr are later extensions. */
    VIOMMU_ALLOC(0x90, IommuViommuAlloc.TYPE, "out_viommu_id"),
    /** IOMMU_VDEVICE_ALLOC. */
    VDEVICE_ALLOC(0x91, IommuVdeviceAlloc.TYPE, "virt_id"),
    /** IOMMU_IOAS_CHANGE_PROCESS. */
    IOAS_CHANGE_PROCESS(0x92, IommuIoasChangeProcess.TYPE, "__reserved"),
    /** IOMMU_VEVENTQ_ALLOC: the trailing __reserved is not part of min_size. */
    VEVENTQ_ALLOC(0x93, IommuVeventqAlloc.TYPE, "out_veventq_fd"),
    /** IOMMU_HW_QUEUE_ALLOC. */
    HW_QUEUE_ALLOC(0x94, IommuHwQueueAlloc.TYPE, "length");

    private static final IommufdCommand[] BY_INDEX = values();

    private final int nr;
    private final StructType<?> struct;
    private final String lastField;
    private final int minSize;

    IommufdCommand(int nr, StructType<?> struct, String lastField) {
        this.nr = nr;
        this.struct = struct;
        this.lastField = lastField;
        this.minSize = struct.layout().offsetOfEnd(lastField);
    }

    /** The command number ({@code IOMMUFD_CMD_*}). */
    public int nr() {
        return nr;
    }

    /** The ioctl request value, {@code _IO(';', nr)} = {@code 0x3b00 | nr}. */
    public int ioctl() {
        return IommufdConstants.ioctl(nr);
    }

    /** The ioctl macro name, e.g. {@code IOMMU_HWPT_ALLOC}. */
    public String ioctlName() {
        return this == GET_HW_INFO ? "IOMMU_GET_HW_INFO" : "IOMMU_" + name();
    }

    /** The command enum name, e.g. {@code IOMMUFD_CMD_HWPT_ALLOC}. */
    public String cmdName() {
        return "IOMMUFD_CMD_" + name();
    }

    /** The argument struct's codec. */
    public StructType<?> struct() {
        return struct;
    }

    /** {@code sizeof} the argument struct as this kernel knows it. */
    public int size() {
        return struct.size();
    }

    /** The last member of the struct's first version (the kernel's IOCTL_OP last field). */
    public String lastField() {
        return lastField;
    }

    /** {@code offsetofend(struct, lastField)}: any smaller {@code size} is EINVAL. */
    public int minSize() {
        return minSize;
    }

    /** The command with number {@code nr}, if iommufd's table has one. */
    public static Optional<IommufdCommand> byNr(int nr) {
        int index = nr - IommufdConstants.IOMMUFD_CMD_BASE;
        return index >= 0 && index < BY_INDEX.length ? Optional.of(BY_INDEX[index]) : Optional.empty();
    }

    /** The command whose full ioctl value is {@code ioctl}, if any. */
    public static Optional<IommufdCommand> byIoctl(int ioctl) {
        return byNr(ioctl & 0xff).filter(c -> c.ioctl() == ioctl);
    }

    /** The command whose argument is {@code struct}. */
    public static Optional<IommufdCommand> byStruct(StructType<?> struct) {
        for (IommufdCommand c : BY_INDEX) {
            if (c.struct == struct) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
