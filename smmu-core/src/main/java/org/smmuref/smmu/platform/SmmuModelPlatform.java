package org.smmuref.smmu.platform;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.platform.AtsTranslation;
import org.smmuref.iommufd.platform.DmaAccess;
import org.smmuref.iommufd.platform.DmaRequest;
import org.smmuref.iommufd.platform.DmaResult;
import org.smmuref.iommufd.platform.HostEventRecord;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.platform.PlatformDescription;
import org.smmuref.iommufd.platform.Stage1Table;
import org.smmuref.iommufd.platform.TlbStats;
import org.smmuref.iommufd.platform.TlbiOp;
import org.smmuref.iommufd.platform.VmInfo;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.UapiException;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.Vcpu;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidException;
import org.smmuref.smmu.driver.CdWords;
import org.smmuref.smmu.driver.HostEvent;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.driver.SteWords;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.AtsResult;
import org.smmuref.smmu.hw.DmaOutcome;
import org.smmuref.smmu.hw.DmaTransfer;
import org.smmuref.smmu.hw.EventRecord;
import org.smmuref.smmu.hw.ExternalAbortException;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.PageTableException;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.pgtable.TableMemory;

/**
 * The {@link ModelPlatform} of a {@link SmmuPlatform}: each context gets a VMM process of its own (its own
 * {@link ProcessMemory} on the machine's page pool), guest RAM and stage-1 tables live in that process, DMA goes
 * through the SMMU device models, and the hardware view reads their registers and the machine's RAM.
 *
 * <p>Contexts are opened on {@code iommufd}, which must be the core serving {@code platform}. Per-process state is
 * guarded by its process object; DMA runs without any lock of this class (the device model is thread-safe).
 */
public final class SmmuModelPlatform implements ModelPlatform {
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]+");
    /** The MMIO frame the registers live in: page 0 and page 1 of the SMMU (64 KB each). */
    private static final long MMIO_SIZE = 0x2_0000;
    /** Largest single read of memory this interface answers (the event bus caps bodies far below). */
    private static final int MAX_READ = 16 << 20;

    private final SmmuPlatform platform;
    private final IommufdCore iommufd;
    private final String name;
    private final Map<Integer, Process> processes = new ConcurrentHashMap<>();

    /** One VMM process: its memory, its guest's RAM ranges and the guest's stage-1 tables. */
    private static final class Process {
        final ProcessMemory memory;
        final List<long[]> guestRam = new ArrayList<>();
        final Map<Integer, PageTableBuilder> tables = new HashMap<>();
        int nextTable = 1;
        boolean closed;

        Process(ProcessMemory memory) {
            this.memory = memory;
        }

        /** The VA of guest IPA range {@code [ipa, ipa + length)}; EFAULT unless one RAM range holds it all. */
        long va(long ipa, long length) {
            for (long[] r : guestRam) {
                long off = ipa - r[1];
                if (Long.compareUnsigned(off, r[2]) < 0 && Long.compareUnsigned(length, r[2] - off) <= 0) {
                    return r[0] + off;
                }
            }
            throw new IommufdException(Errno.EFAULT, String.format("IPA range 0x%x+0x%x is not guest RAM", ipa,
                length));
        }
    }

    /** The model platform named {@code name} over {@code platform}, opening contexts on {@code iommufd}. */
    public SmmuModelPlatform(SmmuPlatform platform, IommufdCore iommufd, String name) {
        this.platform = Objects.requireNonNull(platform);
        this.iommufd = Objects.requireNonNull(iommufd);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a platform name is [a-z0-9-]+, was '" + name + "'");
        }
        this.name = name;
    }

    // ------------------------------------------------------------------ description

    @Override
    public PlatformDescription describe() {
        PlatformConfig config = platform.config();
        List<PlatformDescription.RamRange> ram = new ArrayList<>();
        for (PlatformConfig.RamRange r : config.ram()) {
            ram.add(new PlatformDescription.RamRange(r.base(), r.size()));
        }
        List<PlatformDescription.Iommu> iommus = new ArrayList<>();
        for (int i = 0; i < config.smmus().size(); i++) {
            PlatformConfig.SmmuConfig sc = config.smmus().get(i);
            List<PlatformDescription.Device> devices = new ArrayList<>();
            for (MasterSpec m : sc.devices()) {
                devices.add(new PlatformDescription.Device(m.streamId(), m.atsCapable()));
            }
            List<Integer> idr = new ArrayList<>();
            for (int idrWord : sc.features().idrs()) {
                idr.add(idrWord);
            }
            iommus.add(new PlatformDescription.Iommu(i, platform.driver(i).driverName(), features(sc.features()), idr,
                devices));
        }
        int cpus = platform.kvm().map(k -> k.config().nrCpus()).orElse(0);
        int vmidBits = platform.kvm().map(k -> k.config().vmidBits()).orElse(0);
        return new PlatformDescription(name, ram, iommus, cpus, vmidBits, config.vmidPolicy().mode().name(),
            iommufd.defaultProfile().name());
    }

    private static Map<String, Object> features(SmmuFeatures f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s1p", f.s1p());
        m.put("s2p", f.s2p());
        m.put("nesting", f.s1p() && f.s2p());
        m.put("btm", f.btm());
        m.put("hyp", f.hyp());
        m.put("ats", f.ats());
        m.put("pri", f.pri());
        m.put("coherent", f.cohacc());
        m.put("two_level_stream_table", f.twoLevelStreamTable());
        m.put("two_level_cd_table", f.cd2l());
        m.put("range_invalidation", f.ril());
        m.put("vmid_bits", f.vmidBits());
        m.put("asid_bits", f.asidBits());
        m.put("sid_bits", f.sidSize());
        m.put("ssid_bits", f.ssidSize());
        m.put("oas_bits", f.oasBits());
        m.put("ias_bits", f.iasBits());
        m.put("httu", f.httu());
        m.put("gran4k", f.gran4k());
        m.put("gran16k", f.gran16k());
        m.put("gran64k", f.gran64k());
        return m;
    }

    // ------------------------------------------------------------------ processes

    @Override
    public int openContext(IommufdAbi abi) {
        Objects.requireNonNull(abi, "abi");
        ProcessMemory memory = platform.newProcessMemory();
        int fd = iommufd.open(memory, abi);
        processes.put(fd, new Process(memory));
        return fd;
    }

    @Override
    public void closeContext(int ctx) {
        Process p = processes.remove(ctx);
        if (p == null) {
            throw notOurs(ctx);
        }
        synchronized (p) {
            p.closed = true;
            // The context first: destroying its IOAS drops the pins, so that the process's pages can go back.
            try {
                iommufd.close(ctx);
            } finally {
                p.memory.unmapAll();
                p.tables.clear();
                p.guestRam.clear();
            }
        }
    }

    @Override
    public void mmap(int ctx, long va, long length) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            checked(() -> p.memory.mmap(va, length));
        }
    }

    @Override
    public void munmap(int ctx, long va, long length) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            for (long[] r : p.guestRam) {
                if (Long.compareUnsigned(va, r[0] + r[2]) < 0 && Long.compareUnsigned(r[0], va + length) < 0) {
                    throw new IommufdException(Errno.EBUSY, String.format(
                        "VA 0x%x+0x%x overlaps guest RAM at VA 0x%x", va, length, r[0]));
                }
            }
            checked(() -> p.memory.munmap(va, length));
        }
    }

    @Override
    public byte[] readProcess(int ctx, long va, int length) {
        checkLength(length);
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            return p.memory.read(va, length);
        }
    }

    @Override
    public void writeProcess(int ctx, long va, byte[] bytes) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            p.memory.write(va, bytes);
        }
    }

    // ------------------------------------------------------------------ guest RAM and tables

    @Override
    public void addGuestRam(int ctx, long va, long ipa, long size) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            if ((ipa & 0xFFF) != 0 || ipa + size < ipa && ipa + size != 0) {
                throw new IommufdException(Errno.EINVAL, String.format("guest RAM at IPA 0x%x+0x%x is not 4 KB "
                    + "aligned or wraps", ipa, size));
            }
            for (long[] r : p.guestRam) {
                if (Long.compareUnsigned(ipa, r[1] + r[2]) < 0 && Long.compareUnsigned(r[1], ipa + size) < 0) {
                    throw new IommufdException(Errno.EEXIST, String.format(
                        "IPA 0x%x+0x%x overlaps guest RAM at IPA 0x%x", ipa, size, r[1]));
                }
            }
            checked(() -> p.memory.mmap(va, size));
            p.guestRam.add(new long[] {va, ipa, size});
        }
    }

    @Override
    public byte[] readGuest(int ctx, long ipa, int length) {
        checkLength(length);
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            return p.memory.read(p.va(ipa, length), length);
        }
    }

    @Override
    public void writeGuest(int ctx, long ipa, byte[] bytes) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            p.memory.write(p.va(ipa, bytes.length), bytes);
        }
    }

    @Override
    public Stage1Table createStage1Table(int ctx, int granuleShift, int inputBits, long poolIpa, long poolSize) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            Granule granule = switch (granuleShift) {
                case 12, 14, 16 -> Granule.ofShift(granuleShift);
                default -> throw new IommufdException(Errno.EINVAL, "granule_shift must be 12, 14 or 16, was "
                    + granuleShift);
            };
            if (inputBits < 25 || inputBits > 48) {
                throw new IommufdException(Errno.EINVAL, "input_bits must be 25..48, was " + inputBits);
            }
            if (poolSize <= 0 || (poolIpa & (granule.pageSize() - 1)) != 0) {
                throw new IommufdException(Errno.EINVAL, "the table pool must be granule aligned and non-empty");
            }
            p.va(poolIpa, poolSize);
            TableMemory guest = guestTables(p);
            PageTableBuilder b = checked(() -> PageTableBuilder.stage1(guest, new PageAllocator(poolIpa, poolSize),
                granule, inputBits, 48));
            int id = p.nextTable++;
            p.tables.put(id, b);
            return new Stage1Table(id, b.ttb(), b.tsz(), granuleShift, b.startLevel());
        }
    }

    @Override
    public void mapStage1(int ctx, int table, long iova, long ipa, long size, String prot) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            PageTableBuilder b = table(p, table);
            Prot parsed = checked(() -> Prot.of(Objects.requireNonNull(prot, "prot")));
            checked(() -> b.map(iova, ipa, size, parsed));
        }
    }

    @Override
    public long unmapStage1(int ctx, int table, long iova, long size) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            PageTableBuilder b = table(p, table);
            return checked(() -> b.unmap(iova, size));
        }
    }

    @Override
    public long[] writeContextDescriptor(int ctx, int table, long cdIpa, int asid) {
        Process p = process(ctx);
        synchronized (p) {
            live(p, ctx);
            PageTableBuilder b = table(p, table);
            if ((cdIpa & 63) != 0) {
                throw new IommufdException(Errno.EINVAL, "a CD is 64-byte aligned: cd_ipa 0x"
                    + Long.toHexString(cdIpa));
            }
            if (asid < 0 || asid > 0xFFFF) {
                throw new IommufdException(Errno.EINVAL, "asid must be 0..65535, was " + asid);
            }
            // IPS 5 (48 bits) and MAIR0 0xFF: attribute index 0, which the builder's descriptors use, is WB memory.
            long[] cd = CdWords.s1(asid, b.ttb(), b.tsz(), b.granule(), 5, 0xFF);
            byte[] bytes = new byte[cd.length * 8];
            for (int i = 0; i < cd.length; i++) {
                for (int k = 0; k < 8; k++) {
                    bytes[8 * i + k] = (byte) (cd[i] >>> (8 * k));
                }
            }
            p.memory.write(p.va(cdIpa, bytes.length), bytes);
            return cd;
        }
    }

    @Override
    public long[] stage1Vste(long cdIpa) {
        if ((cdIpa & 63) != 0 || (cdIpa & ~0x000F_FFFF_FFFF_FFC0L) != 0) {
            throw new IommufdException(Errno.EINVAL, "cd_ipa must be a 64-byte aligned 52-bit IPA: 0x"
                + Long.toHexString(cdIpa));
        }
        long ste0 = 1 | (long) SteWords.CFG_S1_TRANS << 1 | cdIpa;
        long ste1 = SteWords.S1C_CACHE_WBRA << 2 | SteWords.S1C_CACHE_WBRA << 4 | (long) SteWords.SH_ISH << 6;
        return new long[] {ste0, ste1};
    }

    private static TableMemory guestTables(Process p) {
        return new TableMemory() {
            @Override
            public long readLong(long ipa) {
                byte[] b = p.memory.read(p.va(ipa, 8), 8);
                long v = 0;
                for (int i = 7; i >= 0; i--) {
                    v = (v << 8) | (b[i] & 0xFF);
                }
                return v;
            }

            @Override
            public void writeLong(long ipa, long value) {
                byte[] b = new byte[8];
                for (int i = 0; i < 8; i++) {
                    b[i] = (byte) (value >>> (8 * i));
                }
                p.memory.write(p.va(ipa, 8), b);
            }
        };
    }

    private static PageTableBuilder table(Process p, int table) {
        PageTableBuilder b = p.tables.get(table);
        if (b == null) {
            throw new IommufdException(Errno.ENOENT, "no stage-1 table " + table + " in this context");
        }
        return b;
    }

    // ------------------------------------------------------------------ DMA

    @Override
    public DmaResult translate(DmaRequest r) {
        Smmu smmu = smmu(r.iommu());
        try {
            DmaOutcome o = checked(() -> smmu.translate(r.streamId(), r.substreamId(), r.address(), access(r)));
            return result(o, r.address(), 0, new byte[0]);
        } finally {
            platform.deliverInterrupts();
        }
    }

    @Override
    public DmaResult dma(DmaRequest r) {
        try {
            return transfer(r);
        } finally {
            platform.deliverInterrupts();
        }
    }

    @Override
    public List<DmaResult> dmaBurst(List<DmaRequest> requests) {
        for (DmaRequest r : requests) {
            smmu(r.iommu());
        }
        List<DmaResult> out = new ArrayList<>(requests.size());
        try {
            for (DmaRequest r : requests) {
                out.add(transfer(r));
            }
        } finally {
            platform.deliverInterrupts();
        }
        return out;
    }

    private DmaResult transfer(DmaRequest r) {
        Smmu smmu = smmu(r.iommu());
        int length = r.access().write() ? r.data().length : r.length();
        checkLength(length);
        byte[] buffer = r.access().write() ? r.data() : new byte[length];
        DmaTransfer t = checked(() -> smmu.transfer(r.streamId(), r.substreamId(), r.address(), buffer, 0, length,
            access(r)));
        byte[] data = r.access().write() ? new byte[0] : java.util.Arrays.copyOf(buffer, t.transferred());
        if (t.complete()) {
            return new DmaResult(DmaResult.Outcome.COMPLETED, r.address(), -1, t.transferred(), data, "",
                new long[0]);
        }
        return result(t.stoppedBy(), r.address() + t.transferred(), t.transferred(), data);
    }

    @Override
    public AtsTranslation atsTranslate(DmaRequest r) {
        Smmu smmu = smmu(r.iommu());
        if (!smmu.features().ats()) {
            throw new IommufdException(Errno.EOPNOTSUPP, "IOMMU " + r.iommu() + " does not implement ATS");
        }
        try {
            AtsResult a = checked(() -> smmu.atsTranslate(r.streamId(), r.substreamId(), r.address(), access(r)));
            return new AtsTranslation(a.status() == AtsResult.Status.COMPLETED, a.inputBase(), a.outputBase(),
                a.size(), a.read(), a.write(), a.splitStage(), a.reason() == null ? "" : a.reason(),
                words(a.event()));
        } finally {
            platform.deliverInterrupts();
        }
    }

    private static DmaResult result(DmaOutcome o, long address, int transferred, byte[] data) {
        if (o instanceof DmaOutcome.Translated t) {
            return new DmaResult(DmaResult.Outcome.TRANSLATED, address, t.outputAddress(), transferred, data, "",
                new long[0]);
        } else if (o instanceof DmaOutcome.Bypassed b) {
            return new DmaResult(DmaResult.Outcome.BYPASSED, address, b.address(), transferred, data, "",
                new long[0]);
        } else if (o instanceof DmaOutcome.Aborted a) {
            return new DmaResult(DmaResult.Outcome.ABORTED, address, -1, transferred, data, a.reason(),
                words(a.event()));
        }
        DmaOutcome.RazWi z = (DmaOutcome.RazWi) o;
        return new DmaResult(DmaResult.Outcome.RAZ_WI, address, -1, transferred, data,
            "stage-1 fault with CD.A=0: read-as-zero / write-ignored", words(z.event()));
    }

    private static long[] words(EventRecord event) {
        return event == null ? new long[0] : event.encode();
    }

    private static Access access(DmaRequest r) {
        DmaAccess a = r.access();
        return new Access(a.write(), a.instruction(), a.privileged());
    }

    // ------------------------------------------------------------------ KVM

    @Override
    public KvmVmFile createVm() {
        if (platform.kvm().isEmpty()) {
            throw new IommufdException(Errno.ENODEV, "the machine has no KVM host");
        }
        return platform.createVm();
    }

    @Override
    public void destroyVm(KvmVmFile vm) {
        vm(vm);
        vm.close();
    }

    @Override
    public int createVcpu(KvmVmFile file) {
        Vm vm = vm(file);
        return kvmCall(() -> vm.createVcpu().index());
    }

    @Override
    public void loadVcpu(KvmVmFile file, int vcpu, int cpu) {
        Vcpu v = vcpu(file, vcpu);
        int cpus = platform.kvm().orElseThrow().config().nrCpus();
        if (cpu < 0 || cpu >= cpus) {
            throw new IommufdException(Errno.EINVAL, "cpu must be 0.." + (cpus - 1) + ", was " + cpu);
        }
        if (v.isLoaded()) {
            throw new IommufdException(Errno.EBUSY, "vCPU " + vcpu + " is already loaded on CPU "
                + v.loadedCpu().getAsInt());
        }
        try {
            v.load(cpu);
        } catch (IllegalStateException e) {
            throw new IommufdException(Errno.EBUSY, e.getMessage());
        }
    }

    @Override
    public void putVcpu(KvmVmFile file, int vcpu) {
        Vcpu v = vcpu(file, vcpu);
        kvmCall(() -> {
            v.put();
            return null;
        });
    }

    @Override
    public void guestTlbi(KvmVmFile file, int vcpu, TlbiOp op) {
        Vcpu v = vcpu(file, vcpu);
        if (!op.guest()) {
            throw new IommufdException(Errno.EINVAL, op.op() + " is an EL2 operation: KVM issues it (host TLBI)");
        }
        Tlbi.Guest g = kvmCall(() -> switch (op.op()) {
            case "VMALLE1IS" -> new Tlbi.Vmalle1is();
            case "ASIDE1IS" -> new Tlbi.Aside1is(op.asid());
            case "VAE1IS" -> new Tlbi.Vae1is(op.asid(), op.address(), op.leaf());
            case "VAAE1IS" -> new Tlbi.Vaae1is(op.address(), op.leaf());
            case "RVAE1IS" -> new Tlbi.Rvae1is(op.asid(), op.address(), range(op), op.leaf());
            default -> new Tlbi.Rvaae1is(op.address(), range(op), op.leaf());
        });
        kvmCall(() -> {
            v.tlbi(g);
            return null;
        });
    }

    @Override
    public boolean hostTlbi(KvmVmFile file, TlbiOp op) {
        Vm vm = vm(file);
        if (op.guest()) {
            throw new IommufdException(Errno.EINVAL, op.op() + " is an EL1 operation: a loaded vCPU issues it");
        }
        Tlbi.Hyp h = kvmCall(() -> switch (op.op()) {
            case "VMALLS12E1IS" -> new Tlbi.Vmalls12e1is();
            case "IPAS2E1IS" -> new Tlbi.Ipas2e1is(op.address(), op.leaf());
            default -> new Tlbi.Ripas2e1is(op.address(), range(op), op.leaf());
        });
        return kvmCall(() -> vm.hostTlbi(h));
    }

    @Override
    public VmInfo vmInfo(KvmVmFile file) {
        Vm vm = vm(file);
        List<Integer> cpus = new ArrayList<>();
        for (Vcpu v : vm.vcpus()) {
            cpus.add(v.loadedCpu().orElse(-1));
        }
        return new VmInfo(vm.number(), vm.currentVmid(), vm.vmidGeneration(), vm.pinCount(), cpus,
            vm.isDestroyed());
    }

    private static Tlbi.Range range(TlbiOp op) {
        return new Tlbi.Range(op.tg(), op.scale(), op.num(), op.ttl());
    }

    /** The VM of an open file this machine issued; EBADF otherwise, like an fd of another process. */
    private Vm vm(KvmVmFile file) {
        if (file == null || file.isClosed()) {
            throw new IommufdException(Errno.EBADF, "the VM file is closed");
        }
        try {
            return platform.vm(file);
        } catch (IllegalArgumentException e) {
            throw new IommufdException(Errno.EBADF, "not a VM file of this machine");
        }
    }

    private Vcpu vcpu(KvmVmFile file, int index) {
        List<Vcpu> vcpus = vm(file).vcpus();
        if (index < 0 || index >= vcpus.size()) {
            throw new IommufdException(Errno.ENOENT, "the VM has no vCPU " + index);
        }
        return vcpus.get(index);
    }

    /** A KVM model call: its refusals as errnos (a state conflict is EINVAL, the allocator's own errno as is). */
    private static <T> T kvmCall(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (VmidException e) {
            Errno errno = java.util.Arrays.stream(Errno.values()).filter(x -> x.name().equals(e.errno().name()))
                .findFirst().orElse(Errno.EINVAL);
            throw new IommufdException(errno, e.reason());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IommufdException(Errno.EINVAL, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ hardware view

    @Override
    public int mmioRead32(int iommu, long offset) {
        checkMmio(offset, 4);
        return smmu(iommu).read32(offset);
    }

    @Override
    public long mmioRead64(int iommu, long offset) {
        checkMmio(offset, 8);
        return smmu(iommu).read64(offset);
    }

    @Override
    public void mmioWrite32(int iommu, long offset, int value) {
        checkMmio(offset, 4);
        Smmu smmu = smmu(iommu);
        checked(() -> smmu.write32(offset, value));
    }

    @Override
    public void mmioWrite64(int iommu, long offset, long value) {
        checkMmio(offset, 8);
        Smmu smmu = smmu(iommu);
        checked(() -> smmu.write64(offset, value));
    }

    @Override
    public byte[] readPhysical(long pa, int length) {
        checkLength(length);
        if (!platform.memory().isRam(pa, length)) {
            throw new IommufdException(Errno.EFAULT, String.format("PA 0x%x+0x%x is not RAM", pa, length));
        }
        byte[] out = new byte[length];
        try {
            platform.memory().read(pa, out, 0, length);
        } catch (ExternalAbortException e) {
            throw new IommufdException(Errno.EFAULT, "no RAM at PA 0x" + Long.toHexString(e.address()));
        }
        return out;
    }

    @Override
    public TlbStats tlbStats(int iommu) {
        Smmu smmu = smmu(iommu);
        return new TlbStats(smmu.tlb().hits(), smmu.tlb().misses());
    }

    @Override
    public List<HostEventRecord> hostEvents(int iommu, int from, int max) {
        smmu(iommu);
        List<HostEventRecord> out = new ArrayList<>();
        for (HostEvent e : platform.driver(iommu).hostEvents(from, max)) {
            out.add(new HostEventRecord(e.record(), e.reason()));
        }
        return out;
    }

    @Override
    public int hostEventCount(int iommu) {
        smmu(iommu);
        return platform.driver(iommu).hostEventCount();
    }

    // ------------------------------------------------------------------ helpers

    private Smmu smmu(int iommu) {
        if (iommu < 0 || iommu >= platform.config().smmus().size()) {
            throw new IommufdException(Errno.ENODEV, "no IOMMU instance " + iommu);
        }
        return platform.smmu(iommu);
    }

    private Process process(int ctx) {
        Process p = processes.get(ctx);
        if (p == null) {
            throw notOurs(ctx);
        }
        return p;
    }

    private static void live(Process p, int ctx) {
        if (p.closed) {
            throw notOurs(ctx);
        }
    }

    private static IommufdException notOurs(int ctx) {
        return new IommufdException(Errno.EBADF, "fd " + ctx + " is not a context this platform opened");
    }

    private static void checkLength(int length) {
        if (length < 0 || length > MAX_READ) {
            throw new IommufdException(Errno.EINVAL, "length must be 0.." + MAX_READ + ", was " + length);
        }
    }

    private static void checkMmio(long offset, int width) {
        if (offset < 0 || offset > MMIO_SIZE - width || (offset & (width - 1)) != 0) {
            throw new IommufdException(Errno.EINVAL, String.format("MMIO offset 0x%x is not a %d-byte aligned "
                + "register offset below 0x%x", offset, width, MMIO_SIZE));
        }
    }

    /** Runs a model call, turning its argument errors into EINVAL (uAPI and iommufd failures pass through). */
    private static <T> T checked(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (UapiException e) {
            throw IommufdException.of(e);
        } catch (PageTableException | IllegalArgumentException | IllegalStateException
                 | IndexOutOfBoundsException e) {
            throw new IommufdException(Errno.EINVAL, e.getMessage());
        }
    }

    private static void checked(Runnable call) {
        checked(() -> {
            call.run();
            return null;
        });
    }
}
