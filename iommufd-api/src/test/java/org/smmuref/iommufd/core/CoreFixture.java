package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.KernelProfile;

/** A core over two mock IOMMUs (instance 0 with StreamIDs 1..4, instance 1 with StreamID 1) and one context. */
final class CoreFixture {
    static final int PAGE = 4096;
    static final int RW = IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE;
    static final int FIXED_RW = RW | IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA;

    final SimulatedUserMemory mem = new SimulatedUserMemory();
    final MockIommu iommu0 = new MockIommu(0);
    final MockIommu iommu1 = new MockIommu(1);
    final SimplePlatform platform;
    final IommufdCore core;
    final int ctx;
    private long nextVa = 0x10_0000_0000L;

    CoreFixture() {
        this(KernelProfile.latest());
    }

    /** The same machine, its context behaving as kernel release {@code profile}. */
    CoreFixture(KernelProfile profile) {
        for (int sid = 1; sid <= 4; sid++) {
            iommu0.addDevice(sid);
        }
        iommu1.addDevice(1);
        platform = new SimplePlatform(List.of(iommu0, iommu1), mem);
        core = new IommufdCore(platform);
        ctx = core.open(IommufdAbi.UPSTREAM, profile);
    }

    /** Fresh mapped user memory of {@code length} bytes, with an unmapped guard page after it. */
    long buffer(long length) {
        long va = nextVa;
        mem.mmap(va, length);
        nextVa += length + PAGE;
        return va;
    }

    /** User memory holding {@code bytes}. */
    long put(byte[] bytes) {
        long va = buffer(Math.max(PAGE, (bytes.length + PAGE - 1) / PAGE * PAGE));
        mem.write(va, bytes);
        return va;
    }

    /** Little-endian u32 values as bytes. */
    static byte[] u32s(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    int ioas() {
        return core.ioasAlloc(ctx, Requests.ioasAlloc(0)).outIoasId();
    }

    int bind(int sid) {
        return core.bindDevice(ctx, 0, sid);
    }

    long mapFixed(int ioas, long va, long length, long iova) {
        return core.ioasMap(ctx, Requests.ioasMap(FIXED_RW, ioas, 0, va, length, iova)).iova();
    }

    long mapAnywhere(int ioas, long va, long length) {
        return core.ioasMap(ctx, Requests.ioasMap(RW, ioas, 0, va, length, 0)).iova();
    }

    long unmap(int ioas, long iova, long length) {
        return core.ioasUnmap(ctx, Requests.ioasUnmap(ioas, iova, length)).length();
    }

    int nestParent(int devId, int ioas) {
        return core.hwptAlloc(ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, devId, ioas)).outHwptId();
    }

    /** A nested HWPT from {@code pt} (a nest parent or a vIOMMU) with SELFTEST data {iotlb}. */
    int nested(int flags, int devId, int pt, int iotlb) {
        long uptr = put(u32s(iotlb));
        return core.hwptAlloc(ctx, Requests.hwptAlloc(flags, devId, pt, 0, MockIommu.HWPT_DATA_SELFTEST, 4,
            uptr, 0, 0)).outHwptId();
    }

    int viommu(int devId, int parent) {
        return core.viommuAlloc(ctx, Requests.viommuAlloc(0, MockIommu.VIOMMU_TYPE_SELFTEST, devId, parent,
            0, 0, 0)).outViommuId();
    }

    void destroy(int id) {
        core.destroy(ctx, Requests.destroy(id));
    }

    static IommufdException assertErrno(Errno errno, ThrowingCallable call) {
        IommufdException[] caught = new IommufdException[1];
        assertThatThrownBy(call).isInstanceOfSatisfying(IommufdException.class, e -> {
            assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno);
            caught[0] = e;
        });
        return caught[0];
    }
}
