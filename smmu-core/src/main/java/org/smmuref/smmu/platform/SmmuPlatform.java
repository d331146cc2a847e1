package org.smmuref.smmu.platform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.iommufd.spi.KvmReference;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.policy.VmidPolicyChooser;
import org.smmuref.smmu.driver.ArmSmmuV3;
import org.smmuref.smmu.driver.SmmuMmio;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.DmaOutcome;
import org.smmuref.smmu.hw.DmaTransfer;
import org.smmuref.smmu.hw.InterruptSink;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.pgtable.PageAllocator;

/**
 * A machine built from a {@link PlatformConfig}: RAM, one {@link Smmu} device model per instance with the
 * {@link ArmSmmuV3} driver probed on it, the KVM host, and the VMM's process memory. It is the {@link IommufdPlatform}
 * of the iommufd core.
 *
 * <p>Every SMMU is connected to the KVM host's broadcast TLB maintenance through a {@link BtmPort}; whether it acts
 * on it is the SMMU's CR2.PTM, which the driver programs from the VMID policy's decision.
 *
 * <p>Interrupts are taken like a CPU takes them: a device raises its line during a DMA, the handler runs when the DMA
 * call returns ({@link #deliverInterrupts()}), never inside the device model.
 */
public final class SmmuPlatform implements IommufdPlatform {
    private final PlatformConfig config;
    private final PhysicalMemory memory = new PhysicalMemory();
    private final Optional<Kvm> kvm;
    private final List<Smmu> devices = new ArrayList<>();
    private final List<ArmSmmuV3> drivers = new ArrayList<>();
    private final List<Set<InterruptSink.Line>> pending = new ArrayList<>();
    private final PagePool pool;
    private final ProcessMemory processMemory;

    /** Builds and boots the machine: every SMMU is probed and enabled, every device blocked (abort STE). */
    public SmmuPlatform(PlatformConfig config) {
        this(config, UnaryOperator.identity());
    }

    /**
     * The machine with the config's VMID policy chooser changed by {@code chooserHook} (for example
     * {@link VmidPolicyChooser#withVmPolicy}): the negative controls' way to run an unsafe policy end to end.
     */
    SmmuPlatform(PlatformConfig config, UnaryOperator<VmidPolicyChooser> chooserHook) {
        this.config = Objects.requireNonNull(config);
        for (PlatformConfig.RamRange r : config.ram()) {
            memory.addRam(r.base(), r.size());
        }
        this.kvm = config.kvm().map(Kvm::new);
        VmidPolicyChooser chooser = chooserHook.apply(new VmidPolicyChooser(kvm, config.vmidPolicy()));
        PlatformConfig.RamRange first = config.ram().get(0);
        long kernel = PlatformConfig.KERNEL_BYTES_PER_SMMU;
        List<long[]> poolRegions = new ArrayList<>();
        long firstPool = first.base() + kernel * config.smmus().size();
        poolRegions.add(new long[] {firstPool, first.base() + first.size() - firstPool});
        for (PlatformConfig.RamRange r : config.ram().subList(1, config.ram().size())) {
            poolRegions.add(new long[] {r.base(), r.size()});
        }
        this.pool = new PagePool(memory, poolRegions);
        this.processMemory = new ProcessMemory(memory, pool);
        for (int i = 0; i < config.smmus().size(); i++) {
            PlatformConfig.SmmuConfig sc = config.smmus().get(i);
            Set<InterruptSink.Line> lines = Collections.synchronizedSet(EnumSet.noneOf(InterruptSink.Line.class));
            pending.add(lines);
            Smmu device = new Smmu(sc.features(), memory, new InterruptSink() {
                @Override
                public void wired(Line line) {
                    lines.add(line);
                }

                @Override
                public void sendEvent() {
                    // WFE wake-ups: the driver polls CONS, so nothing waits for them.
                }
            });
            devices.add(device);
            // The interconnect delivers every broadcast TLBI; the SMMU applies it only with BTM, PTM=0 and SMMUEN.
            kvm.ifPresent(k -> BtmPort.connect(k, device));
            PageAllocator pages = new PageAllocator(first.base() + kernel * i, kernel);
            drivers.add(ArmSmmuV3.probe(i, SmmuMmio.of(device), memory, pages, chooser, this::resolve, sc.devices(),
                sc.options()));
        }
    }

    /** The default machine of {@link PlatformConfig#defaults()}. */
    public static SmmuPlatform defaults() {
        return new SmmuPlatform(PlatformConfig.defaults());
    }

    /** A new iommufd core serving this machine (the VMM's {@code /dev/iommu}). */
    public IommufdCore newIommufd() {
        return new IommufdCore(this);
    }

    /** The configuration the machine was built from. */
    public PlatformConfig config() {
        return config;
    }

    /** The machine's RAM. */
    public PhysicalMemory memory() {
        return memory;
    }

    /** The KVM host, if any. */
    public Optional<Kvm> kvm() {
        return kvm;
    }

    /** The SMMU device model of instance {@code id}. */
    public Smmu smmu(int id) {
        return devices.get(id);
    }

    /** The driver of SMMU instance {@code id}. */
    public ArmSmmuV3 driver(int id) {
        return drivers.get(id);
    }

    /** The VMM's process memory (where IOAS_MAP user VAs point). */
    public ProcessMemory vmmMemory() {
        return processMemory;
    }

    /** A new, empty process address space on this machine's page pool (another VMM process). */
    ProcessMemory newProcessMemory() {
        return new ProcessMemory(memory, pool);
    }

    // ------------------------------------------------------------------ KVM VM files

    /**
     * A new VM on the KVM host, as the VMM's {@code KVM_CREATE_VM} returns it: an open VM file that only its holder
     * has. {@link KvmVmFile#close()} closes it, destroying the VM (its loaded vCPUs are put and the creator's
     * reference dropped); references taken through it, such as an iommufd context's association, keep the VM until
     * they go.
     *
     * @throws IllegalStateException if the machine has no KVM host
     */
    public KvmVmFile createVm() {
        Kvm host = kvm.orElseThrow(() -> new IllegalStateException("the machine has no KVM host"));
        return new VmFile(this, host.createVm());
    }

    /**
     * The VM behind {@code file} for its holder (to create and load vCPUs, issue TLBIs, read its VMID).
     *
     * @throws IllegalArgumentException if this machine did not issue the file
     */
    public Vm vm(KvmVmFile file) {
        return own(file).orElseThrow(() -> new IllegalArgumentException(file + " is not a VM file of this machine"))
            .vm;
    }

    private Optional<VmFile> own(KvmVmFile file) {
        return file instanceof VmFile f && f.machine == this ? Optional.of(f) : Optional.empty();
    }

    /** The driver's view: the VM behind a reference this machine issued. */
    private Optional<Vm> resolve(KvmReference ref) {
        return ref instanceof VmReference r && r.file.machine == this ? Optional.of(r.file.vm) : Optional.empty();
    }

    /** Guest RAM of {@code size} bytes at IPA {@code ipaBase}, mapped into the VMM at {@code vaBase}. */
    public GuestMemory guestMemory(long vaBase, long ipaBase, long size) {
        return new GuestMemory(processMemory, vaBase, ipaBase, size);
    }

    // ------------------------------------------------------------------ device DMA

    /** One device access through SMMU {@code smmu}: the translation outcome; then pending interrupts are taken. */
    public DmaOutcome translate(int smmu, int streamId, long address, Access access) {
        try {
            return devices.get(smmu).translate(streamId, Smmu.NO_SUBSTREAM, address, access);
        } finally {
            deliverInterrupts();
        }
    }

    /** A device read of {@code length} bytes at {@code address}. */
    public DmaTransfer dmaRead(int smmu, int streamId, long address, byte[] dst) {
        try {
            return devices.get(smmu).read(streamId, Smmu.NO_SUBSTREAM, address, dst, 0, dst.length);
        } finally {
            deliverInterrupts();
        }
    }

    /** A device write of {@code src} at {@code address}. */
    public DmaTransfer dmaWrite(int smmu, int streamId, long address, byte[] src) {
        try {
            return devices.get(smmu).write(streamId, Smmu.NO_SUBSTREAM, address, src, 0, src.length);
        } finally {
            deliverInterrupts();
        }
    }

    /** Runs the handlers of every raised interrupt line (the event queue interrupt goes to its driver). */
    public void deliverInterrupts() {
        for (int i = 0; i < drivers.size(); i++) {
            Set<InterruptSink.Line> lines = pending.get(i);
            boolean events;
            synchronized (lines) {
                events = lines.remove(InterruptSink.Line.EVENTQ);
                lines.clear();
            }
            if (events) {
                drivers.get(i).handleEventInterrupt();
            }
        }
    }

    // ------------------------------------------------------------------ IommufdPlatform

    @Override
    public Optional<IommuInstance> iommu(int id) {
        return id >= 0 && id < drivers.size() ? Optional.of(drivers.get(id)) : Optional.empty();
    }

    @Override
    public UserMemory processMemory() {
        return processMemory;
    }

    @Override
    public Optional<KvmReference> getKvm(KvmVmFile file) {
        return own(file).flatMap(VmFile::reference);
    }

    /** An open VM file issued by one {@link SmmuPlatform}. */
    private static final class VmFile implements KvmVmFile {
        private final SmmuPlatform machine;
        private final Vm vm;
        private boolean closed;

        VmFile(SmmuPlatform machine, Vm vm) {
            this.machine = machine;
            this.vm = vm;
        }

        /** {@code kvm_get_kvm} through the open file; empty once it is closed. */
        synchronized Optional<KvmReference> reference() {
            if (closed) {
                return Optional.empty();
            }
            vm.get();
            return Optional.of(new VmReference(this));
        }

        @Override
        public int vmNumber() {
            return vm.number();
        }

        @Override
        public synchronized boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            vm.destroy();
        }

        @Override
        public String toString() {
            return "kvm-vm file of " + vm;
        }
    }

    /** One {@code kvm_get_kvm} taken through a {@link VmFile}. */
    private static final class VmReference implements KvmReference {
        private final VmFile file;
        private final AtomicBoolean put = new AtomicBoolean();

        VmReference(VmFile file) {
            this.file = file;
        }

        @Override
        public KvmVmFile file() {
            return file;
        }

        @Override
        public void put() {
            if (put.compareAndSet(false, true)) {
                file.vm.put();
            }
        }
    }
}
