package org.smmuref.iommufd.core;


import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.spi.HwInfo;
import org.smmuref.iommufd.spi.IommuDevice;
import org.smmuref.iommufd.spi.IommuDomain;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.spi.KvmReference;
import org.smmuref.iommufd.spi.NestedDomain;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.spi.UserData;
import org.smmuref.iommufd.spi.UserDataArray;
import org.smmuref.iommufd.spi.ViommuDriver;
import org.smmuref.iommufd.spi.ViommuHost;
import org.smmuref.iommufd.uapi.Errno;

/**
 * A test IOMMU driver in the spirit of the kernel selftest's mock (drivers/iommu/iommufd/selftest.c): paging
 * domains that record their page mappings, nested domains with a 4-entry IOTLB, a vIOMMU with per-device caches,
 * and a trigger for vEVENTs. Its constants are the selftest's.
 */
final class MockIommu implements IommuInstance {
    static final int HWPT_DATA_SELFTEST = 0xdead;
    static final int IOTLB_DEFAULT = 0xbadbeef;
    static final int DEV_CACHE_DEFAULT = 0xbaddad;
    static final int IOTLB_ID_MAX = 3;
    static final int DEV_CACHE_ID_MAX = 3;
    static final int VIOMMU_TYPE_SELFTEST = 0xdeadbeef;
    static final int VEVENTQ_TYPE_SELFTEST = 0xbeefbeef;
    static final int INVALIDATE_DATA_SELFTEST = 0xdeadbeef;
    static final int INVALIDATE_FLAG_ALL = 1;
    static final int HW_INFO_TYPE_SELFTEST = 0xfeedbeef;
    static final int HW_INFO_REGVAL = 0xdeadbeef;
    static final IovaRange APERTURE = new IovaRange(1L << 24, (1L << 31) - 1);
    static final int PAGE = 4096;
    /** Sizes of the selftest's driver structs. */
    static final int NESTED_DATA_SIZE = 4;
    static final int HWPT_INV_ENTRY_SIZE = 8;
    static final int VIOMMU_INV_ENTRY_SIZE = 12;

    private final int id;
    private final Map<Integer, Device> devices = new TreeMap<>();
    final List<Paging> pagingDomains = new ArrayList<>();
    final List<Nested> nestedDomains = new ArrayList<>();
    final List<Viommu> viommus = new ArrayList<>();
    /** Fails the next paging map call of any of this mock's domains. */
    final OneShotFailure failNextMap = new OneShotFailure("map");
    /** Fails the next paging or nested domain allocation (the driver's allocation running out of memory). */
    final OneShotFailure failNextDomainAlloc = new OneShotFailure("domain allocation");
    /** Whether the mock offers the v1-ABI nested entry (data type 2, the same u32 IOTLB value as its selftest data). */
    boolean offersV1;
    /** The KVM VM passed to each v1-ABI allocation, in order. */
    final List<OptionalInt> v1Calls = new ArrayList<>();

    MockIommu(int id) {
        this.id = id;
    }

    /** Adds a device behind this mock with the given StreamID. */
    Device addDevice(int streamId, DeviceCapabilities caps, List<IovaRange> reserved) {
        Device d = new Device(streamId, caps, reserved);
        devices.put(streamId, d);
        return d;
    }

    Device addDevice(int streamId) {
        return addDevice(streamId, DeviceCapabilities.NONE, List.of());
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String driverName() {
        return "mock";
    }

    @Override
    public Optional<IommuDevice> device(int streamId) {
        return Optional.ofNullable(devices.get(streamId));
    }

    @Override
    public PagingDomain allocPagingDomain(IommuDevice device, int flags, UserData data) {
        if (data != null) {
            throw new IommufdException(Errno.EOPNOTSUPP, "mock paging domains take no data");
        }
        failNextDomainAlloc.fireIfArmed();
        Paging p = new Paging(flags);
        pagingDomains.add(p);
        return p;
    }

    @Override
    public boolean supportsDomainAllocNested() {
        return true;
    }

    @Override
    public NestedDomain allocDomainNested(PagingDomain parent, IommuDevice device, int flags, UserData data) {
        return newNested((Paging) parent, null, flags, data);
    }

    @Override
    public boolean supportsDomainAllocNestedV1() {
        return offersV1;
    }

    @Override
    public NestedDomain allocDomainNestedV1(PagingDomain parent, IommuDevice device, int flags, UserData data,
                                            Optional<KvmReference> kvm) {
        v1Calls.add(kvm.map(r -> OptionalInt.of(r.vmNumber())).orElse(OptionalInt.empty()));
        if (flags != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "mock v1 nested domains take no flags");
        }
        int iotlb = le(data.copyStruct(org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3,
            NESTED_DATA_SIZE, NESTED_DATA_SIZE), 0);
        failNextDomainAlloc.fireIfArmed();
        Nested n = new Nested((Paging) parent, null, iotlb);
        nestedDomains.add(n);
        return n;
    }

    private Nested newNested(Paging parent, Viommu viommu, int flags, UserData data) {
        if ((flags & ~org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_PASID) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "mock nested domains take no flags but PASID");
        }
        if (data.type() != HWPT_DATA_SELFTEST) {
            throw new IommufdException(Errno.EOPNOTSUPP, "mock nested data must be of type SELFTEST");
        }
        int iotlb = le(data.copyStruct(HWPT_DATA_SELFTEST, NESTED_DATA_SIZE, NESTED_DATA_SIZE), 0);
        failNextDomainAlloc.fireIfArmed();
        Nested n = new Nested(parent, viommu, iotlb);
        nestedDomains.add(n);
        return n;
    }

    @Override
    public boolean supportsViommu(IommuDevice device, int type) {
        return type == VIOMMU_TYPE_SELFTEST;
    }

    @Override
    public ViommuDriver initViommu(ViommuHost host, PagingDomain parent, IommuDevice device, UserData data) {
        Viommu v = new Viommu(host, (Paging) parent);
        viommus.add(v);
        return v;
    }

    /** Devices behind this mock, in StreamID order. */
    List<Device> devices() {
        return List.copyOf(devices.values());
    }

    static int le(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    // ------------------------------------------------------------------ fault injection

    /**
     * A driver failure armed by a test: the next call at its point fails with the armed errno (after the driver's
     * own argument checks, before it changes anything), then the failure disarms itself.
     */
    static final class OneShotFailure {
        private final String point;
        private Errno armed;

        OneShotFailure(String point) {
            this.point = point;
        }

        void arm(Errno errno) {
            armed = errno;
        }

        void fireIfArmed() {
            if (armed != null) {
                Errno e = armed;
                armed = null;
                throw new IommufdException(e, "injected " + point + " failure");
            }
        }
    }

    // ------------------------------------------------------------------ devices

    /** A mock device: records its current domain and has a 4-entry device cache (for vIOMMU invalidation). */
    final class Device implements IommuDevice {
        final int streamId;
        final DeviceCapabilities caps;
        final List<IovaRange> reserved;
        final int[] cache = {DEV_CACHE_DEFAULT, DEV_CACHE_DEFAULT, DEV_CACHE_DEFAULT, DEV_CACHE_DEFAULT};
        IommuDomain domain;
        boolean blocked;
        /** Fails the next attach of this device. */
        final OneShotFailure failNextAttach = new OneShotFailure("attach");
        boolean hasHwInfo = true;

        Device(int streamId, DeviceCapabilities caps, List<IovaRange> reserved) {
            this.streamId = streamId;
            this.caps = caps;
            this.reserved = reserved;
        }

        @Override
        public IommuInstance instance() {
            return MockIommu.this;
        }

        @Override
        public int streamId() {
            return streamId;
        }

        @Override
        public DeviceCapabilities capabilities() {
            return caps;
        }

        @Override
        public Optional<HwInfo> hwInfo(int requestedType) {
            if (!hasHwInfo) {
                return Optional.empty();
            }
            if (requestedType != 0 && requestedType != HW_INFO_TYPE_SELFTEST) {
                throw new IommufdException(Errno.EOPNOTSUPP, "mock reports only SELFTEST info");
            }
            byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(HW_INFO_REGVAL)
                .array();
            return Optional.of(new HwInfo(HW_INFO_TYPE_SELFTEST, data));
        }

        @Override
        public List<IovaRange> reservedRegions() {
            return reserved;
        }

        @Override
        public void attach(IommuDomain newDomain) {
            if (newDomain.owner() != MockIommu.this) {
                throw new IommufdException(Errno.EINVAL, "domain of another instance");
            }
            if (newDomain instanceof Nested n && n.viommu != null && n.viommu.host.virtIdOf(this).isEmpty()) {
                throw new IommufdException(Errno.ENOENT, "no vDEVICE for this device on the nested domain's vIOMMU");
            }
            if (newDomain instanceof Paging p && p.freed || newDomain instanceof Nested n && n.freed) {
                throw new IllegalStateException("attach to a freed domain");
            }
            failNextAttach.fireIfArmed();
            domain = newDomain;
            blocked = false;
        }

        @Override
        public void block() {
            domain = null;
            blocked = true;
        }

        /** The domain at each attached PASID, as the driver's per-SSID table would hold it. */
        final java.util.Map<Integer, IommuDomain> pasidDomains = new java.util.TreeMap<>();
        /** When false the mock is a driver without {@code set_dev_pasid}: the SPI default answers EOPNOTSUPP. */
        boolean supportsPasid = true;

        @Override
        public void attachPasid(int pasid, IommuDomain newDomain) {
            if (!supportsPasid) {
                IommuDevice.super.attachPasid(pasid, newDomain);
            }
            if (newDomain.owner() != MockIommu.this) {
                throw new IommufdException(Errno.EINVAL, "domain of another instance");
            }
            failNextAttach.fireIfArmed();
            pasidDomains.put(pasid, newDomain);
        }

        @Override
        public void blockPasid(int pasid) {
            if (pasidDomains.remove(pasid) == null) {
                throw new IllegalStateException("blockPasid of PASID " + pasid + " that the core never attached");
            }
        }

        /** Every page response the core gave this device: {pasid, grpid, code}. */
        final List<int[]> pageResponses = new ArrayList<>();

        @Override
        public void pageResponse(int pasid, int grpid, int code) {
            pageResponses.add(new int[] {pasid, grpid, code});
        }

        /** The selftest's TRIGGER_VEVENT: reports {virt_id} through the vIOMMU of the attached nested domain. */
        void triggerEvent() {
            if (!(domain instanceof Nested n) || n.viommu == null) {
                throw new IllegalStateException("device is not attached to a vIOMMU's nested domain");
            }
            // The vDEVICE may have been destroyed while the device stayed attached: nothing to report under.
            long virtId = n.viommu.host.virtIdOf(this).orElseThrow(
                () -> new IllegalStateException("device has no vDEVICE on the vIOMMU of its nested domain"));
            byte[] data = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) virtId).array();
            n.viommu.host.reportEvent(VEVENTQ_TYPE_SELFTEST, data);
        }
    }

    // ------------------------------------------------------------------ domains

    /**
     * A mock paging domain: IOVA page -> (page address, prot); checks the core never double maps or over-unmaps.
     * Allocated with DIRTY_TRACKING it has dirty ops, like the selftest's mock domain: a dirty bit per mapped page,
     * set by {@link #dmaWrite} (the selftest's IOMMU_TEST_OP_DIRTY) while tracking is on.
     */
    final class Paging implements PagingDomain {
        final int flags;
        final TreeMap<Long, long[]> pages = new TreeMap<>(Long::compareUnsigned);
        final java.util.TreeSet<Long> dirty = new java.util.TreeSet<>(Long::compareUnsigned);
        boolean dirtyTracking;
        /** Every readAndClearDirty call: {iova, length, flags, recording ? 1 : 0}. */
        final List<long[]> dirtyReads = new ArrayList<>();
        int mapCalls;
        boolean freed;

        Paging(int flags) {
            this.flags = flags;
        }

        @Override
        public IommuInstance owner() {
            return MockIommu.this;
        }

        @Override
        public void free() {
            if (freed) {
                throw new IllegalStateException("domain freed twice");
            }
            if (!pages.isEmpty()) {
                throw new IllegalStateException("domain freed with " + pages.size() + " pages still mapped");
            }
            freed = true;
        }

        @Override
        public IovaRange aperture() {
            return APERTURE;
        }

        @Override
        public long pageSizeBitmap() {
            return PAGE | (1L << 21);
        }

        @Override
        public void map(long iova, long pageAddress, long length, int prot) {
            if (freed) {
                throw new IllegalStateException("map on a freed domain");
            }
            if (!APERTURE.contains(IovaRange.ofLength(iova, length)) || ((iova | length | pageAddress) % PAGE) != 0) {
                throw new IllegalStateException("bad map " + Long.toHexString(iova) + "+" + length);
            }
            failNextMap.fireIfArmed();
            mapCalls++;
            for (long off = 0; off < length; off += PAGE) {
                if (pages.put(iova + off, new long[] {pageAddress + off, prot}) != null) {
                    throw new IllegalStateException("IOVA 0x" + Long.toHexString(iova + off) + " mapped twice");
                }
            }
        }

        @Override
        public boolean supportsDirtyTracking() {
            return (flags & org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0;
        }

        @Override
        public void setDirtyTracking(boolean enable) {
            if (!supportsDirtyTracking()) {
                throw new IllegalStateException("set_dirty_tracking on a domain without dirty ops");
            }
            dirtyTracking = enable;
        }

        @Override
        public void readAndClearDirty(long iova, long length, int readFlags,
                                      org.smmuref.iommufd.spi.DirtyBitmap bitmap) {
            if (!supportsDirtyTracking()) {
                throw new IllegalStateException("read_and_clear_dirty on a domain without dirty ops");
            }
            dirtyReads.add(new long[] {iova, length, readFlags, bitmap.recording() ? 1 : 0});
            // mock_domain_read_and_clear_dirty: reading into a bitmap needs tracking on
            if (!dirtyTracking && bitmap.recording()) {
                throw new IommufdException(Errno.EINVAL, "dirty tracking is off");
            }
            for (long page = iova & -PAGE; Long.compareUnsigned(page, iova + length - 1) <= 0; page += PAGE) {
                if (dirty.contains(page)) {
                    if ((readFlags & DIRTY_NO_CLEAR) == 0) {
                        dirty.remove(page);
                    }
                    bitmap.record(page, PAGE);
                }
            }
        }

        /** A device's DMA write to {@code [iova, +length)}: marks the mapped pages dirty while tracking is on. */
        void dmaWrite(long iova, long length) {
            if (!dirtyTracking) {
                return;
            }
            for (long page = iova & -PAGE; Long.compareUnsigned(page, iova + length - 1) <= 0; page += PAGE) {
                if (pages.containsKey(page)) {
                    dirty.add(page);
                }
            }
        }

        @Override
        public void unmap(long iova, long length) {
            for (long off = 0; off < length; off += PAGE) {
                dirty.remove(iova + off);
                if (pages.remove(iova + off) == null) {
                    throw new IllegalStateException("unmap of unmapped IOVA 0x" + Long.toHexString(iova + off));
                }
            }
        }
    }

    /** A mock nested domain with the selftest's 4-entry IOTLB. */
    final class Nested implements NestedDomain {
        final Paging parent;
        final Viommu viommu;
        final int[] iotlb = new int[IOTLB_ID_MAX + 1];
        boolean freed;

        Nested(Paging parent, Viommu viommu, int iotlbValue) {
            this.parent = parent;
            this.viommu = viommu;
            java.util.Arrays.fill(iotlb, iotlbValue);
        }

        @Override
        public IommuInstance owner() {
            return MockIommu.this;
        }

        @Override
        public void free() {
            if (freed) {
                throw new IllegalStateException("nested domain freed twice");
            }
            freed = true;
        }

        @Override
        public boolean supportsCacheInvalidateUser() {
            return true;
        }

        @Override
        public void cacheInvalidateUser(UserDataArray entries) {
            int done = 0;
            try {
                if (entries.type() != INVALIDATE_DATA_SELFTEST) {
                    throw new IommufdException(Errno.EINVAL, "not SELFTEST invalidation data");
                }
                for (int i = 0; i < entries.requestedEntries(); i++) {
                    byte[] e = entries.copyEntry(INVALIDATE_DATA_SELFTEST, i, HWPT_INV_ENTRY_SIZE,
                        HWPT_INV_ENTRY_SIZE);
                    int flags = le(e, 0);
                    int iotlbId = le(e, 4);
                    if ((flags & ~INVALIDATE_FLAG_ALL) != 0) {
                        throw new IommufdException(Errno.EOPNOTSUPP, "unknown invalidation flags");
                    }
                    if (Integer.compareUnsigned(iotlbId, IOTLB_ID_MAX) > 0) {
                        throw new IommufdException(Errno.EINVAL, "iotlb_id out of range");
                    }
                    if ((flags & INVALIDATE_FLAG_ALL) != 0) {
                        java.util.Arrays.fill(iotlb, 0);
                    } else {
                        iotlb[iotlbId] = 0;
                    }
                    done++;
                }
            } finally {
                entries.setEntryNum(done);
            }
        }
    }

    // ------------------------------------------------------------------ vIOMMU

    /** A mock vIOMMU: nested domains, device cache invalidation by vdev_id, vDEVICE hooks. */
    final class Viommu implements ViommuDriver {
        final ViommuHost host;
        final Paging parent;
        final Map<Long, IommuDevice> vdevs = new HashMap<>();
        boolean destroyed;

        Viommu(ViommuHost host, Paging parent) {
            this.host = host;
            this.parent = parent;
        }

        OptionalInt kvm() {
            return host.kvm().map(r -> OptionalInt.of(r.vmNumber())).orElse(OptionalInt.empty());
        }

        @Override
        public boolean supportsAllocDomainNested() {
            return true;
        }

        @Override
        public NestedDomain allocDomainNested(IommuDevice device, int flags, UserData data) {
            return newNested(parent, this, flags, data);
        }

        @Override
        public boolean supportsCacheInvalidate() {
            return true;
        }

        @Override
        public void cacheInvalidate(UserDataArray entries) {
            int done = 0;
            try {
                if (entries.type() != INVALIDATE_DATA_SELFTEST) {
                    throw new IommufdException(Errno.EINVAL, "not SELFTEST invalidation data");
                }
                if (entries.requestedEntries() == 0) {
                    return;
                }
                byte[][] all = entries.copyFullArray(INVALIDATE_DATA_SELFTEST, VIOMMU_INV_ENTRY_SIZE);
                for (byte[] e : all) {
                    int flags = le(e, 0);
                    long vdevId = Integer.toUnsignedLong(le(e, 4));
                    int cacheId = le(e, 8);
                    if ((flags & ~INVALIDATE_FLAG_ALL) != 0) {
                        throw new IommufdException(Errno.EOPNOTSUPP, "unknown invalidation flags");
                    }
                    if (Integer.compareUnsigned(cacheId, DEV_CACHE_ID_MAX) > 0) {
                        throw new IommufdException(Errno.EINVAL, "cache_id out of range");
                    }
                    Device dev = (Device) host.deviceOf(vdevId).orElseThrow(() -> new IommufdException(Errno.EINVAL,
                        "no vDEVICE with id " + vdevId));
                    if ((flags & INVALIDATE_FLAG_ALL) != 0) {
                        java.util.Arrays.fill(dev.cache, 0);
                    } else {
                        dev.cache[cacheId] = 0;
                    }
                    done++;
                }
            } finally {
                entries.setEntryNum(done);
            }
        }

        @Override
        public void vdeviceInit(IommuDevice device, long virtId) {
            vdevs.put(virtId, device);
        }

        @Override
        public void vdeviceDestroy(IommuDevice device, long virtId) {
            if (vdevs.remove(virtId) != device) {
                throw new IllegalStateException("vdeviceDestroy without vdeviceInit");
            }
        }

        @Override
        public void destroy() {
            if (destroyed || !vdevs.isEmpty()) {
                throw new IllegalStateException("vIOMMU destroyed twice or with vDEVICEs left");
            }
            destroyed = true;
        }
    }
}
