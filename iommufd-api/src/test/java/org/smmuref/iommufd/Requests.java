package org.smmuref.iommufd;

import java.util.List;
import org.smmuref.iommufd.uapi.IommuDestroy;
import org.smmuref.iommufd.uapi.IommuFaultAlloc;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuHwptGetDirtyBitmap;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.IommuHwptSetDirtyTracking;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommuIoasAllowIovas;
import org.smmuref.iommufd.uapi.IommuIoasCopy;
import org.smmuref.iommufd.uapi.IommuIoasIovaRanges;
import org.smmuref.iommufd.uapi.IommuIoasMap;
import org.smmuref.iommufd.uapi.IommuIoasUnmap;
import org.smmuref.iommufd.uapi.IommuOption;
import org.smmuref.iommufd.uapi.IommuVdeviceAlloc;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommuViommuAlloc;

/**
 * Test shorthands for ioctl arguments as a current caller fills them: {@code size} = sizeof, every out field 0, and
 * the in fields in declaration order.
 */
public final class Requests {
    private Requests() {
    }

    public static IommuHwptSetDirtyTracking setDirtyTracking(int flags, int hwptId) {
        return new IommuHwptSetDirtyTracking(IommuHwptSetDirtyTracking.SIZE, flags, hwptId, 0);
    }

    public static IommuHwptGetDirtyBitmap getDirtyBitmap(int hwptId, int flags, long iova, long length,
                                                         long pageSize, long data) {
        return new IommuHwptGetDirtyBitmap(IommuHwptGetDirtyBitmap.SIZE, hwptId, flags, 0, iova, length, pageSize,
            data);
    }

    public static org.smmuref.iommufd.uapi.IommuHwQueueAlloc hwQueueAlloc(int flags, int viommuId, int type,
                                                                         int index, long iova, long length) {
        return new org.smmuref.iommufd.uapi.IommuHwQueueAlloc(org.smmuref.iommufd.uapi.IommuHwQueueAlloc.SIZE, flags,
            viommuId, type, index, 0, iova, length);
    }

    public static IommuDestroy destroy(int id) {
        return new IommuDestroy(IommuDestroy.SIZE, id);
    }

    public static IommuIoasAlloc ioasAlloc(int flags) {
        return new IommuIoasAlloc(IommuIoasAlloc.SIZE, flags, 0);
    }

    public static IommuIoasAllowIovas ioasAllowIovas(int ioasId, int numIovas, int reserved, long allowedIovas) {
        return new IommuIoasAllowIovas(IommuIoasAllowIovas.SIZE, ioasId, numIovas, reserved, allowedIovas);
    }

    public static IommuIoasCopy ioasCopy(int flags, int dstIoasId, int srcIoasId, long length, long dstIova,
                                         long srcIova) {
        return new IommuIoasCopy(IommuIoasCopy.SIZE, flags, dstIoasId, srcIoasId, length, dstIova, srcIova);
    }

    public static IommuIoasIovaRanges ioasIovaRanges(int ioasId, int numIovas, int reserved, long allowedIovas) {
        return new IommuIoasIovaRanges(IommuIoasIovaRanges.SIZE, ioasId, numIovas, reserved, allowedIovas, 0);
    }

    public static IommuIoasMap ioasMap(int flags, int ioasId, int reserved, long userVa, long length, long iova) {
        return new IommuIoasMap(IommuIoasMap.SIZE, flags, ioasId, reserved, userVa, length, iova);
    }

    public static IommuIoasUnmap ioasUnmap(int ioasId, long iova, long length) {
        return new IommuIoasUnmap(IommuIoasUnmap.SIZE, ioasId, iova, length);
    }

    public static IommuOption option(int optionId, int op, int reserved, int objectId, long val64) {
        return new IommuOption(IommuOption.SIZE, optionId, op, reserved, objectId, val64);
    }

    /** A paging or nested HWPT without driver data and without a fault queue. */
    public static IommuHwptAlloc hwptAlloc(int flags, int devId, int ptId) {
        return hwptAlloc(flags, devId, ptId, 0, 0, 0, 0, 0, 0);
    }

    public static IommuHwptAlloc hwptAlloc(int flags, int devId, int ptId, int reserved, int dataType, int dataLen,
                                           long dataUptr, int faultId, int reserved2) {
        return new IommuHwptAlloc(IommuHwptAlloc.SIZE, flags, devId, ptId, 0, reserved, dataType, dataLen, dataUptr,
            faultId, reserved2);
    }

    /** {@code reserved} gives the three {@code __reserved} bytes, little-endian. */
    public static IommuHwInfo getHwInfo(int flags, int devId, int dataLen, long dataUptr, int inDataType,
                                        int reserved) {
        return new IommuHwInfo(IommuHwInfo.SIZE, flags, devId, dataLen, dataUptr, inDataType, 0,
            List.of(reserved & 0xff, (reserved >>> 8) & 0xff, (reserved >>> 16) & 0xff), 0);
    }

    public static IommuHwptInvalidate hwptInvalidate(int hwptId, long dataUptr, int dataType, int entryLen,
                                                     int entryNum, int reserved) {
        return new IommuHwptInvalidate(IommuHwptInvalidate.SIZE, hwptId, dataUptr, dataType, entryLen, entryNum,
            reserved);
    }

    public static IommuFaultAlloc faultQueueAlloc(int flags) {
        return new IommuFaultAlloc(IommuFaultAlloc.SIZE, flags, 0, 0);
    }

    public static IommuViommuAlloc viommuAlloc(int flags, int type, int devId, int hwptId, int dataLen, int reserved,
                                               long dataUptr) {
        return new IommuViommuAlloc(IommuViommuAlloc.SIZE, flags, type, devId, hwptId, 0, dataLen, reserved,
            dataUptr);
    }

    public static IommuVdeviceAlloc vdeviceAlloc(int viommuId, int devId, long virtId) {
        return new IommuVdeviceAlloc(IommuVdeviceAlloc.SIZE, viommuId, devId, 0, virtId);
    }

    public static IommuVeventqAlloc veventqAlloc(int flags, int viommuId, int type, int veventqDepth, int reserved) {
        return new IommuVeventqAlloc(IommuVeventqAlloc.SIZE, flags, viommuId, type, veventqDepth, 0, 0, reserved);
    }
}
