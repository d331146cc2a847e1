package org.smmuref.iommufd;

/**
 * The in fields of each iommufd command and the out fields it returns, named after the kernel's struct fields.
 *
 * <p>Interim request and reply records: the {@code size} field and the extensible-struct rules belong to the uAPI
 * codecs of {@code org.smmuref.iommufd.uapi}; once those value types exist the {@link Iommufd} methods take them
 * instead, field for field. Every integer is the kernel's unsigned value held in a Java {@code int} or {@code long}.
 */
public final class IommufdCmd {
    private IommufdCmd() {
    }

    /** {@code iommu_destroy}. */
    public record Destroy(int id) {
    }

    /** {@code iommu_ioas_alloc}; replies {@code out_ioas_id}. */
    public record IoasAlloc(int flags) {
    }

    /** {@code iommu_ioas_allow_iovas}: {@code num_iovas} ranges of 16 bytes at user address {@code allowedIovas}. */
    public record IoasAllowIovas(int ioasId, int numIovas, int reserved, long allowedIovas) {
    }

    /** {@code iommu_ioas_copy}; replies {@code dst_iova}. */
    public record IoasCopy(int flags, int dstIoasId, int srcIoasId, long length, long dstIova, long srcIova) {
    }

    /** {@code iommu_ioas_iova_ranges}: an array of {@code numIovas} ranges at user address {@code allowedIovas}. */
    public record IoasIovaRanges(int ioasId, int numIovas, int reserved, long allowedIovas) {
    }

    /** The out fields of {@code iommu_ioas_iova_ranges} (also carried by its EMSGSIZE failure). */
    public record IovaRangesReply(int numIovas, long outIovaAlignment) {
    }

    /** {@code iommu_ioas_map}; replies the {@code iova} used. */
    public record IoasMap(int flags, int ioasId, int reserved, long userVa, long length, long iova) {
    }

    /** {@code iommu_ioas_unmap}; replies {@code length}, the bytes unmapped. */
    public record IoasUnmap(int ioasId, long iova, long length) {
    }

    /** {@code iommu_option}; replies {@code val64}. */
    public record Option(int optionId, int op, int reserved, int objectId, long val64) {
    }

    /** {@code iommu_hwpt_alloc}; replies {@code out_hwpt_id}. */
    public record HwptAlloc(int flags, int devId, int ptId, int reserved, int dataType, int dataLen, long dataUptr,
                            int faultId, int reserved2) {
        /** A paging or nested HWPT without driver data and without a fault queue. */
        public static HwptAlloc of(int flags, int devId, int ptId) {
            return new HwptAlloc(flags, devId, ptId, 0, 0, 0, 0, 0, 0);
        }
    }

    /** {@code iommu_hw_info}: the info struct goes to {@code dataLen} bytes at {@code dataUptr}. */
    public record GetHwInfo(int flags, int devId, int dataLen, long dataUptr, int inDataType, int reserved) {
    }

    /** The out fields of {@code iommu_hw_info}. */
    public record HwInfoReply(int dataLen, int outDataType, int outMaxPasidLog2, long outCapabilities) {
    }

    /** {@code iommu_hwpt_invalidate}; replies {@code entry_num} (also carried by its failure as an Integer). */
    public record HwptInvalidate(int hwptId, long dataUptr, int dataType, int entryLen, int entryNum, int reserved) {
    }

    /** {@code iommu_fault_alloc}. */
    public record FaultQueueAlloc(int flags) {
    }

    /** The out fields of {@code iommu_fault_alloc}. */
    public record FaultQueueAllocReply(int outFaultId, int outFaultFd) {
    }

    /** {@code iommu_viommu_alloc}; replies {@code out_viommu_id}. */
    public record ViommuAlloc(int flags, int type, int devId, int hwptId, int dataLen, int reserved, long dataUptr) {
    }

    /** {@code iommu_vdevice_alloc}; replies {@code out_vdevice_id}. */
    public record VdeviceAlloc(int viommuId, int devId, long virtId) {
    }

    /** {@code iommu_veventq_alloc}. */
    public record VeventqAlloc(int flags, int viommuId, int type, int veventqDepth, int reserved) {
    }

    /** The out fields of {@code iommu_veventq_alloc}. */
    public record VeventqAllocReply(int outVeventqId, int outVeventqFd) {
    }
}
