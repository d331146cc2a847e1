package org.smmuref.smmu.platform;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.uapi.IommuHwptArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuHwptInvalidateArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.smmu.driver.SteWords;

/**
 * A VMM on a {@link SmmuPlatform}: one iommufd context, guest RAM mapped into one IOAS, and helpers for the nesting
 * ioctls with their user-memory arguments. Every step goes through the iommufd core, as a VMM's ioctls would.
 */
final class NestingBed {
    static final long GUEST_VA = 0x1_0000_0000L;
    static final long GUEST_IPA = 0x8000_0000L;
    static final long GUEST_SIZE = 16L << 20;
    static final long SCRATCH_VA = 0x7000_0000L;
    static final long SCRATCH_SIZE = 1L << 20;
    static final int ARM = IommufdConstants.IOMMU_VIOMMU_TYPE_ARM_SMMUV3;

    final SmmuPlatform platform;
    final IommufdCore iommufd;
    final int ctx;
    final GuestMemory guest;
    final int ioas;
    private long scratchNext;
    private KvmVmFile vmFile;

    NestingBed(SmmuPlatform platform) {
        this(platform, platform.newIommufd(), 0);
    }

    /** A VMM whose context is opened for the uAPI generation {@code abi}. */
    NestingBed(SmmuPlatform platform, IommufdAbi abi) {
        this(platform, platform.newIommufd(), 0, abi);
    }

    /**
     * A second VMM in the same process (another context of {@code iommufd}), its guest RAM and scratch memory
     * {@code slot} x 4 GiB further up.
     */
    NestingBed(SmmuPlatform platform, IommufdCore iommufd, int slot) {
        this(platform, iommufd, slot, IommufdAbi.UPSTREAM);
    }

    /** A VMM whose context behaves as kernel release {@code profile}. */
    NestingBed(SmmuPlatform platform, KernelProfile profile) {
        this(platform, platform.newIommufd(), 0, IommufdAbi.UPSTREAM, profile);
    }

    private NestingBed(SmmuPlatform platform, IommufdCore iommufd, int slot, IommufdAbi abi) {
        this(platform, iommufd, slot, abi, KernelProfile.latest());
    }

    private NestingBed(SmmuPlatform platform, IommufdCore iommufd, int slot, IommufdAbi abi, KernelProfile profile) {
        this.platform = platform;
        this.iommufd = iommufd;
        this.ctx = iommufd.open(abi, profile);
        long shift = (long) slot << 32;
        this.guest = platform.guestMemory(GUEST_VA + shift, GUEST_IPA, GUEST_SIZE);
        this.scratchNext = SCRATCH_VA + shift;
        platform.vmmMemory().mmap(scratchNext, SCRATCH_SIZE);
        this.ioas = iommufd.ioasAlloc(ctx, Requests.ioasAlloc(0)).outIoasId();
        iommufd.ioasMap(ctx, Requests.ioasMap(IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA
            | IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE, ioas, 0,
            guest.vaBase(), GUEST_SIZE, GUEST_IPA));
    }

    /**
     * Ties the context to a new VM of the machine (KVM_CREATE_VM, then KVM_DEV_VFIO_FILE_ADD): what a VMM does before
     * it creates a vIOMMU on a BTM SMMU, where an untied nesting context is EINVAL.
     */
    NestingBed tie() {
        vmFile = platform.createVm();
        iommufd.associateKvm(ctx, vmFile);
        return this;
    }

    /** The VM file of {@link #tie()}. */
    KvmVmFile vmFile() {
        return vmFile;
    }

    int bind(int streamId) {
        return iommufd.bindDevice(ctx, 0, streamId);
    }

    int nestParent(int dev) {
        return iommufd.hwptAlloc(ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, dev, ioas))
            .outHwptId();
    }

    int viommu(int dev, int parent) {
        return iommufd.viommuAlloc(ctx, Requests.viommuAlloc(0, ARM, dev, parent, 0, 0, 0)).outViommuId();
    }

    int vdevice(int viommu, int dev, long vsid) {
        return iommufd.vdeviceAlloc(ctx, Requests.vdeviceAlloc(viommu, dev, vsid)).outVdeviceId();
    }

    IommuVeventqAlloc veventq(int viommu, int depth) {
        return iommufd.veventqAlloc(ctx, Requests.veventqAlloc(0, viommu, ARM, depth, 0));
    }

    /** HWPT_ALLOC of a nested HWPT on {@code viommu} with the vSTE {@code ste0, ste1}. */
    int nested(int dev, int viommu, long ste0, long ste1) {
        long uptr = put(le(ste0, ste1));
        return iommufd.hwptAlloc(ctx, Requests.hwptAlloc(0, dev, viommu, 0,
            IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3, 16, uptr, 0, 0)).outHwptId();
    }

    /** HWPT_ALLOC of a v1-ABI nested HWPT on the nest-parent HWPT {@code parent} with the 48-byte v1 data. */
    int nestedV1(int dev, int parent, IommuHwptArmSmmuv3V1 data) {
        long uptr = put(data.encode());
        return iommufd.hwptAlloc(ctx, Requests.hwptAlloc(0, dev, parent, 0,
            IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3, IommuHwptArmSmmuv3V1.SIZE, uptr, 0, 0)).outHwptId();
    }

    /** HWPT_INVALIDATE on {@code hwpt} with 40-byte v1 entries (data type 2); returns entry_num. */
    int invalidateV1(int hwpt, IommuHwptInvalidateArmSmmuv3V1... entries) {
        byte[] all = new byte[Math.max(1, entries.length) * IommuHwptInvalidateArmSmmuv3V1.SIZE];
        for (int i = 0; i < entries.length; i++) {
            byte[] e = entries[i].encode();
            System.arraycopy(e, 0, all, i * IommuHwptInvalidateArmSmmuv3V1.SIZE, e.length);
        }
        return iommufd.hwptInvalidate(ctx, Requests.hwptInvalidate(hwpt, put(all),
            IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3, IommuHwptInvalidateArmSmmuv3V1.SIZE, entries.length, 0))
            .entryNum();
    }

    /** HWPT_INVALIDATE on {@code viommu} with raw 16-byte commands; returns entry_num. */
    int invalidate(int viommu, long[]... commands) {
        long[] words = new long[commands.length * 2];
        for (int i = 0; i < commands.length; i++) {
            words[2 * i] = commands[i][0];
            words[2 * i + 1] = commands[i][1];
        }
        long uptr = commands.length == 0 ? put(new byte[16]) : put(le(words));
        return iommufd.hwptInvalidate(ctx, Requests.hwptInvalidate(viommu, uptr,
            IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, 16, commands.length, 0)).entryNum();
    }

    /** A stage-1 vSTE for a linear CD table of one CD at {@code cdIpa}. */
    static long[] s1Vste(long cdIpa) {
        long[] ste = new long[8];
        ste[0] = 1 | (long) SteWords.CFG_S1_TRANS << 1 | cdIpa;
        ste[1] = SteWords.S1C_CACHE_WBRA << 2 | SteWords.S1C_CACHE_WBRA << 4 | (long) SteWords.SH_ISH << 6;
        return ste;
    }

    /** Copies bytes into fresh scratch user memory and returns their VA. */
    long put(byte[] bytes) {
        long va = scratchNext;
        scratchNext += (bytes.length + 15) & ~15L;
        platform.vmmMemory().write(va, bytes);
        return va;
    }

    static byte[] le(long... words) {
        ByteBuffer b = ByteBuffer.allocate(words.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            b.putLong(w);
        }
        return b.array();
    }

    static long[] longs(byte[] bytes, int offset, int count) {
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, count * 8).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = b.getLong();
        }
        return out;
    }
}
