package org.smmuref.smmu.demo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.Vcpu;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidException;
import org.smmuref.kvm.policy.SmmuVmidFeatures;
import org.smmuref.kvm.policy.SmmuVmids;
import org.smmuref.kvm.policy.UnsafeUnpinnedKvmVmid;
import org.smmuref.kvm.policy.UnsafeUserChosenVmid;
import org.smmuref.kvm.policy.UserVmidOverride;
import org.smmuref.kvm.policy.VmidLease;
import org.smmuref.kvm.policy.VmidPolicy;
import org.smmuref.kvm.policy.VmidPolicyChooser;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.kvm.policy.VmidRequest;
import org.smmuref.smmu.demo.DemoMachine.Guest;
import org.smmuref.smmu.demo.IsolationVerdict.Design;
import org.smmuref.smmu.demo.IsolationVerdict.Scenario;
import org.smmuref.smmu.hw.DmaOutcome;
import org.smmuref.smmu.hw.EventRecord;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.platform.BtmPort;

/**
 * The three unsafe VMID designs of the review (issue 5), each run against the hardware model next to smmuref's policy:
 * STEs, CDs and page tables in physical memory, CFGI + CMD_SYNC through the command queue, DMA through the device's
 * port, and KVM vCPUs whose broadcast TLBIs reach the SMMU through a {@link BtmPort}.
 *
 * <p>Both designs run the same steps; only the VMID choice differs. A verdict's {@code leaked} is read off the model
 * (where the decisive DMA went), never assumed. Every run builds a fresh machine and KVM host.
 */
public final class IsolationScenarios {
    /** The SMMU: the reference SMMUv3.2 with 8-bit VMIDs, so that its VMIDs and the CPUs' have the same width. */
    static final SmmuFeatures FEATURES = SmmuFeatures.reference().vmid16(false).build();
    /** The host: 8-bit VMIDs, 2 CPUs, pinning, the top 16 VMIDs kept for SMMU-private use (docs/vmid-policy.md §4). */
    static final KvmConfig KVM = new KvmConfig(8, 2, true, false, 16);
    static final int SID_A = 0x10;
    static final int SID_B = 0x20;
    /** Both guests' kernels happen to use ASID 1 for the device's address space, as guests choose ASIDs freely. */
    static final int GUEST_ASID = 1;
    /** The device's DMA address in the guest's stage-1. */
    static final long VA = 0x7000_0000L;
    /** The guest buffer behind {@link #VA}; the same IPA in every guest, backed by each guest's own PA. */
    static final long BUFFER_IPA = DemoMachine.GUEST_IPA + 0x0060_0000L;
    private static final int PROBE_BYTES = 48;

    /** Runs every scenario, unsafe design first, then the safe one. */
    public List<IsolationVerdict> runAll() {
        List<IsolationVerdict> out = new ArrayList<>();
        for (Scenario s : Scenario.values()) {
            for (Design d : Design.values()) {
                out.add(run(s, d));
            }
        }
        return out;
    }

    /** Runs one scenario under one design. */
    public IsolationVerdict run(Scenario scenario, Design design) {
        Objects.requireNonNull(design, "design");
        return switch (Objects.requireNonNull(scenario, "scenario")) {
            case USER_CHOSEN_VMID -> userChosenVmid(design);
            case BTM_PRIVATE_VMID -> btmPrivateVmid(design);
            case UNPINNED_KVM_VMID -> unpinnedKvmVmid(design);
        };
    }

    // ------------------------------------------------------------------------------------------------ (a)

    /**
     * (a) VM B's device caches a translation; VM A's VMM asks for VM B's VMID (v1 FLAG_VMID) for its nested STE, whose
     * stage 2 maps the same IPA to A's own RAM; then A's device reads the same VA. Unsafe: the v1 kernel honours the
     * VMID ({@link UnsafeUserChosenVmid}). Safe: the chooser's policy refuses it (EOPNOTSUPP) and the VMM retries
     * without it, getting an SMMU-private VMID. The SMMU ignores broadcasts here (CR2.PTM=1, as Linux programs it).
     */
    public IsolationVerdict userChosenVmid(Design design) {
        DemoMachine m = new DemoMachine(FEATURES, true);
        SmmuVmidFeatures smmu = SmmuVmidFeatures.fromIdr0(m.idr0(), true);
        SmmuVmids vmids = new VmidPolicyChooser(Optional.empty(), VmidPolicyConfig.DEFAULT).forSmmu(smmu);
        VmidPolicy kernel = design == Design.SAFE ? vmids : new V1Kernel(new UnsafeUserChosenVmid(smmu), vmids);
        String policy = design == Design.SAFE
            ? "VmidPolicyChooser: SMMU-private VMIDs, user-chosen VMID rejected"
            : "v1 uAPI: UnsafeUserChosenVmid honours IOMMU_SMMUV3_FLAG_VMID";

        Guest b = m.addGuest("VM B", SID_B, GUEST_ASID);
        b.store(BUFFER_IPA, "VM B secret: 4b1d-77c3");
        b.mapPage(VA, BUFFER_IPA);
        VmidLease leaseB = kernel.acquire(VmidRequest.untied());
        m.attachNested(b, leaseB.vmid());
        requireReaches(m, b, b.pa(BUFFER_IPA), "VM B's own DMA");

        Guest a = m.addGuest("VM A", SID_A, GUEST_ASID);
        a.store(BUFFER_IPA, "VM A buffer");
        a.mapPage(VA, BUFFER_IPA);
        UserVmidOverride override = new UserVmidOverride(UserVmidOverride.FLAG_S2 | UserVmidOverride.FLAG_VMID,
            leaseB.vmid());
        String refusal = null;
        VmidLease leaseA;
        try {
            leaseA = kernel.acquire(VmidRequest.untied().withUserOverride(override));
        } catch (VmidException e) {
            refusal = e.errno().name();
            // A VMM that gets EOPNOTSUPP lets the kernel choose, as the upstream uAPI requires.
            leaseA = kernel.acquire(VmidRequest.untied());
        }
        m.attachNested(a, leaseA.vmid());
        Probe p = probe(m, a);

        long ownPa = a.pa(BUFFER_IPA);
        boolean leaked = p.outcome().proceeds() && !a.owns(p.outcome().physicalAddress());
        String explanation;
        if (leaked) {
            explanation = String.format("VM A's device read \"%s\" at PA 0x%x in %s's RAM: A's VMM chose S2VMID %d, "
                + "VM B's, so the DMA at VA 0x%x hit B's cached translation instead of walking A's tables (to PA 0x%x)",
                p.text(), p.outcome().physicalAddress(), owner(m, p), leaseA.vmid(), VA, ownPa);
        } else {
            explanation = String.format("%sVM A's STE has S2VMID %d and VM B's %d, so A's DMA at VA 0x%x walked A's own "
                + "tables and %s", refusal == null ? "" : "the user-chosen VMID was refused (" + refusal + "); ",
                leaseA.vmid(), leaseB.vmid(), VA, p.describe(m));
        }
        Map<String, Integer> v = new LinkedHashMap<>();
        v.put("VM B S2VMID", leaseB.vmid());
        v.put("VMID asked by VM A's VMM", override.s2vmid());
        v.put("VM A S2VMID", leaseA.vmid());
        Map<String, Long> addr = new LinkedHashMap<>();
        addr.put("VA", VA);
        addr.put("IPA", BUFFER_IPA);
        addr.put("VM A buffer PA", ownPa);
        addr.put("VM B buffer PA", b.pa(BUFFER_IPA));
        p.reached().ifPresent(pa -> addr.put("PA reached by VM A's device", pa));
        return new IsolationVerdict(Scenario.USER_CHOSEN_VMID, design, policy, leaked, explanation, v, addr,
            p.event(m));
    }

    /**
     * The v1 kernel: honours a user-chosen VMID, otherwise allocates a private one. Package-private so that tests can
     * see the unsafe design is the v1 one, not a strawman.
     */
    static final class V1Kernel implements VmidPolicy {
        private final VmidPolicy userChosen;
        private final SmmuVmids own;

        V1Kernel(VmidPolicy userChosen, SmmuVmids own) {
            this.userChosen = userChosen;
            this.own = own;
        }

        @Override
        public VmidLease acquire(VmidRequest request) {
            boolean asked = request.userOverride().map(UserVmidOverride::requestsVmid).orElse(false);
            return asked ? userChosen.acquire(request) : own.acquire(request);
        }
    }

    // ------------------------------------------------------------------------------------------------ (b)

    /**
     * (b) BTM on; VM A's guest unmaps its DMA buffer from its stage-1, issues TLBI VAE1IS from its vCPU (tagged by the
     * CPU with A's KVM VMID) and reuses the page. Unsafe: the nested STE has an SMMU-private VMID, so the broadcast
     * misses and the device still reaches the freed page. Safe: {@code KvmPinned} makes S2VMID A's pinned KVM VMID,
     * the broadcast hits and the next DMA faults with F_TRANSLATION.
     */
    public IsolationVerdict btmPrivateVmid(Design design) {
        Kvm kvm = new Kvm(KVM);
        DemoMachine m = new DemoMachine(FEATURES, false);
        BtmPort port = m.connect(kvm);
        SmmuVmids vmids = btmVmids(kvm, m);
        Vm vmA = kvm.createVm();
        Vcpu vcpu = vmA.createVcpu();
        vcpu.load(0);
        VmidLease lease = design == Design.SAFE
            ? vmids.acquire(VmidRequest.forVm(vmA))
            : vmids.smmuPrivate().acquire(VmidRequest.forVm(vmA));
        String policy = design == Design.SAFE
            ? "VmidPolicyChooser under BTM: KvmPinned (S2VMID = pinned KVM VMID)"
            : "SmmuPrivate VMID for a VM's domain on an SMMU with BTM";

        Guest a = m.addGuest("VM A", SID_A, GUEST_ASID);
        a.store(BUFFER_IPA, "VM A DMA buffer");
        a.mapPage(VA, BUFFER_IPA);
        m.attachNested(a, lease.vmid());
        long freedPa = a.pa(BUFFER_IPA);
        requireReaches(m, a, freedPa, "VM A's DMA before the unmap");

        // The guest frees the buffer the way Linux does: clear the PTE, broadcast the TLBI, then reuse the page.
        a.unmapPage(VA);
        long applied = port.applied();
        int tag = vcpu.vttbrVmid();
        vcpu.tlbi(new Tlbi.Vae1is(GUEST_ASID, VA, true));
        boolean smmuApplied = port.applied() > applied;
        a.store(BUFFER_IPA, "VM A kernel page, reused");
        Probe p = probe(m, a);

        boolean leaked = p.outcome().proceeds();
        String explanation;
        if (leaked) {
            explanation = String.format("stale translation: the guest's TLBI VAE1IS (ASID %d, VA 0x%x) was tagged with "
                + "KVM VMID %d but the STE has private VMID %d, so it missed%s and the device still read \"%s\" from "
                + "the freed page at PA 0x%x", GUEST_ASID, VA, tag, lease.vmid(),
                smmuApplied ? "" : " (not even applied)", p.text(), p.outcome().physicalAddress());
        } else {
            explanation = String.format("S2VMID %d is A's pinned KVM VMID, the tag of the guest's TLBI VAE1IS (ASID %d, "
                + "VA 0x%x); the SMMU %s it and the next DMA %s", lease.vmid(), GUEST_ASID, VA,
                smmuApplied ? "applied" : "did not apply", p.describe(m));
        }
        Map<String, Integer> v = new LinkedHashMap<>();
        v.put("VM A KVM VMID (TLBI tag)", tag);
        v.put("VM A S2VMID", lease.vmid());
        Map<String, Long> addr = new LinkedHashMap<>();
        addr.put("VA", VA);
        addr.put("IPA", BUFFER_IPA);
        addr.put("freed page PA", freedPa);
        p.reached().ifPresent(pa -> addr.put("PA reached after the TLBI", pa));
        return new IsolationVerdict(Scenario.BTM_PRIVATE_VMID, design, policy, leaked, explanation, v, addr,
            p.event(m));
    }

    // ------------------------------------------------------------------------------------------------ (c)

    /**
     * (c) BTM on; VM A's nested STE takes A's KVM VMID; A's vCPU is descheduled while the host keeps starting VMs
     * until a rollover; the VM that starts the new generation is VM B, which keeps running. A's device keeps doing DMA;
     * then B gets a device whose STE takes B's KVM VMID and reads the same VA. Unsafe: the VMID was copied without a
     * pin ({@link UnsafeUnpinnedKvmVmid}), KVM gave it to B, and B's device hits A's entries. Safe: A's VMID is
     * pinned, survives the rollover and is never given to B.
     */
    public IsolationVerdict unpinnedKvmVmid(Design design) {
        Kvm kvm = new Kvm(KVM);
        DemoMachine m = new DemoMachine(FEATURES, false);
        m.connect(kvm);
        SmmuVmids vmids = btmVmids(kvm, m);
        VmidPolicy policy = design == Design.SAFE ? vmids : new UnsafeUnpinnedKvmVmid(kvm);
        String policyName = design == Design.SAFE
            ? "VmidPolicyChooser under BTM: KvmPinned (pinned KVM VMID)"
            : "UnsafeUnpinnedKvmVmid: KVM VMID copied without a pin";

        Vm vmA = kvm.createVm();
        Vcpu vcpuA = vmA.createVcpu();
        vcpuA.load(0);
        VmidLease leaseA = policy.acquire(VmidRequest.forVm(vmA));
        Guest a = m.addGuest("VM A", SID_A, GUEST_ASID);
        a.store(BUFFER_IPA, "VM A secret: 91e0-aa02");
        a.mapPage(VA, BUFFER_IPA);
        m.attachNested(a, leaseA.vmid());
        requireReaches(m, a, a.pa(BUFFER_IPA), "VM A's DMA");
        vcpuA.put();

        // Host churn, as Kvm.forceRollover does it, but the VM that starts the new generation stays: it is VM B.
        long rollovers = kvm.rollovers();
        Vm vmB = null;
        for (int n = 0; n < KVM.numVmids() && vmB == null; n++) {
            Vm vm = kvm.createVm();
            Vcpu vcpu = vm.createVcpu();
            vcpu.load(1);
            if (kvm.rollovers() != rollovers) {
                vmB = vm;
            } else {
                vcpu.put();
                vm.destroy();
            }
        }
        if (vmB == null) {
            throw new IllegalStateException("no rollover after " + KVM.numVmids() + " fresh VMs");
        }
        // The rollover's ALLE1IS emptied the SMMU TLB; A's device keeps running and refills it under A's S2VMID.
        requireReaches(m, a, a.pa(BUFFER_IPA), "VM A's DMA after the rollover");

        VmidLease leaseB = policy.acquire(VmidRequest.forVm(vmB));
        Guest b = m.addGuest("VM B", SID_B, GUEST_ASID);
        b.store(BUFFER_IPA, "VM B buffer");
        b.mapPage(VA, BUFFER_IPA);
        m.attachNested(b, leaseB.vmid());
        Probe p = probe(m, b);
        boolean bReachedA = p.outcome().proceeds() && !b.owns(p.outcome().physicalAddress());

        // A runs again and its guest frees the buffer: unmap, TLBI VAE1IS tagged with A's VMID now.
        vcpuA.load(0);
        int vmidAReloaded = vcpuA.vttbrVmid();
        a.unmapPage(VA);
        vcpuA.tlbi(new Tlbi.Vae1is(GUEST_ASID, VA, true));
        Probe stale = probe(m, a);
        String aFreed = stale.outcome().proceeds()
            ? String.format("A now runs with VMID %d, so its guest's TLBI VAE1IS missed its SMMU entry and A's device "
                + "still read the freed page at PA 0x%x", vmidAReloaded, stale.outcome().physicalAddress())
            : String.format("A's guest TLBI VAE1IS (tagged %d) removed A's entry: after the unmap A's device %s",
                vmidAReloaded, stale.describe(m));

        boolean leaked = bReachedA || stale.outcome().proceeds();
        String explanation;
        if (bReachedA) {
            explanation = String.format("after the rollover KVM gave VMID %d, still in VM A's STE, to VM B; B's device "
                + "(S2VMID %d) read \"%s\" at PA 0x%x in %s's RAM through A's cached translation; %s", leaseA.vmid(),
                leaseB.vmid(), p.text(), p.outcome().physicalAddress(), owner(m, p), aFreed);
        } else {
            explanation = String.format("VM A's VMID %d %s the rollover and went to no other VM (VM B runs with %d, "
                + "S2VMID %d), so B's DMA at VA 0x%x walked B's own tables and %s; %s", leaseA.vmid(),
                vmidAReloaded == leaseA.vmid() ? "survived" : "did not survive", vmB.currentVmid(), leaseB.vmid(),
                VA, p.describe(m), aFreed);
        }
        Map<String, Integer> v = new LinkedHashMap<>();
        v.put("VM A S2VMID", leaseA.vmid());
        v.put("VM B KVM VMID after the rollover", vmB.currentVmid());
        v.put("VM B S2VMID", leaseB.vmid());
        v.put("VM A KVM VMID after reload", vmidAReloaded);
        Map<String, Long> addr = new LinkedHashMap<>();
        addr.put("VA", VA);
        addr.put("IPA", BUFFER_IPA);
        addr.put("VM A buffer PA", a.pa(BUFFER_IPA));
        addr.put("VM B buffer PA", b.pa(BUFFER_IPA));
        p.reached().ifPresent(pa -> addr.put("PA reached by VM B's device", pa));
        stale.reached().ifPresent(pa -> addr.put("PA reached by VM A's device after its unmap", pa));
        return new IsolationVerdict(Scenario.UNPINNED_KVM_VMID, design, policyName, leaked, explanation, v, addr,
            stale.event(m));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The chooser's decision for the machine's SMMU read from its IDR0, with BTM wanted (PTM=0). */
    private static SmmuVmids btmVmids(Kvm kvm, DemoMachine m) {
        SmmuVmids vmids = new VmidPolicyChooser(Optional.of(kvm), VmidPolicyConfig.DEFAULT)
            .forSmmu(SmmuVmidFeatures.fromIdr0(m.idr0(), false));
        if (!vmids.btmEnabled()) {
            throw new IllegalStateException("the scenario needs BTM, but: " + vmids.btmDecision());
        }
        return vmids;
    }

    /** One DMA read at {@link #VA} by a guest's device: the outcome and the text it read, if it proceeded. */
    private static Probe probe(DemoMachine m, Guest g) {
        DmaOutcome outcome = m.dma(g, VA);
        String text = null;
        if (outcome.proceeds()) {
            byte[] bytes = m.dmaRead(g, VA, PROBE_BYTES);
            text = bytes == null ? null : cString(bytes);
        }
        return new Probe(g, outcome, text);
    }

    /** Checks that the model translates the guest's DMA to {@code pa} (the scenario's precondition). */
    private static void requireReaches(DemoMachine m, Guest g, long pa, String what) {
        DmaOutcome o = m.dma(g, VA);
        if (!o.proceeds() || o.physicalAddress() != pa) {
            throw new IllegalStateException(String.format("%s should reach PA 0x%x but: %s", what, pa, o));
        }
    }

    private static String owner(DemoMachine m, Probe p) {
        Guest g = m.ownerOf(p.outcome().physicalAddress());
        return g == null ? "nobody" : g.name;
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    /** A DMA read's outcome, with the text it read. */
    private record Probe(Guest guest, DmaOutcome outcome, String text) {
        Optional<Long> reached() {
            return outcome.proceeds() ? Optional.of(outcome.physicalAddress()) : Optional.empty();
        }

        /** The event type the SMMU recorded for this guest's stream, consuming the queue; empty if none. */
        String event(DemoMachine m) {
            for (EventRecord e : m.events()) {
                if (e.streamId() == guest.streamId) {
                    return e.type().name();
                }
            }
            return "";
        }

        String describe(DemoMachine m) {
            if (outcome.proceeds()) {
                Guest g = m.ownerOf(outcome.physicalAddress());
                return String.format("read \"%s\" at PA 0x%x in %s's RAM", text, outcome.physicalAddress(),
                    g == null ? "nobody" : g.name);
            }
            if (outcome instanceof DmaOutcome.Aborted ab && ab.event() != null) {
                return "was aborted with " + ab.event().type().name();
            }
            return "was terminated: " + outcome;
        }
    }
}
