package org.smmuref.smmu.platform;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.Vcpu;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.policy.SmmuVmids;
import org.smmuref.kvm.policy.UnsafeUnpinnedKvmVmid;
import org.smmuref.kvm.policy.VmidPolicy;
import org.smmuref.kvm.policy.VmidPolicyChooser;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.kvm.policy.VmidRequest;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.CdWords;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.driver.SteWords;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.DmaOutcome;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * Two VMMs, each with its VM and two IOASes (each IOAS over its own guest RAM at the same IPAs), four devices behind
 * one SMMU with 8-bit VMIDs and BTM, and KVM with 55 usable VMIDs so that rollovers come often. Operations move
 * devices between VMMs, IOASes and vSTE kinds, change guest stage 1 and host stage 2, write guest memory, run and
 * churn vCPUs, and do DMA; {@link #check()} probes every device at every page through the hardware model and compares
 * each translation with an independent map (kept here, never read from the driver or the SMMU) of which page each
 * device may reach.
 *
 * <p>Shared by {@link VmidIsolationEndToEndPropertyTest} (QuickTheories) and {@link ArmIsolationFuzzTest} (Jazzer).
 */
final class IsolationWorld {
    static final String ISOLATION = "ISOLATION: ";
    static final int[] SIDS = {0x8, 0x9, 0xa, 0xb};
    static final int VMMS = 2;
    static final int IOASES = 2;
    static final int CPUS = 2;
    static final int VA_PAGES = 4;
    static final int DATA_PAGES = 6;
    static final int ASID = 1;
    static final long PAGE = 0x1000;
    static final long VA = 0x4000_0000L;
    static final long IPA = 0x8000_0000L;
    static final long CD_IPA = IPA;
    static final long TABLES_IPA = IPA + PAGE;
    /** The CD page, then 15 pages for the guest's stage-1 tables (a 4-level walk needs 4), then the data pages. */
    static final long DATA_IPA = IPA + 16 * PAGE;
    static final long IMAGE_SIZE = DATA_IPA - IPA + DATA_PAGES * PAGE;

    /** How a device is attached. */
    enum Kind {
        /** Nested, the guest's stage 1 (CD at CD_IPA, ASID 1). */
        S1,
        /** Nested, stage 1 bypassed by the guest: IPA through the parent's stage 2. */
        BYPASS,
        /** Nested, the guest aborts the device. */
        ABORT,
        /** Directly on the nest parent (the fallback when a vIOMMU is refused). */
        DIRECT,
        /** Nested with a vSTE the fuzzer chose; only the isolation bound is known. */
        RAW
    }

    /** The unsafe policies the negative controls run instead of KvmPinned. */
    enum Policy {
        SAFE, UNPINNED_KVM_VMID, ONE_VMID_OVER_TWO_TABLES, UPSTREAM, NO_BTM
    }

    /** One guest RAM image: its stage-1 tables and the oracle's view of it. */
    final class Image {
        final int vmm;
        final int ioasIndex;
        final GuestMemory ram;
        final PageTableBuilder s1;
        /** VA page to data page, as the guest mapped it. */
        final Map<Integer, Integer> s1Map = new HashMap<>();
        final boolean[] s2Mapped = new boolean[DATA_PAGES];
        final long[] version = new long[DATA_PAGES];

        Image(int vmm, int ioasIndex) {
            this.vmm = vmm;
            this.ioasIndex = ioasIndex;
            ram = platform.guestMemory(0x20_0000_0000L + ((long) (vmm * IOASES + ioasIndex) << 32), IPA, IMAGE_SIZE);
            s1 = PageTableBuilder.stage1(ram.tableMemory(), new PageAllocator(TABLES_IPA, DATA_IPA - TABLES_IPA),
                Granule.G4K, 48, 48);
            ram.writeLongs(CD_IPA, CdWords.s1(ASID, s1.ttb(), s1.tsz(), Granule.G4K, 5, 0xFF));
            for (int p = 0; p < DATA_PAGES; p++) {
                write(p);
            }
        }

        void write(int page) {
            version[page]++;
            ram.write(DATA_IPA + page * PAGE, contents(page));
        }

        byte[] contents(int page) {
            return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(vmm).putInt(ioasIndex).putInt(page)
                .putInt((int) version[page]).array();
        }

        long pa(long ipa) {
            return ram.pa(ipa);
        }
    }

    /** One VMM: its context, VM, vCPU, IOASes and their nest parents and vIOMMUs. */
    final class Vmm {
        final int index;
        final int ctx;
        final KvmVmFile file;
        final Vm vm;
        final Vcpu vcpu;
        final Image[] images = new Image[IOASES];
        final int[] ioas = new int[IOASES];
        final Integer[] parent = new Integer[IOASES];
        final Integer[] viommu = new Integer[IOASES];
        final Integer[] veventqFd = new Integer[IOASES];
        final Set<Long> vsids = new HashSet<>();
        long scratch;
        final long scratchBase;

        Vmm(int index) {
            this.index = index;
            ctx = iommufd.open();
            file = platform.createVm();
            vm = platform.vm(file);
            vcpu = vm.createVcpu();
            iommufd.associateKvm(ctx, file);
            scratchBase = 0x30_0000_0000L + ((long) index << 32);
            scratch = scratchBase;
            platform.vmmMemory().mmap(scratchBase, 1 << 20);
            for (int i = 0; i < IOASES; i++) {
                images[i] = new Image(index, i);
                ioas[i] = iommufd.ioasAlloc(ctx, Requests.ioasAlloc(0)).outIoasId();
                map(i, IPA, DATA_IPA - IPA);
                for (int p = 0; p < DATA_PAGES; p++) {
                    map(i, DATA_IPA + p * PAGE, PAGE);
                    images[i].s2Mapped[p] = true;
                }
            }
        }

        void map(int i, long ipa, long length) {
            iommufd.ioasMap(ctx, Requests.ioasMap(IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA
                | IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE, ioas[i], 0,
                images[i].ram.va(ipa), length, ipa));
        }

        long put(byte[] bytes) {
            if (scratch + bytes.length > scratchBase + (1 << 20)) {
                scratch = scratchBase;
            }
            long va = scratch;
            scratch += (bytes.length + 15) & ~15L;
            platform.vmmMemory().write(va, bytes);
            return va;
        }
    }

    /** One device: where it is bound and attached. */
    static final class Dev {
        final int sid;
        int vmm = -1;
        int ioasIndex;
        int devId;
        Kind kind;
        boolean attached;
        Integer hwpt;

        Dev(int sid) {
            this.sid = sid;
        }
    }

    final SmmuPlatform platform;
    final IommufdCore iommufd;
    final Policy policy;
    final List<Vmm> vmms = new ArrayList<>();
    final List<Dev> devs = new ArrayList<>();
    int step;
    Object current;
    /** Second vIOMMUs the driver refused (the BTM one-table rule), counted for the tests' reports. */
    int refusedViommus;
    long dmaReads;
    long eventsRead;
    int rawVstesAccepted;
    int guestCommandsAccepted;

    IsolationWorld(Policy policy) {
        this.policy = policy;
        SmmuFeatures smmu = SmmuFeatures.reference().vmid16(false).build();
        List<MasterSpec> masters = new ArrayList<>();
        for (int sid : SIDS) {
            masters.add(new MasterSpec(sid, false));
        }
        VmidPolicyConfig config = switch (policy) {
            case UPSTREAM -> VmidPolicyConfig.UPSTREAM;
            case NO_BTM -> new VmidPolicyConfig(VmidPolicyConfig.Mode.FORCE_PRIVATE);
            default -> VmidPolicyConfig.DEFAULT;
        };
        PlatformConfig pc = new PlatformConfig(List.of(new PlatformConfig.RamRange(0x4000_0000L, 512L << 20)),
            List.of(new PlatformConfig.SmmuConfig(smmu, masters, ArmSmmuV3Options.DEFAULT)),
            Optional.of(new KvmConfig(8, CPUS, true, false, 200)), config);
        UnaryOperator<VmidPolicyChooser> hook = switch (policy) {
            case UNPINNED_KVM_VMID -> c -> c.withVmPolicy((kvm, s) -> new UnsafeUnpinnedKvmVmid(kvm));
            case ONE_VMID_OVER_TWO_TABLES -> c -> c.withVmPolicy((kvm, s) -> withoutTableCheck(s));
            default -> UnaryOperator.identity();
        };
        platform = new SmmuPlatform(pc, hook);
        iommufd = platform.newIommufd();
        for (int v = 0; v < VMMS; v++) {
            Vmm vmm = new Vmm(v);
            vmms.add(vmm);
            run(v, v % CPUS);
            for (int i = 0; i < IOASES; i++) {
                guestMap(v, i, 0, i);
            }
        }
        for (int sid : SIDS) {
            devs.add(new Dev(sid));
        }
    }

    /** KvmPinned as it was before the one-table rule: the request's stage-2 table is not passed on. */
    private static VmidPolicy withoutTableCheck(SmmuVmids safe) {
        VmidPolicy pinned = safe.kvmPinned().orElseThrow();
        return r -> pinned.acquire(new VmidRequest(r.vm(), r.userOverride(), OptionalLong.empty(), r.nesting()));
    }

    boolean btm() {
        return platform.driver(0).vmids().btmEnabled();
    }

    // ------------------------------------------------------------------ operations

    /** Binds {@code dev} to VMM {@code vmm} afresh and attaches it to IOAS {@code ioasIndex} as {@code kind}. */
    void attach(int devIndex, int vmmIndex, int ioasIndex, Kind kind, long rawSte0, long rawSte1) {
        Dev d = devs.get(devIndex);
        detach(devIndex);
        Vmm v = vmms.get(vmmIndex);
        d.vmm = vmmIndex;
        d.ioasIndex = ioasIndex;
        d.devId = iommufd.bindDevice(v.ctx, 0, d.sid);
        if (v.parent[ioasIndex] == null) {
            v.parent[ioasIndex] = iommufd.hwptAlloc(v.ctx, Requests.hwptAlloc(
                IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, d.devId, v.ioas[ioasIndex])).outHwptId();
        }
        if (kind != Kind.DIRECT && v.viommu[ioasIndex] == null) {
            try {
                v.viommu[ioasIndex] = iommufd.viommuAlloc(v.ctx, Requests.viommuAlloc(0,
                    IommufdConstants.IOMMU_VIOMMU_TYPE_ARM_SMMUV3, d.devId, v.parent[ioasIndex], 0, 0, 0))
                    .outViommuId();
            } catch (IommufdException e) {
                require(btm() && e.errno() == org.smmuref.iommufd.uapi.Errno.EBUSY, () ->
                    "vIOMMU refused unexpectedly: " + e.getMessage());
                refusedViommus++;
                kind = Kind.DIRECT;
            }
        }
        if (kind == Kind.DIRECT) {
            iommufd.attachDevice(v.ctx, d.devId, v.parent[ioasIndex]);
        } else {
            long vsid = 0x100L + d.sid + 0x10L * ioasIndex;
            iommufd.vdeviceAlloc(v.ctx, Requests.vdeviceAlloc(v.viommu[ioasIndex], d.devId, vsid));
            v.vsids.add(vsid);
            long[] ste = switch (kind) {
                case S1 -> NestingBed.s1Vste(CD_IPA);
                case BYPASS -> new long[] {1 | (long) SteWords.CFG_BYPASS << 1, 0};
                case ABORT -> new long[] {1 | (long) SteWords.CFG_ABORT << 1, 0};
                default -> new long[] {rawSte0, rawSte1};
            };
            try {
                d.hwpt = iommufd.hwptAlloc(v.ctx, Requests.hwptAlloc(0, d.devId, v.viommu[ioasIndex], 0,
                    IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3, 16, v.put(NestingBed.le(ste[0], ste[1])), 0, 0))
                    .outHwptId();
            } catch (IommufdException e) {
                require(kind == Kind.RAW, () -> "nested HWPT refused: " + e.getMessage());
                d.kind = kind;
                return;
            }
            iommufd.attachDevice(v.ctx, d.devId, d.hwpt);
            if (kind == Kind.RAW) {
                rawVstesAccepted++;
            }
        }
        d.kind = kind;
        d.attached = true;
    }

    /** Unbinds the device (its vDEVICE goes with it) and destroys its nested HWPT. */
    void detach(int devIndex) {
        Dev d = devs.get(devIndex);
        if (d.vmm < 0) {
            return;
        }
        Vmm v = vmms.get(d.vmm);
        iommufd.unbindDevice(v.ctx, d.devId);
        if (d.hwpt != null) {
            iommufd.destroy(v.ctx, Requests.destroy(d.hwpt));
        }
        d.vmm = -1;
        d.hwpt = null;
        d.attached = false;
    }

    void guestMap(int vmmIndex, int ioasIndex, int vaPage, int dataPage) {
        Image img = vmms.get(vmmIndex).images[ioasIndex];
        if (img.s1Map.containsKey(vaPage)) {
            return;
        }
        img.s1.map(VA + vaPage * PAGE, DATA_IPA + dataPage * PAGE, PAGE, Prot.of("rwun"));
        img.s1Map.put(vaPage, dataPage);
    }

    /** The guest unmaps a page and invalidates it: its own broadcast TLBI under BTM, else through its vIOMMU. */
    void guestUnmap(int vmmIndex, int ioasIndex, int vaPage) {
        Vmm v = vmms.get(vmmIndex);
        Image img = v.images[ioasIndex];
        if (img.s1Map.remove(vaPage) == null) {
            return;
        }
        long va = VA + vaPage * PAGE;
        img.s1.unmap(va, PAGE);
        if (btm()) {
            if (!v.vcpu.isLoaded()) {
                run(vmmIndex, vmmIndex % CPUS);
            }
            v.vcpu.tlbi(new Tlbi.Vae1is(ASID, va, true));
        } else if (v.viommu[ioasIndex] != null) {
            guestCommand(vmmIndex, ioasIndex, Commands.tlbiNhVa(0, ASID, va, true).encode());
        }
    }

    /** One guest command through IOMMU_HWPT_INVALIDATE on the VMM's vIOMMU of that IOAS; false if refused. */
    boolean guestCommand(int vmmIndex, int ioasIndex, long[] cmd) {
        Vmm v = vmms.get(vmmIndex);
        if (v.viommu[ioasIndex] == null) {
            return false;
        }
        long uptr = v.put(NestingBed.le(cmd[0], cmd[1]));
        try {
            iommufd.hwptInvalidate(v.ctx, Requests.hwptInvalidate(v.viommu[ioasIndex], uptr,
                IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, 16, 1, 0));
            guestCommandsAccepted++;
            return true;
        } catch (IommufdException e) {
            return false;
        }
    }

    void guestWrite(int vmmIndex, int ioasIndex, int dataPage) {
        vmms.get(vmmIndex).images[ioasIndex].write(dataPage);
    }

    void hostUnmap(int vmmIndex, int ioasIndex, int dataPage) {
        Vmm v = vmms.get(vmmIndex);
        if (!v.images[ioasIndex].s2Mapped[dataPage]) {
            return;
        }
        iommufd.ioasUnmap(v.ctx, Requests.ioasUnmap(v.ioas[ioasIndex], DATA_IPA + dataPage * PAGE, PAGE));
        v.images[ioasIndex].s2Mapped[dataPage] = false;
    }

    void hostMap(int vmmIndex, int ioasIndex, int dataPage) {
        Vmm v = vmms.get(vmmIndex);
        if (v.images[ioasIndex].s2Mapped[dataPage]) {
            return;
        }
        v.map(ioasIndex, DATA_IPA + dataPage * PAGE, PAGE);
        v.images[ioasIndex].s2Mapped[dataPage] = true;
    }

    void run(int vmmIndex, int cpu) {
        Vcpu vcpu = vmms.get(vmmIndex).vcpu;
        if (vcpu.isLoaded()) {
            vcpu.put();
        }
        platform.kvm().orElseThrow().runningOn(cpu).ifPresent(Vcpu::put);
        vcpu.load(cpu);
    }

    void put(int cpu) {
        platform.kvm().orElseThrow().runningOn(cpu).ifPresent(Vcpu::put);
    }

    /** Fresh VMs run once each on CPU {@code cpu}: how rollovers happen on a busy host. */
    void churn(int count, int cpu) {
        put(cpu);
        for (int i = 0; i < count; i++) {
            Vm vm = platform.kvm().orElseThrow().createVm();
            Vcpu vcpu = vm.createVcpu();
            vcpu.load(cpu);
            vcpu.put();
            vm.destroy();
        }
    }

    /** A device read of one page start: the bytes must be what the oracle says the page holds. */
    void dma(int devIndex, int page) {
        Dev d = devs.get(devIndex);
        long address = d.kind == Kind.S1 || d.kind == Kind.RAW ? VA + page * PAGE : DATA_IPA + page * PAGE;
        byte[] dst = new byte[16];
        platform.dmaRead(0, d.sid, address, dst);
        dmaReads++;
        OptionalLong expected = expectedPa(d, address);
        if (expected.isPresent() && d.kind != Kind.RAW) {
            Image img = vmms.get(d.vmm).images[d.ioasIndex];
            int dataPage = (int) ((expected.getAsLong() - img.pa(DATA_IPA)) / PAGE);
            require(java.util.Arrays.equals(dst, img.contents(dataPage)), () -> ISOLATION + "device 0x"
                + Integer.toHexString(d.sid) + " read " + java.util.HexFormat.of().formatHex(dst) + " at 0x"
                + Long.toHexString(address) + ", expected its own page " + dataPage);
        }
    }

    /** Reads every event the VMM's vEVENTQs hold: each must carry a vSID of this VMM's vDEVICEs. */
    void allocVeventq(int vmmIndex, int ioasIndex) {
        Vmm v = vmms.get(vmmIndex);
        if (v.viommu[ioasIndex] == null || v.veventqFd[ioasIndex] != null) {
            return;
        }
        v.veventqFd[ioasIndex] = iommufd.veventqAlloc(v.ctx, Requests.veventqAlloc(0, v.viommu[ioasIndex],
            IommufdConstants.IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 8, 0)).outVeventqFd();
    }

    void readEvents(int vmmIndex) {
        Vmm v = vmms.get(vmmIndex);
        for (Integer fd : v.veventqFd) {
            if (fd == null) {
                continue;
            }
            byte[] got = iommufd.read(fd, 4096);
            ByteBuffer b = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            while (b.remaining() >= 8) {
                int flags = b.getInt();
                b.getInt();
                if ((flags & IommufdConstants.IOMMU_VEVENTQ_FLAG_LOST_EVENTS) != 0 || b.remaining() < 32) {
                    continue;
                }
                long evt0 = b.getLong();
                b.position(b.position() + 24);
                long vsid = evt0 >>> 32;
                eventsRead++;
                require(v.vsids.contains(vsid), () -> ISOLATION + "VMM " + vmmIndex + " got an event for vSID 0x"
                    + Long.toHexString(vsid) + ", not one of its vDEVICEs " + v.vsids);
            }
        }
    }

    // ------------------------------------------------------------------ the oracle

    /** The physical address {@code d} may reach at {@code address}, or empty if the access must not proceed. */
    private OptionalLong expectedPa(Dev d, long address) {
        if (!d.attached || d.kind == Kind.ABORT) {
            return OptionalLong.empty();
        }
        Image img = vmms.get(d.vmm).images[d.ioasIndex];
        long ipa;
        if (d.kind == Kind.S1) {
            if (address < VA || address >= VA + VA_PAGES * PAGE) {
                return OptionalLong.empty();
            }
            Integer dataPage = img.s1Map.get((int) ((address - VA) / PAGE));
            if (dataPage == null) {
                return OptionalLong.empty();
            }
            ipa = DATA_IPA + dataPage * PAGE + (address & (PAGE - 1));
        } else {
            ipa = address;
        }
        if (ipa < DATA_IPA || ipa >= DATA_IPA + DATA_PAGES * PAGE) {
            return OptionalLong.empty();
        }
        return img.s2Mapped[(int) ((ipa - DATA_IPA) / PAGE)] ? OptionalLong.of(img.pa(ipa)) : OptionalLong.empty();
    }

    /** Whether {@code pa} is a page of {@code d}'s own IOAS that its stage 2 maps now (the isolation bound). */
    private boolean ownMapped(Dev d, long pa) {
        Image img = vmms.get(d.vmm).images[d.ioasIndex];
        long page = pa & ~(PAGE - 1);
        for (long ipa = IPA; ipa < DATA_IPA; ipa += PAGE) {
            if (img.pa(ipa) == page) {
                return true;
            }
        }
        for (int p = 0; p < DATA_PAGES; p++) {
            if (img.s2Mapped[p] && img.pa(DATA_IPA + p * PAGE) == page) {
                return true;
            }
        }
        return false;
    }

    /** Probes every device at every VA page and data IPA page and checks each outcome against the oracle. */
    void check() {
        for (Dev d : devs) {
            for (int p = 0; p < DATA_PAGES; p++) {
                probe(d, DATA_IPA + p * PAGE);
                if (p < VA_PAGES) {
                    probe(d, VA + p * PAGE);
                }
            }
        }
    }

    private void probe(Dev d, long address) {
        DmaOutcome out = platform.translate(0, d.sid, address, Access.READ);
        if (d.kind == Kind.RAW && d.attached) {
            require(!out.proceeds() || ownMapped(d, out.physicalAddress()), () -> ISOLATION + "device 0x"
                + Integer.toHexString(d.sid) + " with a guest-chosen vSTE reached PA 0x"
                + Long.toHexString(out.physicalAddress()) + " outside its IOAS's mapped pages");
            return;
        }
        OptionalLong expected = expectedPa(d, address);
        if (expected.isEmpty()) {
            require(!out.proceeds(), () -> ISOLATION + "device 0x" + Integer.toHexString(d.sid) + " (" + where(d)
                + ") reached PA 0x" + Long.toHexString(out.physicalAddress()) + " at 0x" + Long.toHexString(address)
                + ", which it may not reach" + owner(out.physicalAddress()));
        } else {
            require(out.proceeds() && out.physicalAddress() == expected.getAsLong(), () -> ISOLATION + "device 0x"
                + Integer.toHexString(d.sid) + " (" + where(d) + ") at 0x" + Long.toHexString(address)
                + " reached " + (out.proceeds() ? "PA 0x" + Long.toHexString(out.physicalAddress())
                + owner(out.physicalAddress()) : "nothing (" + out + ")") + ", expected PA 0x"
                + Long.toHexString(expected.getAsLong()));
        }
    }

    private String where(Dev d) {
        return d.vmm < 0 ? "unbound" : "VMM " + d.vmm + " IOAS " + d.ioasIndex + " " + d.kind
            + (d.attached ? "" : " not attached");
    }

    /** Whose page {@code pa} is, for the failure message. */
    private String owner(long pa) {
        long page = pa & ~(PAGE - 1);
        for (Vmm v : vmms) {
            for (Image img : v.images) {
                for (int p = 0; p < DATA_PAGES; p++) {
                    if (img.pa(DATA_IPA + p * PAGE) == page) {
                        return " (data page " + p + " of VMM " + v.index + " IOAS " + img.ioasIndex + ")";
                    }
                }
            }
        }
        return "";
    }

    private void require(boolean condition, Supplier<String> message) {
        if (!condition) {
            throw new AssertionError("step " + step + " (" + current + "): " + message.get());
        }
    }
}
