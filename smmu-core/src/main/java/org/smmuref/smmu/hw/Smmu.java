package org.smmuref.smmu.hw;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One SMMUv3 instance: registers and queues, configuration cache, TLB and walker, the DMA port, ATS and the BTM input.
 *
 * <p><b>MMIO.</b> {@link #read32}, {@link #read64}, {@link #write32} and {@link #write64} reach the register file
 * (page 0 and page 1). Writing CMDQ_PROD consumes the command queue on the writing thread; this object is the
 * queue's {@link CommandHandler}. Software must program the SMMU through these methods (the translation path keeps a
 * snapshot of the control registers that they refresh).
 *
 * <p><b>Commands.</b> Every effect is applied synchronously when the command is consumed: CFGI_* drop configuration
 * cache entries, TLBI_* drop TLB entries, ATC_INV drops entries of the {@link Atc} model, so every earlier command's
 * effect is visible to every translation that starts after a CMD_SYNC. A translation that raced with an invalidation
 * and would return a translation is redone (see {@link #translate}), so no translation ever returns a result removed
 * by an invalidation that completed before it returned. CMD_SYNC (and a BTM broadcast) also waits for the memory
 * accesses of {@link #transfer}s in flight that began before it, so no DMA write lands through a removed translation
 * after the SYNC completed (SMMU section 4.7.3, 3.21); {@link #translate} and {@link #translateAddress} only answer
 * the translation, and an access their caller makes afterwards is outside what a SYNC can order. PREFETCH_* are no-ops; RESUME / STALL_TERM act on transactions stalled through {@link #translateStallable}; PRI_RESP finds nothing to act on (the model never stalls a non-waiting port and
 * has no PRI queue).
 *
 * <p><b>Configuration cache.</b> Keyed by (StreamID, SubstreamID or none); holds decoded STE + CD results and the
 * walker contexts, never stage-2 results: CD and TTB IPAs of nested streams are translated through the TLB (as IPA
 * entries) each time they are used. CFGI_STE / STE_RANGE / ALL drop every entry of the StreamIDs (CDs included);
 * CFGI_CD drops the SubstreamID's entry and the no-SubstreamID entry (with Leaf=0, every entry of the StreamID, as
 * the L1CD may have changed); CFGI_CD_ALL every entry of the StreamID. Entries of nested streams are also dropped by
 * stage-2 invalidations of their VMID (TLBI_S2_IPA, S12_VMALL, NSNH_ALL), because their CD was fetched through
 * stage 2: a remap of the CD's IPA is then seen without a CFGI (over-invalidation, which the architecture allows).
 * Changing SMMUEN, CR0.ATSCHK or CR2.E2H empties it.
 *
 * <p><b>Micro-TLB.</b> A permitted TLB hit is also kept in a small StreamID-tagged {@link MicroTlb} (per 4K page, with
 * the accesses the stream permits there), which later transactions of the same stream and page use before the
 * configuration cache and TLB, as a TBU's micro-TLB would. Any TLB or configuration invalidation and any control change
 * empties it at once.
 *
 * <p><b>Events</b> follow the A/R/S rules: stage-1 translation faults are recorded if CD.R (or CD.S) and abort if CD.A,
 * else complete as RAZ/WI; stage-2 faults are recorded if STE.S2R (or S2S) and always abort; F_WALK_EABT and
 * configuration errors are always recorded (C_BAD_STREAMID only with CR2.RECINVSID). Records of a stream whose STE
 * sets MEV may be merged. Only {@link #translateStallable} stalls (CD.S / STE.S2S); the other ports record and terminate such a fault.
 *
 * <p><b>Attribute overrides.</b> With IDR1.ATTR_PERMS_OVR, STE.PRIVCFG and INSTCFG replace the incoming PnU and InD
 * attributes before translation (SMMU section 13.1.2; INSTCFG for reads only); permission checks, TLB hits and event
 * records see the overridden values. The memory-type overrides (MTCFG / MemAttr, ALLOCCFG, SHCFG, NSCFG) only shape
 * the output transaction's memory attributes, which this model does not compute: they are not applied.
 *
 * <p>Safe for concurrent DMA from many threads while another thread programs the SMMU.
 */
public final class Smmu implements CommandHandler {
    /** The SubstreamID argument of a transaction without a SubstreamID (SSV=0). */
    public static final int NO_SUBSTREAM = -1;

    /** What {@link #translateAddress} answers for a transaction that does not reach memory. */
    public static final long NO_ADDRESS = -1L;

    /** The largest SubstreamID (20 bits). */
    public static final int MAX_SUBSTREAM = (1 << 20) - 1;

    /**
     * Construction options.
     *
     * @param tlbCapacity TLB entries (1 .. 2^28)
     * @param configCacheCapacity configuration cache entries (1 .. 2^24)
     */
    public record Options(int tlbCapacity, int configCacheCapacity) {
        /** 4096 TLB entries, 1024 configuration cache entries. */
        public static final Options DEFAULT = new Options(Tlb.DEFAULT_CAPACITY, 1024);

        /** Validates the capacities. */
        public Options {
            if (tlbCapacity < 1 || tlbCapacity > (1 << 28)) {
                throw new IllegalArgumentException("TLB capacity must be 1..2^28 entries, was " + tlbCapacity);
            }
            if (configCacheCapacity < 1 || configCacheCapacity > (1 << 24)) {
                throw new IllegalArgumentException(
                    "config cache capacity must be 1..2^24 entries, was " + configCacheCapacity);
            }
        }
    }

    /** The control-register state the translation path reads, refreshed after every MMIO write. */
    private record Controls(boolean enabled, boolean gbpaAbort, boolean recordInvalidSid, boolean recordCfgAts,
                            boolean atsCheck, boolean e2h, boolean ptm, long strtabBase, int strtabCfg,
                            int vmw) {
        Ste.Controls steControls() {
            return new Ste.Controls(atsCheck, e2h);
        }

        boolean sameConfigInputs(Controls o) {
            return enabled == o.enabled && atsCheck == o.atsCheck && e2h == o.e2h && strtabBase == o.strtabBase
                && strtabCfg == o.strtabCfg;
        }
    }

    /** One stalled transaction: the device's handle and what to translate again on a CMD_RESUME retry. */
    private record Stall(PendingDma pending, int sid, int ssid, long address, Access access) {
    }

    /** Unwinds a stall-capable translation whose fault stalled it (the event is recorded, the handle waits). */
    private static final class StallSignal extends RuntimeException {
        StallSignal() {
            super("stalled", null, false, false);
        }
    }

    private static final StallSignal STALLED = new StallSignal();

    /** Which request a configuration lookup serves: the recording rules differ. */
    private enum Request { DMA, ATS }

    /** A stage-2 fault translating a CD / L1CD IPA of a nested stream, carried out of the CD table walk. */
    private static final class CdStage2Fault extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient TranslationFault fault;

        CdStage2Fault(TranslationFault fault) {
            super(null, null, false, false);
            this.fault = fault;
        }
    }

    private final SmmuFeatures features;
    private final PhysicalMemory memory;
    private final Tlb tlb;
    private final MicroTlb micro;
    private final TranslationEngine engine;
    private final ConfigCache configs;
    private final Atc atc = new Atc();
    private final DescriptorFetcher direct;
    private final AtomicLong invalidations = new AtomicLong();
    private final InFlightDma inFlight = new InFlightDma();
    private final Object controlsLock = new Object();
    // Stalled transactions by (StreamID << 16 | STAG); a stall holds no translation, so invalidations pass it by.
    private final ConcurrentHashMap<Long, Stall> stalls = new ConcurrentHashMap<>();
    private final AtomicInteger nextStag = new AtomicInteger();
    private final SmmuRegisters registers;
    private volatile Controls controls;

    /**
     * Creates an SMMU after reset: SMMUEN=0, GBPA bypass, empty caches.
     *
     * @param memory the physical memory holding tables and queues, which DMA reaches
     * @param sink receives the wired interrupts and SEV
     */
    public Smmu(SmmuFeatures features, PhysicalMemory memory, InterruptSink sink, Options options) {
        this.features = Objects.requireNonNull(features, "features");
        if (features.httu() > 2) {
            throw new IllegalArgumentException("IDR0.HTTU=" + features.httu()
                + " is not modelled: the walker does not set the AF of table descriptors (HAFT)");
        }
        this.memory = Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(options, "options");
        this.tlb = new Tlb(options.tlbCapacity());
        // Four ways per TLB entry, within 64 .. 64K: room for the TLB's pages with few two-way set conflicts, while
        // the array stays small enough to sit in the data cache.
        this.micro = new MicroTlb((int) Math.min(1 << 16, Math.max(64L, 4L * options.tlbCapacity())));
        this.engine = new TranslationEngine(memory, tlb, features.iasBits(), new Walker.Implementation(features.oasBits(), features.xnx()));
        this.configs = new ConfigCache(options.configCacheCapacity());
        this.direct = DescriptorFetcher.direct(memory);
        this.registers = new SmmuRegisters(features, memory, this, sink);
        this.controls = readControls();
    }

    /** An SMMU with {@link Options#DEFAULT}. */
    public Smmu(SmmuFeatures features, PhysicalMemory memory, InterruptSink sink) {
        this(features, memory, sink, Options.DEFAULT);
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The features (IDRs) of this SMMU. */
    public SmmuFeatures features() {
        return features;
    }

    /** The physical memory DMA reaches. */
    public PhysicalMemory memory() {
        return memory;
    }

    /** The TLB (for inspection: size, capacity). */
    public Tlb tlb() {
        return tlb;
    }

    /** The model of the endpoints' ATCs that CMD_ATC_INV invalidates. */
    public Atc atc() {
        return atc;
    }

    /** The number of configuration cache entries. */
    public int configCacheSize() {
        return configs.size();
    }

    /** The event queue (for its listeners and state; software reads records from memory through EVENTQ_*). */
    public EventQueue eventQueue() {
        return registers.eventQueue();
    }

    /** Registers {@code listener} to be told about every event record written to the event queue. */
    public void addEventListener(EventQueue.Listener listener) {
        registers.eventQueue().addListener(listener);
    }

    /** The register file; package-private because writes must go through this object's MMIO methods. */
    SmmuRegisters registers() {
        return registers;
    }

    // ------------------------------------------------------------------------------------------------ MMIO

    /** A 32-bit MMIO read at {@code offset} from the SMMU base. */
    public int read32(long offset) {
        return registers.read32(offset);
    }

    /** A 64-bit MMIO read at {@code offset} from the SMMU base. */
    public long read64(long offset) {
        return registers.read64(offset);
    }

    /** A 32-bit MMIO write at {@code offset} from the SMMU base. */
    public void write32(long offset, int value) {
        registers.write32(offset, value);
        refreshControls();
    }

    /** A 64-bit MMIO write at {@code offset} from the SMMU base. */
    public void write64(long offset, long value) {
        registers.write64(offset, value);
        refreshControls();
    }

    private Controls readControls() {
        return new Controls(registers.smmuEnabled(), registers.gbpaAbort(), registers.recordInvalidStreamId(),
            registers.recordConfigErrorsForAts(), registers.atsCheck(), registers.e2h(),
            registers.privateTlbMaintenance(), registers.strtabBase(), registers.strtabBaseCfg(),
            effectiveVmidWildcard(registers.vmidWildcard()));
    }

    /** CR0.VMW: 0b001..0b100 ignore that many VMID LSBs in invalidations; every other value behaves as 0b000. */
    private static int effectiveVmidWildcard(int vmw) {
        return vmw <= 4 ? vmw : 0;
    }

    private void refreshControls() {
        synchronized (controlsLock) {
            Controls next = readControls();
            Controls old = controls;
            if (!next.equals(old)) {
                if (!next.sameConfigInputs(old)) {
                    // Decoding depends on these; cached configuration is not architecturally kept across them.
                    configs.clear();
                    invalidations.incrementAndGet();
                }
                controls = next;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ DMA port

    /**
     * Translates one incoming (untranslated) transaction: the full SMMUv3 path from SMMUEN/GBPA through the stream
     * table, STE, CD table and CD to the TLB and walker; a fault is recorded in the event queue per the rules above.
     *
     * @param streamId the StreamID (an unsigned 32-bit value)
     * @param substreamId the SubstreamID (0 .. 2^20-1), or {@link #NO_SUBSTREAM}
     * @param address the input address (64 bits, top byte included)
     * @throws IllegalArgumentException for a SubstreamID outside 20 bits
     */
    public DmaOutcome translate(int streamId, int substreamId, long address, Access access) {
        checkSubstream(substreamId);
        Objects.requireNonNull(access, "access");
        // The common case first, allocation-free until the outcome: the micro-TLB, then cached configuration and a
        // permitted TLB hit, with no invalidation in between; anything else (a miss, a fault, an unusual stream)
        // takes the full path.
        long epoch = invalidations.get();
        long streamKey = ConfigCache.key(streamId, substreamId);
        MicroTlb.Entry m = microHit(streamKey, address, access, epoch);
        Translation hit = m != null ? m.translation()
            : cachedHit(streamId, substreamId, streamKey, address, access, epoch);
        if (hit != null) {
            return new DmaOutcome.Translated(address, hit.outputAddress(address), hit);
        }
        return translateFully(streamId, substreamId, address, access, null);
    }

    /**
     * The DMA port of a device that can wait for a stalled transaction (SMMU 3.12.2): like {@link #translate}, except
     * that a translation-related fault (F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION) on a stream whose CD.S
     * (stage-1 faults) or STE.S2S (stage-2 faults) is 1 stalls the transaction: an event record with Stall = 1 and a
     * fresh STAG goes to the event queue, and the returned handle stays pending until CMD_RESUME with that StreamID
     * and STAG (Ac = 1: translated again with the configuration and tables of that moment, which may stall it once
     * more; Ac = 0: terminated, aborted with Ab = 1 or RAZ/WI) or CMD_STALL_TERM for the StreamID (aborted). A stall
     * whose record is not written (EVENTQEN = 0, or the queue full) could never be answered, so the transaction is
     * aborted instead. Other ports ({@link #translate}, {@link #read}, ...) never stall: they terminate per CD.A.
     */
    public PendingDma translateStallable(int streamId, int substreamId, long address, Access access) {
        checkSubstream(substreamId);
        Objects.requireNonNull(access, "access");
        PendingDma p = new PendingDma();
        attempt(new Stall(p, streamId, substreamId, address, access));
        return p;
    }

    private void attempt(Stall s) {
        try {
            s.pending().complete(translateFully(s.sid(), s.ssid(), s.address(), s.access(), s.pending()));
        } catch (StallSignal stalled) {
            // Registered and recorded by fault(): the handle waits for CMD_RESUME / CMD_STALL_TERM.
        } catch (RuntimeException e) {
            s.pending().fail(e);
            throw e;
        }
    }

    /** The number of transactions stalled now (for tests and the debug view). */
    public int stalledTransactions() {
        return stalls.size();
    }

    /**
     * The DMA port's address-only form of {@link #translate}: the physical address the transaction reaches, or
     * {@link #NO_ADDRESS} when it is aborted or terminated (RAZ/WI). Everything else is identical, including the
     * events a fault records; a TLB hit allocates nothing, which is what a device model's inner loop wants.
     *
     * @throws IllegalArgumentException for a SubstreamID outside 20 bits
     */
    public long translateAddress(int streamId, int substreamId, long address, Access access) {
        checkSubstream(substreamId);
        Objects.requireNonNull(access, "access");
        long epoch = invalidations.get();
        long streamKey = ConfigCache.key(streamId, substreamId);
        MicroTlb.Entry m = microHit(streamKey, address, access, epoch);
        if (m != null) {
            return m.outputPage() | (address & 0xFFF);
        }
        Translation hit = cachedHit(streamId, substreamId, streamKey, address, access, epoch);
        if (hit != null) {
            return hit.outputAddress(address);
        }
        DmaOutcome out = translateFully(streamId, substreamId, address, access, null);
        return out.proceeds() ? out.physicalAddress() : NO_ADDRESS;
    }

    /** The micro-TLB's entry for this transaction if it is live and no invalidation ran meanwhile, else null. */
    private MicroTlb.Entry microHit(long streamKey, long address, Access access, long epoch) {
        MicroTlb.Entry m = micro.lookup(streamKey, address, MicroTlb.accessBit(access), tlb.generation(), epoch);
        return m != null && invalidations.get() == epoch ? m : null;
    }

    /**
     * The permitted TLB hit {@link #resolve} would use from cached configuration, or null when anything else would
     * happen (the full path then decides); a hit also fills the micro-TLB, stamped with the TLB generation read before
     * the lookup, so an invalidation racing with it leaves a dead entry.
     */
    private Translation cachedHit(int sid, int ssid, long streamKey, long address, Access access, long epoch) {
        StreamConfig cfg = hitConfig(sid, ssid);
        if (cfg == null) {
            return null;
        }
        long generation = tlb.generation();
        Translation hit = tlb.permittedStage1(cfg.tlbTags(), address, access);
        if (hit == null || invalidations.get() != epoch) {
            return null;
        }
        micro.fill(streamKey, address, generation, epoch, cfg.tlbTags().accesses(hit), hit);
        return hit;
    }

    /** The cached configuration of a stream whose TLB hits the fast paths may use, or null (the full path decides). */
    private StreamConfig hitConfig(int sid, int ssid) {
        if (!controls.enabled()) {
            return null;
        }
        StreamConfig cfg = configs.get(ConfigCache.key(sid, ssid));
        return cfg == null || cfg.tlbTags() == null || cfg.aborts() ? null : cfg;
    }

    private DmaOutcome translateFully(int streamId, int substreamId, long address, Access access, PendingDma stall) {
        while (true) {
            long before = invalidations.get();
            long generation = tlb.generation();
            DmaOutcome out = resolve(streamId, substreamId, address, access, stall);
            // A translation computed across an invalidation may be stale: redo it. Faults stand (they were true of a
            // configuration that existed while the transaction was in flight).
            if (!out.proceeds()) {
                return out;
            }
            if (invalidations.get() == before) {
                if (out instanceof DmaOutcome.Translated t) {
                    // The configuration is the one resolve used: any change to it would have moved the epoch.
                    StreamConfig cfg = hitConfig(streamId, substreamId);
                    if (cfg != null) {
                        micro.fill(ConfigCache.key(streamId, substreamId), address, generation, before,
                            cfg.tlbTags().accesses(t.translation()), t.translation());
                    }
                }
                return out;
            }
        }
    }

    private DmaOutcome resolve(int sid, int ssid, long address, Access incoming, PendingDma stall) {
        Controls c = controls;
        if (!c.enabled()) {
            return disabled(c, address);
        }
        Object looked = config(c, sid, ssid, address, incoming, Request.DMA);
        if (looked instanceof DmaOutcome o) {
            return o;
        }
        StreamConfig cfg = (StreamConfig) looked;
        if (cfg.aborts()) {
            return new DmaOutcome.Aborted(null, "STE.Config=abort");
        }
        // STE.PRIVCFG / INSTCFG: translation, and the fault's record, see the overridden attributes.
        Access access = cfg.ste().effectiveAccess(incoming);
        Stage1Context s1 = cfg.stage1();
        Stage2Context s2 = cfg.stage2();
        if (s1 == null && s2 == null) {
            if ((address >>> features.iasBits()) != 0) {
                TranslationFault f = new TranslationFault(FaultType.F_ADDR_SIZE, false, FaultClass.IN, address, 0, 0,
                    false, -1);
                return fault(cfg, f, sid, ssid, address, access, null);
            }
            return new DmaOutcome.Bypassed(address);
        }
        TranslationResult r = s1 == null ? engine.translate(null, s2, address, access)
            : engine.translate(s1, s2, cfg.tlbTags(), address, access);
        if (r instanceof Translation t) {
            return new DmaOutcome.Translated(address, t.outputAddress(address), t);
        }
        return fault(cfg, (TranslationFault) r, sid, ssid, address, access, stall);
    }

    private DmaOutcome disabled(Controls c, long address) {
        if (c.gbpaAbort()) {
            return new DmaOutcome.Aborted(null, "SMMUEN=0 and GBPA.ABORT=1");
        }
        if ((address >>> features.oasBits()) != 0) {
            return new DmaOutcome.Aborted(null, String.format(
                "SMMUEN=0 bypass of 0x%x, above the %d-bit OAS (no event)", address, features.oasBits()));
        }
        return new DmaOutcome.Bypassed(address);
    }

    /**
     * Moves {@code length} bytes from device memory at {@code address} (through translation) into {@code dst},
     * page by page, stopping at the first page that is aborted or reaches no memory. RAZ/WI pages read as zero.
     */
    public DmaTransfer read(int streamId, int substreamId, long address, byte[] dst, int offset, int length) {
        return transfer(streamId, substreamId, address, dst, offset, length, Access.READ);
    }

    /**
     * Moves {@code length} bytes from {@code src} to device memory at {@code address} (through translation), page by
     * page, stopping at the first page that is aborted or reaches no memory. RAZ/WI pages drop the bytes.
     */
    public DmaTransfer write(int streamId, int substreamId, long address, byte[] src, int offset, int length) {
        return transfer(streamId, substreamId, address, src, offset, length, Access.WRITE);
    }

    /**
     * Moves bytes between {@code buffer} and device memory with the given access attributes ({@code access.write()}
     * selects the direction); see {@link #read} and {@link #write}.
     *
     * @throws IndexOutOfBoundsException if the buffer range is invalid
     */
    public DmaTransfer transfer(int streamId, int substreamId, long address, byte[] buffer, int offset, int length,
                                Access access) {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        int done = 0;
        while (done < length) {
            long va = address + done;
            int chunk = (int) Math.min(length - done, PhysicalMemory.PAGE_SIZE - (va & (PhysicalMemory.PAGE_SIZE - 1)));
            long epoch = invalidations.get();
            DmaOutcome o = translate(streamId, substreamId, va, access);
            if (o instanceof DmaOutcome.RazWi) {
                if (!access.write()) {
                    java.util.Arrays.fill(buffer, offset + done, offset + done + chunk, (byte) 0);
                }
            } else if (o.proceeds()) {
                // The memory access is in flight from here until it is globally observed: a CMD_SYNC waits for it.
                // An invalidation since the translation (whose SYNC may already have advanced past this access)
                // means the translation may be one that SYNC promised gone: translate again.
                int token = inFlight.enter(streamId);
                try {
                    if (invalidations.get() != epoch) {
                        continue;
                    }
                    if (access.write()) {
                        memory.write(o.physicalAddress(), buffer, offset + done, chunk);
                    } else {
                        memory.read(o.physicalAddress(), buffer, offset + done, chunk);
                    }
                } catch (ExternalAbortException e) {
                    return new DmaTransfer(done, new DmaOutcome.Aborted(null, String.format(
                        "external abort: no memory at PA 0x%x", e.address())));
                } finally {
                    inFlight.exit(token);
                }
            } else {
                return new DmaTransfer(done, o);
            }
            done += chunk;
        }
        return new DmaTransfer(done, null);
    }

    // ------------------------------------------------------------------------------------------------ ATS

    /**
     * Answers an ATS Translation Request per STE.EATS: 0b00 refuses it with F_BAD_ATS_TREQ; 0b01 (full ATS) returns
     * the stage-1+2 translation; 0b10 (split-stage, nested with CR0.ATSCHK) returns the stage-1 result, an IPA.
     * Translation-related faults are not recorded for ATS requests: the completion then grants nothing (R = W = 0).
     * Configuration errors are recorded only with CR2.REC_CFG_ATS. A granted completion is cached in the device's
     * {@link #atc() ATC}.
     *
     * @throws IllegalStateException when the SMMU does not implement ATS (IDR0.ATS=0)
     */
    public AtsResult atsTranslate(int streamId, int substreamId, long address, Access access) {
        if (!features.ats()) {
            throw new IllegalStateException("IDR0.ATS=0: this SMMU accepts no ATS translation requests");
        }
        checkSubstream(substreamId);
        Objects.requireNonNull(access, "access");
        while (true) {
            long before = invalidations.get();
            AtsResult r = resolveAts(streamId, substreamId, address, access);
            if (!r.granted() || invalidations.get() == before) {
                if (r.granted()) {
                    atc.insert(new Atc.Entry(streamId, substreamId, r.inputBase(), r.size(), r.outputBase(), r.read(),
                        r.write()));
                }
                return r;
            }
        }
    }

    private AtsResult resolveAts(int sid, int ssid, long address, Access access) {
        Controls c = controls;
        if (!c.enabled()) {
            return AtsResult.refused(null, "SMMUEN=0");
        }
        Object looked = config(c, sid, ssid, address, access, Request.ATS);
        if (looked instanceof DmaOutcome.Aborted a) {
            return AtsResult.refused(a.event(), a.reason());
        }
        StreamConfig cfg = (StreamConfig) looked;
        if (cfg.aborts()) {
            return AtsResult.refused(null, "STE.Config=abort");
        }
        access = cfg.ste().effectiveAccess(access);
        int eats = cfg.ste().eats();
        if (eats == 0) {
            EventRecord.Builder b = EventRecord.builder(EventType.F_BAD_ATS_TREQ).streamId(sid).access(access)
                .inputAddr(address);
            if (ssid != NO_SUBSTREAM) {
                b.substreamId(ssid);
            }
            EventRecord e = b.build();
            registers.eventQueue().record(e, cfg.ste().mev());
            return AtsResult.refused(e, "STE.EATS does not allow ATS translation requests (effective EATS=0b00)");
        }
        Stage1Context s1 = cfg.stage1();
        Stage2Context s2 = cfg.stage2();
        boolean split = eats == 0b10;
        if (s1 == null && (s2 == null || split)) {
            // Stage 1 bypasses: the answer is the address itself (an IPA for split-stage).
            long page = address & -PhysicalMemory.PAGE_SIZE;
            return new AtsResult(AtsResult.Status.COMPLETED, page, page, PhysicalMemory.PAGE_SIZE, true, true, split,
                null, "");
        }
        TranslationResult r;
        if (split) {
            // The request's access decides HTTU: a write request (NW = 0) marks a clean DBM page dirty (SMMU 3.13).
            r = engine.walker().walkStage1(s1, s2, address,
                (ctx, ipa, acc, cls, in) -> engine.translateTableIpa(ctx, ipa, acc, cls, in), access);
            if (r instanceof Translation t && Walker.checkStage1(s1, t, address, access) != null) {
                r = Walker.checkStage1(s1, t, address, access);
            }
        } else {
            r = engine.translate(s1, s2, address, access);
        }
        if (r instanceof TranslationFault f) {
            return AtsResult.noAccess(f.type() + (f.stage2() ? " at stage 2" : " at stage 1"));
        }
        Translation t = (Translation) r;
        Access read = new Access(false, access.instruction(), access.privileged());
        Access write = new Access(true, access.instruction(), access.privileged());
        long out = split ? t.ipaBase() : t.outputBase();
        return new AtsResult(AtsResult.Status.COMPLETED, t.inputBase(), out, t.size(),
            allowed(s1, split ? null : s2, t, read), allowed(s1, split ? null : s2, t, write), split, null, "");
    }

    private static boolean allowed(Stage1Context s1, Stage2Context s2, Translation t, Access a) {
        return (s1 == null || Permissions.checkStage1(t.s1Perms(), s1, a))
            && (s2 == null || Permissions.checkStage2(t.s2Perms(), a));
    }

    /**
     * A transaction the device marks as already translated by ATS. Without CR0.ATSCHK it passes untranslated. With
     * ATSCHK it is checked against the STE: allowed when EATS is 0b01 (or the STE bypasses), translated by stage 2
     * when EATS is 0b10 (split-stage: the address is an IPA), else aborted with F_TRANSL_FORBIDDEN. With SMMUEN=0 the
     * ATS interface is not operational and the transaction is aborted, whatever GBPA says (SMMU section 6.3.9.6).
     */
    public DmaOutcome translatedTransaction(int streamId, int substreamId, long address, Access access) {
        checkSubstream(substreamId);
        Objects.requireNonNull(access, "access");
        Controls c = controls;
        if (!c.enabled()) {
            return new DmaOutcome.Aborted(null, "SMMUEN=0: ATS-translated transactions are terminated with an abort");
        }
        if (!c.atsCheck()) {
            return new DmaOutcome.Bypassed(address);
        }
        Object looked = config(c, streamId, substreamId, address, access, Request.DMA);
        if (looked instanceof DmaOutcome o) {
            return o;
        }
        StreamConfig cfg = (StreamConfig) looked;
        if (cfg.aborts()) {
            return new DmaOutcome.Aborted(null, "STE.Config=abort");
        }
        if (cfg.ste().config() == Ste.Config.BYPASS || cfg.ste().eats() == 0b01) {
            return new DmaOutcome.Bypassed(address);
        }
        if (cfg.ste().eats() == 0b10) {
            access = cfg.ste().effectiveAccess(access);
            TranslationResult r = engine.translate(null, cfg.stage2(), address, access);
            if (r instanceof Translation t) {
                return new DmaOutcome.Translated(address, t.outputAddress(address), t);
            }
            return fault(cfg, (TranslationFault) r, streamId, substreamId, address, access, null);
        }
        EventRecord e = EventRecord.builder(EventType.F_TRANSL_FORBIDDEN).streamId(streamId).read(!access.write())
            .inputAddr(address).build();
        registers.eventQueue().record(e, cfg.ste().mev());
        return new DmaOutcome.Aborted(e, "ATS-translated traffic with CR0.ATSCHK=1 but STE.EATS does not allow ATS");
    }

    // ------------------------------------------------------------------------------------------------ BTM

    /**
     * The BTM input: a broadcast TLB invalidation from a PE. Applied only when IDR0.BTM=1, CR2.PTM=0 and SMMUEN=1.
     * Illegal broadcasts for this SMMU are ignored: stage-1 operations without IDR0.S1P, IPA operations without
     * IDR0.S2P, EL2 operations without IDR0.HYP. ASID-scoped operations are applied with broadcast semantics (entries
     * of CDs with ASET=1 are skipped). With S2P=0, stage-1 entries carry VMID 0, so only VMID-0 broadcasts hit.
     *
     * @return whether the broadcast was applied
     */
    public boolean broadcast(TlbInvalidation op) {
        Objects.requireNonNull(op, "op");
        Controls c = controls;
        if (!features.btm() || c.ptm() || !c.enabled() || !legalBroadcast(op)) {
            return false;
        }
        TlbInvalidation applied = op;
        if (op instanceof TlbInvalidation.NhAsid o && !o.broadcast()) {
            applied = new TlbInvalidation.NhAsid(o.vmid(), o.asid(), true);
        } else if (op instanceof TlbInvalidation.NhVa o && !o.broadcast()) {
            applied = new TlbInvalidation.NhVa(o.vmid(), o.asid(), o.address(), o.range(), o.leaf(), true);
        }
        applyTlbInvalidation(applied, c.vmw());
        // The broadcast completes (the PE's DSB finishes) only once the DMA that may have used the removed entries
        // is globally observed, as for CMD_SYNC (SMMU section 3.17, 4.7.3).
        inFlight.await();
        return true;
    }

    private boolean legalBroadcast(TlbInvalidation op) {
        if (op instanceof TlbInvalidation.NhAll || op instanceof TlbInvalidation.NhAsid
            || op instanceof TlbInvalidation.NhVa || op instanceof TlbInvalidation.NhVaa) {
            return features.s1p();
        }
        if (op instanceof TlbInvalidation.S2Ipa) {
            return features.s2p();
        }
        if (op instanceof TlbInvalidation.El2All || op instanceof TlbInvalidation.El2Asid
            || op instanceof TlbInvalidation.El2Va || op instanceof TlbInvalidation.El2Vaa) {
            return features.hyp();
        }
        return true; // S12Vmall, NsnhAll
    }

    // ------------------------------------------------------------------------------------------------ commands

    /** PREFETCH_*: a hint; the model does nothing. */
    @Override
    public void prefetch(Command.Prefetch command) {
        // Doing nothing is a correct implementation of a prefetch.
    }

    @Override
    public void invalidateConfig(Command.ConfigInvalidation command) {
        if (command instanceof Command.CfgiSte c) {
            long sid = Integer.toUnsignedLong(c.streamId());
            configs.invalidate(k -> ConfigCache.streamIdOf(k) == sid, x -> true);
        } else if (command instanceof Command.CfgiSteRange c) {
            long first = c.firstStreamId();
            long last = c.lastStreamId();
            configs.invalidate(k -> ConfigCache.streamIdOf(k) >= first && ConfigCache.streamIdOf(k) <= last,
                x -> true);
        } else if (command instanceof Command.CfgiAll) {
            configs.clear();
        } else if (command instanceof Command.CfgiCd c) {
            long sid = Integer.toUnsignedLong(c.streamId());
            int ssid = c.substreamId();
            boolean leaf = c.leaf();
            configs.invalidate(k -> ConfigCache.streamIdOf(k) == sid && (!leaf
                || ConfigCache.ssidKeyOf(k) == ssid || ConfigCache.ssidKeyOf(k) == ConfigCache.NO_SSID_KEY), x -> true);
        } else if (command instanceof Command.CfgiCdAll c) {
            long sid = Integer.toUnsignedLong(c.streamId());
            configs.invalidate(k -> ConfigCache.streamIdOf(k) == sid, x -> true);
        } else if (command instanceof Command.CfgiVmsPidm) {
            return; // no VMS (MPAM) structures are cached
        } else {
            throw new IllegalArgumentException("unknown configuration invalidation " + command);
        }
        invalidations.incrementAndGet();
    }

    @Override
    public void invalidateTlb(TlbInvalidation invalidation) {
        // On an SMMU without stage 2 the commands' VMID fields are RES0 and stage-1 entries are tagged VMID 0.
        applyTlbInvalidation(features.s2p() ? invalidation : invalidation.withVmid(0), controls.vmw());
    }

    /**
     * Applies an invalidation to every VMID that CR0.VMW makes it match: with {@code vmw} LSBs wildcarded, the
     * 2^vmw VMIDs sharing the upper bits (the wildcard never affects lookups, only invalidation matching).
     */
    private void applyTlbInvalidation(TlbInvalidation op, int vmw) {
        java.util.OptionalInt scope = op.vmidScope();
        if (vmw == 0 || scope.isEmpty()) {
            applyTlbInvalidation(op);
            return;
        }
        int base = scope.getAsInt() & ~((1 << vmw) - 1);
        for (int low = 0; low < 1 << vmw; low++) {
            applyTlbInvalidation(op.withVmid(base | low));
        }
    }

    private void applyTlbInvalidation(TlbInvalidation op) {
        tlb.invalidate(op);
        if (op instanceof TlbInvalidation.NsnhAll) {
            configs.invalidate(k -> true, StreamConfig::fetchedThroughStage2);
        } else if (op instanceof TlbInvalidation.S2Ipa o) {
            configs.invalidate(k -> true, x -> x.fetchedThroughStage2() && x.stage2().vmid() == o.vmid());
        } else if (op instanceof TlbInvalidation.S12Vmall o) {
            configs.invalidate(k -> true, x -> x.fetchedThroughStage2() && x.stage2().vmid() == o.vmid());
        }
        invalidations.incrementAndGet();
    }

    /** CMD_ATC_INV: drops the ATC model's entries; ignored while SMMUEN=0, when the ATS interface is down (6.3.9.6). */
    @Override
    public void invalidateAtc(Command.AtcInv command) {
        if (controls.enabled()) {
            atc.invalidate(command);
        }
    }

    /** PRI_RESP: the model has no PRI queue, so there is no outstanding page request to answer. */
    @Override
    public void respondToPageRequest(Command.PriResp command) {
        // Nothing is outstanding.
    }

    /**
     * RESUME: the stalled transaction (StreamID, STAG) is retried (Ac = 1) with the configuration and tables of now, or
     * terminated (Ac = 0) with an abort (Ab = 1) or as RAZ/WI. A RESUME that matches no stalled transaction has no
     * effect (SMMU 4.7.1).
     */
    @Override
    public void resume(Command.Resume command) {
        Stall s = stalls.remove((long) command.streamId() << 16 | command.stag());
        if (s == null) {
            return;
        }
        if (command.retry()) {
            attempt(s);
        } else if (command.abort()) {
            s.pending().complete(new DmaOutcome.Aborted(null, "CMD_RESUME terminated the stall with an abort"));
        } else {
            s.pending().complete(new DmaOutcome.RazWi(null));
        }
    }

    /** STALL_TERM: every stalled transaction of the StreamID is terminated with an abort (SMMU 4.7.2). */
    @Override
    public void terminateStalls(Command.StallTerm command) {
        stalls.values().removeIf(s -> {
            if (s.sid() != command.streamId()) {
                return false;
            }
            s.pending().complete(new DmaOutcome.Aborted(null, "CMD_STALL_TERM"));
            return true;
        });
    }

    /**
     * CMD_SYNC: every earlier command's effect was applied when it was consumed; the SYNC completes once the DMA
     * accesses in flight since before it (which may have used a translation those commands removed) are globally
     * observed (SMMU section 4.7.3, 3.21).
     */
    @Override
    public SyncOutcome sync() {
        inFlight.await();
        return SyncOutcome.COMPLETE;
    }

    // ------------------------------------------------------------------------------------------------ config path

    /**
     * The configuration of (sid, ssid): from the cache, or fetched, decoded and cached. Returns a
     * {@link StreamConfig}, or the {@link DmaOutcome.Aborted} of a configuration error (recorded per the rules).
     */
    private Object config(Controls c, int sid, int ssid, long address, Access access, Request request) {
        long key = ConfigCache.key(sid, ssid);
        StreamConfig cached = configs.get(key);
        if (cached != null) {
            return cached;
        }
        long generation = configs.generation();
        Ste ste = null;
        try {
            long[] words = StreamTable.fetchSte(c.strtabBase(), c.strtabCfg(), features, sid, direct);
            ste = Ste.decode(words, features, c.steControls());
            StreamConfig cfg = build(ste, ssid, address);
            configs.put(key, cfg, generation);
            return cfg;
        } catch (ConfigFault f) {
            return configFault(c, f, sid, ssid, ste != null && ste.mev(), request);
        } catch (CdStage2Fault f) {
            StreamConfig partial = new StreamConfig(ste, null, null, null);
            if (request == Request.ATS) {
                return new DmaOutcome.Aborted(null, "stage-2 fault fetching the CD: " + f.fault.type());
            }
            return fault(partial, f.fault, sid, ssid, address, access, null);
        }
    }

    private StreamConfig build(Ste ste, int ssid, long address) {
        if (ste.config() == Ste.Config.ABORT) {
            return new StreamConfig(ste, null, null, null);
        }
        Stage2Context s2 = ste.stage2() == null ? null : stage2Context(ste);
        DescriptorFetcher fetcher = ste.config() == Ste.Config.NESTED ? (ipa, n) -> {
            TranslationResult r = engine.translateTableIpa(s2, ipa, FaultClass.CD, address);
            if (r instanceof TranslationFault f) {
                throw new CdStage2Fault(f);
            }
            return memory.readLongs(((Translation) r).outputAddress(ipa), n);
        } : direct;
        CdTable.Lookup lookup = CdTable.lookup(ste, features, ssid != NO_SUBSTREAM, ssid, fetcher);
        if (lookup instanceof CdTable.Stage1Bypass) {
            return new StreamConfig(ste, null, null, s2);
        }
        Cd cd = Cd.decode(((CdTable.Descriptor) lookup).dwords(), features, ste.cdContext());
        return new StreamConfig(ste, cd, stage1Context(ste, cd), s2);
    }

    private static Stage2Context stage2Context(Ste ste) {
        Ste.Stage2 s = ste.stage2();
        try {
            return new Stage2Context(ste.vmid(), s.ttb(), s.t0sz(), s.startLevel(), Granule.ofShift(s.granuleShift()),
                s.psBits(), s.affd(), s.ptw(), s.ha(), s.hd());
        } catch (IllegalArgumentException e) {
            throw ConfigFault.of(ConfigEvent.C_BAD_STE, "stage-2 configuration the walker cannot use: " + e.getMessage());
        }
    }

    private static Stage1Context stage1Context(Ste ste, Cd cd) {
        StreamWorld world = switch (ste.streamWorld()) {
            case NS_EL1 -> StreamWorld.NS_EL1;
            case NS_EL2 -> StreamWorld.NS_EL2;
            case NS_EL2_E2H -> StreamWorld.NS_EL2_E2H;
        };
        // NS-EL1 entries are tagged with S2VMID whenever stage 2 is implemented (also stage-1-only), else VMID 0.
        int vmid = Math.max(0, ste.vmid());
        try {
            return new Stage1Context(half(cd.ttb0()), half(cd.ttb1()), cd.ipsBits(), cd.affd(), cd.asid(), cd.aset(),
                cd.pan(), cd.wxn(), cd.uwxn(), world, vmid, cd.ha(), cd.hd());
        } catch (IllegalArgumentException e) {
            throw ConfigFault.of(ConfigEvent.C_BAD_CD, "stage-1 configuration the walker cannot use: " + e.getMessage());
        }
    }

    private static TtbHalf half(Cd.TtbConfig t) {
        if (!t.walksEnabled()) {
            return TtbHalf.disabled().withTbi(t.tbi());
        }
        return new TtbHalf(t.ttb(), t.txsz(), Granule.ofShift(t.granuleShift()), false, t.tbi(), t.had());
    }

    // ------------------------------------------------------------------------------------------------ events

    private DmaOutcome.Aborted configFault(Controls c, ConfigFault f, int sid, int ssid, boolean mev,
                                           Request request) {
        boolean record = f.event() != ConfigEvent.C_BAD_STREAMID || c.recordInvalidSid();
        if (request == Request.ATS && !c.recordCfgAts()) {
            record = false;
        }
        if (!record) {
            return new DmaOutcome.Aborted(null, f.getMessage());
        }
        EventType type = EventType.of(f.event().id()).orElseThrow();
        EventRecord.Builder b = EventRecord.builder(type).streamId(sid);
        if (ssid != NO_SUBSTREAM) {
            b.substreamId(ssid);
        }
        if (f.event().hasFetchAddress()) {
            b.fetchAddr(f.fetchAddress());
        }
        EventRecord e = b.build();
        registers.eventQueue().record(e, mev);
        return new DmaOutcome.Aborted(e, f.getMessage());
    }

    /** A translation-related fault: recorded and terminated per the A/R/S rules of the stage that faulted. */
    private DmaOutcome fault(StreamConfig cfg, TranslationFault f, int sid, int ssid, long address, Access access,
                             PendingDma stall) {
        if (stall != null && stalls(cfg, f)) {
            return stall(cfg, f, sid, ssid, address, access, stall);
        }
        boolean record;
        boolean abort = true;
        if (f.type() == FaultType.F_WALK_EABT) {
            record = true;
        } else if (f.stage2()) {
            Ste.Stage2 s2 = cfg.ste().stage2();
            record = s2.record() || s2.stall();
        } else if (cfg.cd() != null) {
            record = cfg.cd().record() || cfg.cd().stall();
            abort = cfg.cd().abort();
        } else {
            record = true; // a stage-1-bypass address-size fault: no CD governs it
        }
        EventRecord e = null;
        if (record) {
            EventType type = EventType.of(f.type().eventId()).orElseThrow();
            EventRecord.Builder b = EventRecord.builder(type).streamId(sid).access(access)
                .stage(f.stage2(), EventRecord.EventClass.values()[f.faultClass().encoding()]).inputAddr(address);
            if (ssid != NO_SUBSTREAM) {
                b.substreamId(ssid);
            }
            if (type.has("IPA") && f.stage2()) {
                b.ipa(f.ipa());
            }
            if (type.has("FetchAddr")) {
                b.fetchAddr(f.fetchAddress());
            }
            if (type.has("TTRnW") && f.faultClass() == FaultClass.TT) {
                b.tableRead(f.ttRnW());
            }
            e = b.build();
            registers.eventQueue().record(e, cfg.ste().mev());
        }
        String reason = f.type() + (f.stage2() ? " at stage 2" : " at stage 1") + ", CLASS=" + f.faultClass();
        return abort ? new DmaOutcome.Aborted(e, reason) : new DmaOutcome.RazWi(e);
    }

    /** Whether fault {@code f} stalls on this stream: CD.S for stage-1 faults, STE.S2S for stage 2 (SMMU 3.12.2). */
    private static boolean stalls(StreamConfig cfg, TranslationFault f) {
        switch (f.type()) {
            case F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION -> {
                if (f.stage2()) {
                    return cfg.ste().stage2() != null && cfg.ste().stage2().stall();
                }
                return cfg.cd() != null && cfg.cd().stall();
            }
            default -> {
                return false;
            }
        }
    }

    /** Records the stall event (Stall = 1, STAG) and parks the transaction, or aborts it if the record was lost. */
    private DmaOutcome stall(StreamConfig cfg, TranslationFault f, int sid, int ssid, long address, Access access,
                             PendingDma pending) {
        int tag;
        long key;
        Stall parked = new Stall(pending, sid, ssid, address, access);
        do {
            tag = nextStag.getAndIncrement() & 0xFFFF;
            key = (long) sid << 16 | tag;
        } while (stalls.putIfAbsent(key, parked) != null);
        EventType type = EventType.of(f.type().eventId()).orElseThrow();
        EventRecord.Builder b = EventRecord.builder(type).streamId(sid).access(access).stalled(tag)
            .stage(f.stage2(), EventRecord.EventClass.values()[f.faultClass().encoding()]).inputAddr(address);
        if (ssid != NO_SUBSTREAM) {
            b.substreamId(ssid);
        }
        if (type.has("IPA") && f.stage2()) {
            b.ipa(f.ipa());
        }
        if (type.has("TTRnW") && f.faultClass() == FaultClass.TT) {
            b.tableRead(f.ttRnW());
        }
        EventRecord e = b.build();
        pending.stalled(tag);
        // Registered before the record is visible, so a CMD_RESUME that software sends at once finds it.
        EventQueue.Outcome o = registers.eventQueue().record(e, false);
        if (o != EventQueue.Outcome.WRITTEN && stalls.remove(key, parked)) {
            return new DmaOutcome.Aborted(null, f.type() + ": stall record " + o + ", so the transaction is aborted");
        }
        throw STALLED;
    }

    private static void checkSubstream(int ssid) {
        if (ssid != NO_SUBSTREAM && (ssid < 0 || ssid > MAX_SUBSTREAM)) {
            throw new IllegalArgumentException("SubstreamID must be 0..0xFFFFF or NO_SUBSTREAM, was " + ssid);
        }
    }
}
