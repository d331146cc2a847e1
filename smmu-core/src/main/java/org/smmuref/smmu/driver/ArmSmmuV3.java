package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IommuDevice;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.KvmReference;
import org.smmuref.iommufd.spi.NestedDomain;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.spi.UserData;
import org.smmuref.iommufd.spi.ViommuDriver;
import org.smmuref.iommufd.spi.ViommuHost;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidException;
import org.smmuref.kvm.policy.SmmuVmidFeatures;
import org.smmuref.kvm.policy.SmmuVmids;
import org.smmuref.kvm.policy.VmidLease;
import org.smmuref.kvm.policy.VmidPolicyChooser;
import org.smmuref.kvm.policy.VmidRequest;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.Interrupts;
import org.smmuref.smmu.hw.PhysicalMemory;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.SmmuRegisters;
import org.smmuref.smmu.pgtable.PageAllocator;

/**
 * The arm-smmu-v3 driver for one SMMU: probe (IDRs, stream table, queues, CR0/CR2), STE installation through the
 * {@link EntryWriter}, command submission, the event queue, and the iommufd driver SPI (paging stage-2 domains,
 * vIOMMUs with nested domains, hw_info).
 *
 * <p>Driver state is guarded by this object's monitor. The event interrupt path gathers records under it and reports
 * to the iommufd core only after releasing it, so that it never holds the driver lock while waiting for the core.
 */
public final class ArmSmmuV3 implements IommuInstance {
    /** The driver name: nested domains need a parent of the same driver. */
    public static final String DRIVER_NAME = "arm-smmu-v3";
    /** log2 of the command queue entries the driver uses (at most IDR1.CMDQS). */
    static final int CMDQ_LOG2 = 8;
    /** log2 of the event queue entries the driver uses (at most IDR1.EVENTQS). */
    static final int EVTQ_LOG2 = 7;
    private static final int CR1_WB_ISH = 1 | 1 << 2 | 3 << 4 | 1 << 6 | 1 << 8 | 3 << 10;
    /** IIDR.Implementer of Arm, and IIDR.ProductID of MMU-700 (arm_smmu_device_iidr_probe). */
    static final int IIDR_IMPLEMENTER_ARM = 0x43b;
    static final int IIDR_PRODUCTID_ARM_MMU_700 = 0x487;
    /** IIDR.ProductID of MMU-600. */
    static final int IIDR_PRODUCTID_ARM_MMU_600 = 0x483;

    private final int id;
    private final SmmuMmio mmio;
    private final PhysicalMemory memory;
    private final PageAllocator pages;
    private final SmmuFeatures features;
    private final SmmuVmids vmids;
    private final Function<KvmReference, Optional<Vm>> vms;
    private final ArmSmmuV3Options options;
    private final int[] idrs = new int[6];
    private final int iidr;
    private final int aidr;
    private final boolean cmdqForceSync;
    private final boolean nestingErratum;
    /** ASIDs of stage-1 paging domains; 0 is never handed out (as the kernel's arm_smmu_asid_xa starts at 1). */
    private final java.util.BitSet asids = new java.util.BitSet();
    private final Map<Integer, SmmuMaster> masters = new LinkedHashMap<>();
    private final List<HostEvent> hostEvents = new ArrayList<>();
    private StreamTableDriver strtab;
    private CommandQueueDriver cmdq;
    private long evtqBase;
    private int evtqLog2;
    private int evtqCons;
    private long eventsForwarded;

    private ArmSmmuV3(int id, SmmuMmio mmio, PhysicalMemory memory, PageAllocator pages, VmidPolicyChooser chooser,
                      Function<KvmReference, Optional<Vm>> vms, ArmSmmuV3Options options) {
        this.id = id;
        this.mmio = Objects.requireNonNull(mmio);
        this.memory = Objects.requireNonNull(memory);
        this.pages = Objects.requireNonNull(pages);
        this.vms = Objects.requireNonNull(vms);
        this.options = Objects.requireNonNull(options);
        for (int i = 0; i < 6; i++) {
            idrs[i] = mmio.read32(SmmuRegisters.IDR0 + 4L * i);
        }
        this.iidr = mmio.read32(SmmuRegisters.IIDR);
        this.aidr = mmio.read32(SmmuRegisters.AIDR);
        this.features = SmmuFeatures.fromIdrs(idrs, iidr, aidr);
        this.cmdqForceSync = cmdqForceSync(iidr);
        this.nestingErratum = nestingErratum(iidr);
        this.vmids = chooser.forSmmu(SmmuVmidFeatures.fromIdr0(idrs[0], options.ptmRequested()));
    }

    /**
     * Probes and enables one SMMU: reads the IDRs, decides the VMID policy (and with it CR2.PTM), lays out the stream
     * table, command queue and event queue in memory from {@code pages}, invalidates every cache, enables the queues
     * and the SMMU, and installs an abort STE for every master.
     *
     * @param vms resolves a context's VM reference (what {@link ViommuHost#kvm()} reports) to the VM, empty for a
     *     reference the machine did not issue
     * @throws IllegalStateException if the SMMU cannot be driven (no AArch64 tables, no stage at all)
     */
    public static ArmSmmuV3 probe(int id, SmmuMmio mmio, PhysicalMemory memory, PageAllocator pages,
                                  VmidPolicyChooser chooser, Function<KvmReference, Optional<Vm>> vms,
                                  List<MasterSpec> masters,
                                  ArmSmmuV3Options options) {
        ArmSmmuV3 smmu = new ArmSmmuV3(id, mmio, memory, pages, chooser, vms, options);
        synchronized (smmu) {
            smmu.reset();
            for (MasterSpec spec : masters) {
                if (smmu.masters.containsKey(spec.streamId())) {
                    throw new IllegalArgumentException("two masters with StreamID 0x"
                        + Integer.toHexString(spec.streamId()));
                }
                SmmuMaster master = new SmmuMaster(smmu, spec);
                smmu.masters.put(spec.streamId(), master);
                smmu.installSte(spec.streamId(), SteWords.abort());
            }
        }
        return smmu;
    }

    private void reset() {
        if (!features.aarch64Tables() || !(features.s1p() || features.s2p())) {
            throw new IllegalStateException("SMMU " + id + " has no AArch64 translation stage the driver can use");
        }
        writeCr0(0);
        mmio.write32(SmmuRegisters.CR1, CR1_WB_ISH);
        int cr2 = SmmuRegisters.CR2_RECINVSID | (vmids.ptm() ? SmmuRegisters.CR2_PTM : 0);
        mmio.write32(SmmuRegisters.CR2, cr2);

        strtab = new StreamTableDriver(memory, pages, features);
        mmio.write64(SmmuRegisters.STRTAB_BASE, strtab.baseRegister());
        mmio.write32(SmmuRegisters.STRTAB_BASE_CFG, strtab.baseCfgRegister());

        int cmdqLog2 = Math.min(CMDQ_LOG2, features.cmdqs());
        long cmdqBase = pages.allocate(Math.max(32, 16L << cmdqLog2));
        mmio.write64(SmmuRegisters.CMDQ_BASE, (1L << 62) | cmdqBase | cmdqLog2);
        mmio.write32(SmmuRegisters.CMDQ_PROD, 0);
        mmio.write32(SmmuRegisters.CMDQ_CONS, 0);
        cmdq = new CommandQueueDriver(mmio, memory, cmdqBase, cmdqLog2);

        evtqLog2 = Math.min(EVTQ_LOG2, features.eventqs());
        evtqBase = pages.allocate(Math.max(32, 32L << evtqLog2));
        mmio.write64(SmmuRegisters.EVENTQ_BASE, (1L << 62) | evtqBase | evtqLog2);
        mmio.write32(SmmuRegisters.EVENTQ_PROD, 0);
        mmio.write32(SmmuRegisters.EVENTQ_CONS, 0);
        evtqCons = 0;

        int cr0 = SmmuRegisters.CR0_CMDQEN;
        writeCr0(cr0);
        // Nothing may linger from firmware or an earlier kernel: configuration and TLB, every VMID.
        List<long[]> flush = new ArrayList<>();
        flush.add(Commands.cfgiAll().encode());
        if (features.hyp()) {
            flush.add(Commands.tlbiEl2All().encode());
        }
        flush.add(Commands.tlbiNsnhAll().encode());
        cmdq.issueWithSync(flush);

        cr0 |= SmmuRegisters.CR0_EVENTQEN;
        writeCr0(cr0);
        mmio.write32(SmmuRegisters.IRQ_CTRL, Interrupts.GERROR_IRQEN | Interrupts.EVENTQ_IRQEN);
        writeCr0(cr0 | SmmuRegisters.CR0_SMMUEN);
    }

    private void writeCr0(int value) {
        mmio.write32(SmmuRegisters.CR0, value);
        if (mmio.read32(SmmuRegisters.CR0ACK) != value) {
            throw new IllegalStateException(String.format("SMMU %d did not acknowledge CR0=0x%x (CR0ACK=0x%x)", id,
                value, mmio.read32(SmmuRegisters.CR0ACK)));
        }
    }

    // ------------------------------------------------------------------ what the rest of the driver uses

    /**
     * Whether the kernel sets ARM_SMMU_OPT_CMDQ_FORCE_SYNC for this SMMU: an Arm MMU-700 by its IIDR (Arm erratum
     * 2812531, {@code arm_smmu_device_iidr_probe}). In the kernel it makes a batch end with CMD_SYNC one entry before
     * it is full; the model's queue driver has no 64-entry batch limit, so here it only refuses vIOMMUs.
     */
    static boolean cmdqForceSync(int iidr) {
        int implementer = iidr & 0xfff;
        int productId = iidr >>> 20;
        return implementer == IIDR_IMPLEMENTER_ARM && productId == IIDR_PRODUCTID_ARM_MMU_700;
    }

    /**
     * Whether {@code arm_smmu_device_iidr_probe} clears ARM_SMMU_FEAT_NESTING for this implementation: an MMU-600
     * before r2 (Arm erratum 1209401) or an MMU-700 before r1p1 (Arm errata 2268618 and 2812531; older kernels clear
     * it for every MMU-700).
     */
    static boolean nestingErratum(int iidr) {
        if ((iidr & 0xfff) != IIDR_IMPLEMENTER_ARM) {
            return false;
        }
        int productId = iidr >>> 20;
        int variant = (iidr >>> 16) & 0xf;
        int revision = (iidr >>> 12) & 0xf;
        return productId == IIDR_PRODUCTID_ARM_MMU_600 && variant < 2
            || productId == IIDR_PRODUCTID_ARM_MMU_700 && (variant < 1 || variant == 1 && revision < 1);
    }

    /** Whether ARM_SMMU_OPT_CMDQ_FORCE_SYNC applies to this SMMU ({@link #cmdqForceSync(int)}). */
    public boolean cmdqForceSync() {
        return cmdqForceSync;
    }

    /** The SMMU's features as its IDRs describe them. */
    public SmmuFeatures features() {
        return features;
    }

    /** The VMID arrangement chosen for this SMMU (BTM decision, CR2.PTM, policies). */
    public SmmuVmids vmids() {
        return vmids;
    }

    /** The driver options. */
    public ArmSmmuV3Options options() {
        return options;
    }

    /** The command queue. */
    public CommandQueueDriver commandQueue() {
        return cmdq;
    }

    /** IDR1.ATTR_TYPES_OVR: STEs may ask for the incoming shareability (SHCFG). */
    boolean attrTypesOvr() {
        return (idrs[1] & (1 << 27)) != 0;
    }

    /**
     * Whether the SMMU can nest (ARM_SMMU_FEAT_NESTING): stage 1 and stage 2, and no implementation erratum that makes
     * the kernel withdraw nesting ({@link #nestingErratum(int)}).
     */
    public boolean nesting() {
        return features.s1p() && features.s2p() && !nestingErratum;
    }

    /** The device behind this SMMU with {@code streamId}, as the driver sees it. */
    public synchronized Optional<SmmuMaster> master(int streamId) {
        return Optional.ofNullable(masters.get(streamId));
    }

    /** The physical memory the SMMU reads its structures from. */
    PhysicalMemory memory() {
        return memory;
    }

    /** The driver's table memory. */
    PageAllocator pages() {
        return pages;
    }

    /** Issues commands plus a CMD_SYNC (callers hold the driver lock or need no ordering with it). */
    synchronized void issue(List<long[]> commands) {
        cmdq.issueWithSync(commands);
    }

    /** Moves the STE of {@code sid} to {@code target} with the hitless sequence, CFGI_STE + CMD_SYNC per step. */
    synchronized EntryWriter.Outcome installSte(int sid, long[] target) {
        long at = strtab.steAddress(sid);
        return EntryWriter.write(new EntryWriter.Target() {
            @Override
            public long[] read() {
                return memory.readLongs(at, EntryWriter.QWORDS);
            }

            @Override
            public void writeQword(int index, long value) {
                memory.writeLong(at + 8L * index, value);
            }

            @Override
            public long[] used(long[] entry) {
                return SteWords.used(entry);
            }

            @Override
            public long[] updateSafe(long[] current, long[] t) {
                return SteWords.updateSafe(current, t);
            }

            @Override
            public void sync() {
                cmdq.issueWithSync(List.of(Commands.cfgiSte(sid, true).encode()));
            }
        }, target);
    }

    /** The STE of {@code sid} as it is in memory now. */
    public synchronized long[] ste(int sid) {
        return memory.readLongs(strtab.steAddress(sid), EntryWriter.QWORDS);
    }

    /** Leases a VMID for a context tied to KVM VM {@code vmNumber} (or none); VmidException maps to its errno. */
    VmidLease leaseVmid(VmidRequest request) {
        try {
            return vmids.acquire(request);
        } catch (VmidException e) {
            throw asIommufd(e);
        }
    }

    /**
     * The VMID request of a nesting context (vIOMMU or v1 nested domain) over {@code parent}, from a context holding
     * the reference {@code kvm} on its VM or from an untied one; EINVAL for a reference this machine cannot resolve.
     * It names the parent's stage-2 table, so that under BTM one VM's VMID never tags two tables.
     */
    VmidRequest nestingRequest(Optional<KvmReference> kvm, S2Domain parent) {
        Optional<Vm> vm = kvm.map(ref -> vms.apply(ref).orElseThrow(() -> new IommufdException(Errno.EINVAL,
            "the context is tied to KVM VM " + ref.vmNumber() + ", which is not a VM of this machine")));
        return VmidRequest.nesting(vm).onStage2(parent.s2Config().ttb());
    }

    /** The v1 entry exists on every SMMU; one that cannot nest has no nest-parent HWPT to put it on. */
    @Override
    public boolean supportsDomainAllocNestedV1() {
        return true;
    }

    /**
     * The v1 ABI's {@code domain_alloc_nested}: a nested domain on the nest-parent {@code parent} from the v1
     * {@code iommu_hwpt_arm_smmuv3} data, for a context tied to KVM VM {@code vm} (if any). Not offered through
     * {@link #supportsDomainAllocNested()}, which stays false so that the upstream ABI is exact (a nest-parent
     * pt_id with ARM data is EOPNOTSUPP there); the core calls this only in contexts opened for the v1 ABI.
     */
    @Override
    public NestedDomain allocDomainNestedV1(PagingDomain parent, IommuDevice device, int flags, UserData data,
                                            Optional<KvmReference> vm) {
        requireMine(device);
        if (!(parent instanceof S2Domain s2)) {
            throw new IommufdException(Errno.EINVAL, "the parent is not an arm-smmu-v3 stage-2 domain");
        }
        synchronized (this) {
            return V1NestedDomain.alloc(this, s2, flags, data, vm);
        }
    }

    /** Every master attached to the v1 nested domain {@code domain}. */
    synchronized List<SmmuMaster> mastersAttachedTo(V1NestedDomain domain) {
        List<SmmuMaster> out = new ArrayList<>();
        for (SmmuMaster m : masters.values()) {
            if (m.domain() == domain) {
                out.add(m);
            }
        }
        return out;
    }

    /** A VMID error with the same errno for userspace. */
    static IommufdException asIommufd(VmidException e) {
        return new IommufdException(Errno.valueOf(e.errno().name()), e.reason());
    }

    /** Every master currently attached to a nested domain of {@code vsmmu}. */
    synchronized List<SmmuMaster> mastersOf(ArmVsmmu vsmmu) {
        List<SmmuMaster> out = new ArrayList<>();
        for (SmmuMaster m : masters.values()) {
            if (m.nestedUnder(vsmmu)) {
                out.add(m);
            }
        }
        return out;
    }

    /** Every master currently translating through {@code domain} directly or as the parent of a nested domain. */
    synchronized List<SmmuMaster> mastersUsing(S2Domain domain) {
        List<SmmuMaster> out = new ArrayList<>();
        for (SmmuMaster m : masters.values()) {
            if (m.usesStage2(domain)) {
                out.add(m);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ events

    /**
     * The event queue interrupt: reads every new record (CONS up to PROD, acknowledging an overflow), then hands each
     * to its nested master's vIOMMU (pSID replaced by the vSID) or keeps it as a {@link HostEvent}.
     */
    public void handleEventInterrupt() {
        List<Runnable> reports = new ArrayList<>();
        synchronized (this) {
            int mask = (1 << (evtqLog2 + 1)) - 1;
            int prodReg = mmio.read32(SmmuRegisters.EVENTQ_PROD);
            int prod = prodReg & mask;
            while ((evtqCons & mask) != prod) {
                long at = evtqBase + (long) (evtqCons & ((1 << evtqLog2) - 1)) * 32;
                long[] record = memory.readLongs(at, 4);
                evtqCons = (evtqCons + 1) & mask;
                reports.add(dispatch(record));
            }
            // Publishing CONS frees the slots; echoing OVFLG as OVACKFLG acknowledges a lost-records overflow.
            int overflow = prodReg & 0x8000_0000;
            if ((overflow ^ (mmio.read32(SmmuRegisters.EVENTQ_CONS) & 0x8000_0000)) != 0) {
                hostEvents.add(new HostEvent(new long[4], "the SMMU event queue overflowed: records were lost"));
            }
            mmio.write32(SmmuRegisters.EVENTQ_CONS, overflow | evtqCons);
        }
        reports.forEach(Runnable::run);
    }

    private Runnable dispatch(long[] record) {
        int eventId = (int) (record[0] & 0xFF);
        int sid = (int) (record[0] >>> 32);
        SmmuMaster master = masters.get(sid);
        if (master == null || master.vsmmu() == null) {
            hostEvents.add(new HostEvent(record, "StreamID 0x" + Integer.toHexString(sid)
                + " is not attached to a nested domain"));
            return () -> { };
        }
        if (!IommufdConstants.isForwardedArmEvent(eventId)) {
            hostEvents.add(new HostEvent(record, "event 0x" + Integer.toHexString(eventId)
                + " is not forwarded to a vIOMMU"));
            return () -> { };
        }
        ArmVsmmu vsmmu = master.vsmmu();
        long vsid = master.vsid();
        long[] virt = record.clone();
        virt[0] = (virt[0] & 0xFFFF_FFFFL) | (vsid << 32);
        return () -> {
            try {
                vsmmu.report(virt);
                synchronized (this) {
                    eventsForwarded++;
                }
            } catch (IommufdException e) {
                synchronized (this) {
                    hostEvents.add(new HostEvent(record, "not forwarded: " + e.getMessage()));
                }
            }
        };
    }

    /** The events the host kept, oldest first. */
    public synchronized List<HostEvent> hostEvents() {
        return Collections.unmodifiableList(new ArrayList<>(hostEvents));
    }

    /** How many records the host kept so far (the index the next one gets). */
    public synchronized int hostEventCount() {
        return hostEvents.size();
    }

    /** The records the host kept from index {@code from} on, at most {@code max} of them. */
    public synchronized List<HostEvent> hostEvents(int from, int max) {
        int start = Math.min(Math.max(from, 0), hostEvents.size());
        return List.copyOf(hostEvents.subList(start, Math.min(hostEvents.size(), start + Math.max(max, 0))));
    }

    /** How many events went to a vEVENTQ. */
    public synchronized long eventsForwarded() {
        return eventsForwarded;
    }

    // ------------------------------------------------------------------ IommuInstance

    @Override
    public int id() {
        return id;
    }

    @Override
    public String driverName() {
        return DRIVER_NAME;
    }

    @Override
    public synchronized Optional<IommuDevice> device(int streamId) {
        return Optional.ofNullable(masters.get(streamId));
    }

    /**
     * {@code arm_smmu_domain_alloc_paging_flags}: NEST_PARENT and PASID are the flags known (dirty tracking needs
     * HTTU, which the model has not); flags 0 gives a stage-2 domain where the SMMU has stage 2 and a stage-1 one
     * otherwise; NEST_PARENT a stage-2 parent (EOPNOTSUPP unless the SMMU nests); PASID a stage-1 domain (EOPNOTSUPP
     * without stage 1); both together EOPNOTSUPP. (The kernel prefers stage 1 for flags 0 whenever the SMMU has it;
     * smmuref keeps stage 2 there so that plain domains carry a VMID, see docs/smmu-driver.md.)
     */
    @Override
    public PagingDomain allocPagingDomain(IommuDevice device, int flags, UserData data) {
        requireMine(device);
        int known = IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT | IommufdConstants.IOMMU_HWPT_ALLOC_PASID;
        if ((flags & ~known) != 0) {
            throw new IommufdException(Errno.EOPNOTSUPP, "arm-smmu-v3 paging domains support no flags 0x"
                + Integer.toHexString(flags & ~known) + " (no dirty tracking)");
        }
        if (data != null) {
            throw new IommufdException(Errno.EOPNOTSUPP, "arm-smmu-v3 paging domains take no driver data");
        }
        synchronized (this) {
            switch (flags) {
                case 0:
                    return features.s2p() ? new S2Domain(this, false) : new S1Domain(this);
                case IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT:
                    if (!nesting()) {
                        throw new IommufdException(Errno.EOPNOTSUPP, "SMMU " + id
                            + " cannot nest (needs stage 1 and stage 2)");
                    }
                    return new S2Domain(this, true);
                case IommufdConstants.IOMMU_HWPT_ALLOC_PASID:
                    if (!features.s1p()) {
                        throw new IommufdException(Errno.EOPNOTSUPP, "SMMU " + id
                            + " has no stage 1 for a PASID-capable domain");
                    }
                    return new S1Domain(this);
                default:
                    throw new IommufdException(Errno.EOPNOTSUPP, "NEST_PARENT and PASID together are not a paging"
                        + " domain arm-smmu-v3 allocates");
            }
        }
    }

    /** The lowest free ASID (1 .. 2^IDR0.ASID16-bits - 1); EBUSY when all are taken, as xa_alloc answers. */
    synchronized int allocateAsid() {
        int asid = asids.nextClearBit(1);
        if (asid >= 1 << features.asidBits()) {
            throw new IommufdException(Errno.EBUSY, "SMMU " + id + " has no free ASID");
        }
        asids.set(asid);
        return asid;
    }

    /** Gives an ASID back after its TLB entries were invalidated. */
    synchronized void releaseAsid(int asid) {
        asids.clear(asid);
    }

    /**
     * {@code arm_smmu_get_viommu_size}: nesting; no forced CMD_SYNC (its interaction with the guest's invalidation
     * batches is unstudied); and a way to keep the VM from bypassing the cache, since VFIO does no cache maintenance:
     * the device is CANWBS (fully coherent, No-Snoop included) or the SMMU has S2FWB (the guest's stage-1 attributes
     * cannot make DMA non-coherent). IDR0.COHACC is not enough: it says the SMMU's own accesses are coherent, not the
     * device's. Then the type must be ARM_SMMUV3.
     */
    @Override
    public boolean supportsViommu(IommuDevice device, int type) {
        if (!(device instanceof SmmuMaster master) || master.smmu() != this) {
            return false;
        }
        return nesting() && !cmdqForceSync && (master.canwbs() || features.fwb())
            && type == IommufdConstants.IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
    }

    @Override
    public ViommuDriver initViommu(ViommuHost host, PagingDomain parent, IommuDevice device, UserData data) {
        requireMine(device);
        if (!(parent instanceof S2Domain s2) || s2.smmu() != this) {
            throw new IommufdException(Errno.EINVAL, "the nesting parent belongs to another SMMU");
        }
        if (!s2.nestParent()) {
            throw new IommufdException(Errno.EINVAL, "the parent was not allocated with NEST_PARENT");
        }
        // ARM_SMMUV3 vIOMMUs take no driver data; like the kernel the driver does not look at it.
        if (vmids.viommuVmidFromNestParent()) {
            // Upstream's arm_vsmmu_init: vsmmu->vmid = s2_parent->s2_cfg.vmid, shared by every vIOMMU on the parent.
            return new ArmVsmmu(this, host, s2, s2.lease(), false);
        }
        return new ArmVsmmu(this, host, s2, leaseVmid(nestingRequest(host.kvm(), s2)), true);
    }

    /**
     * The 40-byte {@code iommu_hw_info_arm_smmuv3} as {@code arm_smmu_hw_info} fills it: IDR0..IDR5, IIDR and AIDR
     * exactly as the registers read, IDR0.BTM included whatever the VMID policy decided (the kernel does not clear
     * it either; a VMM must not read BTM here as "the host uses BTM").
     */
    byte[] hwInfo() {
        List<Integer> idr = new ArrayList<>();
        for (int v : idrs) {
            idr.add(v);
        }
        return new org.smmuref.iommufd.uapi.IommuHwInfoArmSmmuv3(0, 0, idr, iidr, aidr).encode();
    }

    private void requireMine(IommuDevice device) {
        if (!(device instanceof SmmuMaster m) || m.smmu() != this) {
            throw new IommufdException(Errno.EINVAL, "the device is not behind SMMU " + id);
        }
    }

    @Override
    public String toString() {
        return "arm-smmu-v3 " + id + " [" + vmids.btmDecision() + "]";
    }
}
