package org.smmuref.kvm.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.TlbiBroadcast;
import org.smmuref.kvm.Vcpu;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.VmidErrno;
import org.smmuref.kvm.VmidException;

/**
 * Model-based isolation properties: generated operation sequences (VMs, vCPU loads across CPUs, pins, SMMU domains
 * under each policy, broadcast TLBIs) run against the real KVM model and policies beside a small reference model, with
 * every invariant checked after every step. 8-bit VMIDs with most of the space kept for SMMUs leave KVM 55 VMIDs, so
 * rollovers happen every few dozen loads.
 *
 * <p>Invariants whose failure would break isolation carry the prefix {@value #ISOLATION}; the negative control swaps
 * the KVM-pinned policy for one that copies the KVM VMID without pinning and asserts that such an invariant fails.
 */
class VmidIsolationPropertyTest {

    static final String ISOLATION = "ISOLATION: ";
    private static final int CPUS = 4;
    private static final SmmuVmidFeatures BTM_SMMU = new SmmuVmidFeatures(8, true, true, false);
    private static final SmmuVmidFeatures PLAIN_SMMU = new SmmuVmidFeatures(8, false, false, true);

    /** One generated operation; its ints pick targets modulo what exists when it runs, so shrinking stays valid. */
    sealed interface Op {
    }

    record CreateVm() implements Op {
    }

    record DestroyVm(int vm) implements Op {
    }

    record Load(int vm, int vcpu, int cpu) implements Op {
    }

    record Put(int cpu) implements Op {
    }

    record Pin(int vm) implements Op {
    }

    record Unpin(int vm) implements Op {
    }

    /**
     * kind: 0 = the SMMU's chooser, 1 = forced SMMU-private, 2 = KVM VMID (pinned, or the unsafe variant); table: which
     * of the VM's two stage-2 tables (nest parents) the domain sits on.
     */
    record CreateDomain(int smmu, int vm, boolean tied, int kind, int table) implements Op {
    }

    record DestroyDomain(int domain) implements Op {
    }

    record GuestTlbi(int cpu, int kind) implements Op {
    }

    record HostTlbi(int vm) implements Op {
    }

    /** Runs this many fresh VMs once each: the way rollovers happen. */
    record Churn(int vms) implements Op {
    }

    private static Gen<List<Op>> operations(int maxLength) {
        return operations(1, maxLength);
    }

    private static Gen<List<Op>> operations(int minLength, int maxLength) {
        Gen<Integer> pick = Generate.range(0, 63);
        Gen<Op> gen = Generate.frequency(List.of(
            Pair.of(4, Generate.constant((Op) new CreateVm())),
            Pair.of(2, pick.map(i -> (Op) new DestroyVm(i))),
            Pair.of(12, pick.zip(pick, pick, (a, b, c) -> (Op) new Load(a, b, c))),
            Pair.of(5, pick.map(i -> (Op) new Put(i))),
            Pair.of(3, pick.map(i -> (Op) new Pin(i))),
            Pair.of(3, pick.map(i -> (Op) new Unpin(i))),
            Pair.of(12, pick.zip(pick, Generate.booleans(), Generate.range(0, 5),
                (s, v, t, k) -> (Op) new CreateDomain(s, v, t, k % 3, k / 3))),
            Pair.of(4, pick.map(i -> (Op) new DestroyDomain(i))),
            Pair.of(6, pick.zip(Generate.range(0, 7), (c, k) -> (Op) new GuestTlbi(c, k))),
            Pair.of(2, pick.map(i -> (Op) new HostTlbi(i))),
            Pair.of(6, Generate.range(1, 60).map(n -> (Op) new Churn(n)))));
        return lists().of(gen).ofSizeBetween(minLength, maxLength);
    }

    @Test
    void safe_policies_keep_every_invariant_over_long_random_sequences() {
        qt().withExamples(60).withShrinkCycles(100)
            .forAll(operations(400))
            .checkAssert(ops -> new World(world -> world.kvmPinned).replay(ops));
    }

    @Test
    void rollovers_actually_happen_in_the_generated_sequences() {
        long[] most = {0};
        qt().withFixedSeed(7).withExamples(20)
            .forAll(operations(400))
            .checkAssert(ops -> {
                World world = new World(w -> w.kvmPinned);
                world.replay(ops);
                most[0] = Math.max(most[0], world.kvm.rollovers());
            });
        assertThat(most[0]).isGreaterThanOrEqualTo(3);
    }

    /** KvmPinned as it was before the one-table rule: the request's stage-2 table is not passed on. */
    private static VmidPolicy withoutTableCheck(World world) {
        return r -> world.kvmPinned.acquire(new VmidRequest(r.vm(), r.userOverride(), OptionalLong.empty(),
            r.nesting()));
    }

    @Test
    void negative_control_one_vmid_over_two_stage2_tables_breaks_isolation_under_the_same_generator() {
        assertThatThrownBy(() -> qt().withFixedSeed(42).withExamples(60).withShrinkCycles(200)
            .forAll(operations(400))
            .checkAssert(ops -> new World(VmidIsolationPropertyTest::withoutTableCheck).replay(ops)))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining(ISOLATION).hasMessageContaining("stage-2 tables");
    }

    /** How many generated sequences each negative control breaks (printed; most of them must fail). */
    @Test
    void the_negative_controls_fail_in_most_examples() {
        for (Function<World, VmidPolicy> unsafe : List.<Function<World, VmidPolicy>>of(
            w -> new UnsafeUnpinnedKvmVmid(w.kvm), VmidIsolationPropertyTest::withoutTableCheck)) {
            int[] counts = new int[2];
            // Sequences of 200 to 400 steps: long enough for the rollovers an unpinned VMID needs to go wrong.
            qt().withFixedSeed(5).withExamples(40).withShrinkCycles(0)
                .forAll(operations(200, 400))
                .checkAssert(ops -> {
                    counts[0]++;
                    try {
                        new World(unsafe).replay(ops);
                    } catch (AssertionError e) {
                        assertThat(e.getMessage()).contains(ISOLATION);
                        counts[1]++;
                    }
                });
            System.out.println("[vmid-isolation] negative control: " + counts[1] + " of " + counts[0]
                + " sequences break isolation");
            assertThat(2 * counts[1]).isGreaterThan(counts[0]);
        }
    }

    @Test
    void negative_control_an_unpinned_kvm_vmid_breaks_isolation_under_the_same_generator() {
        assertThatThrownBy(() -> qt().withFixedSeed(42).withExamples(60).withShrinkCycles(200)
            .forAll(operations(400))
            .checkAssert(ops -> new World(world -> new UnsafeUnpinnedKvmVmid(world.kvm)).replay(ops)))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining(ISOLATION);
    }

    /** The system under test plus the reference model of what it must look like. */
    static final class World {
        final Kvm kvm = new Kvm(new KvmConfig(8, CPUS, true, false, 200));
        final List<SmmuVmids> smmus;
        final KvmPinned kvmPinned;
        final VmidPolicy kvmVmidPolicy;
        final List<TlbiBroadcast> btmPort = new ArrayList<>();

        // Reference model.
        final List<Vm> vms = new ArrayList<>();
        final Map<Vm, Integer> directPins = new HashMap<>();
        final Map<Vm, Integer> pinnedIndex = new HashMap<>();
        final List<Domain> domains = new ArrayList<>();
        int step;
        Op current;

        /** A domain and the stage-2 table its VMID tags. */
        record Domain(int smmu, VmidLease lease, long table) {
        }

        long untiedTables = 1L << 40;

        World(Function<World, VmidPolicy> kvmVmidPolicy) {
            VmidPolicyChooser chooser = new VmidPolicyChooser(Optional.of(kvm), VmidPolicyConfig.DEFAULT);
            smmus = List.of(chooser.forSmmu(BTM_SMMU), chooser.forSmmu(PLAIN_SMMU));
            kvmPinned = smmus.get(0).kvmPinned().orElseThrow();
            this.kvmVmidPolicy = kvmVmidPolicy.apply(this);
            kvm.subscribe(btmPort::add);
        }

        void replay(List<Op> ops) {
            assertThat(smmus.get(0).btmEnabled()).isTrue();
            assertThat(smmus.get(1).btmEnabled()).isFalse();
            for (Op op : ops) {
                step++;
                current = op;
                apply(op);
                checkInvariants();
            }
        }

        private List<Vm> openVms() {
            return vms.stream().filter(v -> !v.isDestroyed()).toList();
        }

        private Optional<Vm> pickOpen(int i) {
            List<Vm> open = openVms();
            return open.isEmpty() ? Optional.empty() : Optional.of(open.get(i % open.size()));
        }

        private void apply(Op op) {
            if (op instanceof CreateVm) {
                Vm vm = kvm.createVm();
                vm.createVcpu();
                vm.createVcpu();
                vms.add(vm);
            } else if (op instanceof DestroyVm d) {
                pickOpen(d.vm()).ifPresent(Vm::destroy);
            } else if (op instanceof Load l) {
                pickOpen(l.vm()).ifPresent(vm -> {
                    Vcpu vcpu = vm.vcpus().get(l.vcpu() % 2);
                    int cpu = l.cpu() % CPUS;
                    if (vcpu.isLoaded()) {
                        vcpu.put();
                    }
                    kvm.runningOn(cpu).ifPresent(Vcpu::put);
                    vcpu.load(cpu);
                });
            } else if (op instanceof Put p) {
                kvm.runningOn(p.cpu() % CPUS).ifPresent(Vcpu::put);
            } else if (op instanceof Pin p) {
                pickOpen(p.vm()).ifPresent(this::pinDirectly);
            } else if (op instanceof Unpin u) {
                List<Vm> pinned = directPins.keySet().stream().sorted((a, b) -> a.number() - b.number()).toList();
                if (!pinned.isEmpty()) {
                    Vm vm = pinned.get(u.vm() % pinned.size());
                    kvm.unpin(vm);
                    directPins.merge(vm, -1, Integer::sum);
                    directPins.remove(vm, 0);
                }
            } else if (op instanceof CreateDomain c) {
                createDomain(c);
            } else if (op instanceof DestroyDomain d) {
                if (!domains.isEmpty()) {
                    Domain domain = domains.remove(d.domain() % domains.size());
                    domain.lease().release(vmid -> quiesceCheck(domain, vmid));
                }
            } else if (op instanceof GuestTlbi t) {
                kvm.runningOn(t.cpu() % CPUS).ifPresent(vcpu -> guestTlbi(vcpu, t.kind()));
            } else if (op instanceof HostTlbi h) {
                pickOpen(h.vm()).ifPresent(vm -> {
                    int before = btmPort.size();
                    if (vm.hostTlbi(new Tlbi.Ipas2e1is(0x1000L * h.vm(), true))) {
                        check(btmPort.size() == before + 1, "host TLBI not delivered");
                        check(btmPort.get(before).vmid() == vm.currentVmid(), "host TLBI tag is not the VM's VMID");
                    }
                });
            } else if (op instanceof Churn c) {
                churn(c.vms());
            } else {
                throw new AssertionError("unknown op " + op);
            }
            pinnedIndex.keySet().removeIf(vm -> expectedPins(vm) == 0);
        }

        private void pinDirectly(Vm vm) {
            try {
                int index = kvm.pin(vm);
                directPins.merge(vm, 1, Integer::sum);
                recordPin(vm, index);
            } catch (VmidException e) {
                expectCapReached(vm, e);
            }
        }

        private void recordPin(Vm vm, int index) {
            Integer before = pinnedIndex.putIfAbsent(vm, index);
            check(before == null || before == index, "pinning again returned " + index + " for " + vm
                + ", pinned at " + before);
        }

        private void expectCapReached(Vm vm, VmidException e) {
            check(e.errno() == VmidErrno.ENOSPC && kvm.pinnedVmids() == kvm.maxPinnedVmids()
                && expectedPins(vm) == 0, "unexpected pin failure " + e.getMessage());
        }

        private void createDomain(CreateDomain c) {
            int smmu = c.smmu() % smmus.size();
            Optional<Vm> vm = c.tied() ? pickOpen(c.vm()) : Optional.empty();
            // A VM's tables are (VM, 0) and (VM, 1); every untied domain has a table of its own.
            long table = vm.isPresent() ? vm.get().number() * 16L + c.table() : untiedTables++;
            VmidRequest request = new VmidRequest(vm, Optional.empty(), OptionalLong.of(table), vm.isPresent());
            VmidPolicy policy = switch (c.kind()) {
                case 0 -> smmus.get(smmu);
                case 1 -> smmus.get(smmu).smmuPrivate();
                default -> smmu == 0 && vm.isPresent() ? kvmVmidPolicy : smmus.get(smmu);
            };
            // On the BTM SMMU, every VM-tied domain that takes a KVM VMID goes through the policy under test.
            if (policy == smmus.get(0) && vm.isPresent()) {
                policy = kvmVmidPolicy;
            }
            try {
                VmidLease lease = policy.acquire(request);
                domains.add(new Domain(smmu, lease, table));
                if (lease.source() == VmidSource.KVM_PINNED) {
                    recordPin(vm.orElseThrow(), lease.vmid());
                }
            } catch (VmidException e) {
                boolean privateFull = e.errno() == VmidErrno.ENOSPC && e.getMessage().contains("SMMU-private");
                boolean neverRan = policy instanceof UnsafeUnpinnedKvmVmid && vm.orElseThrow().currentVmid() == 0;
                boolean secondTable = e.errno() == VmidErrno.EBUSY && domains.stream().anyMatch(d -> d.smmu() == smmu
                    && d.lease().source() == VmidSource.KVM_PINNED && d.lease().vm().equals(vm) && d.table() != table);
                if (!privateFull && !neverRan && !secondTable) {
                    expectCapReached(vm.orElseThrow(), e);
                }
            }
        }

        private void quiesceCheck(Domain domain, int vmid) {
            VmidLease lease = domain.lease();
            check(vmid == lease.vmid(), "quiesced another VMID");
            switch (lease.source()) {
                case KVM_PINNED -> check(lease.vm().orElseThrow().isPinned()
                    && lease.vm().orElseThrow().currentVmid() == vmid, "VMID unpinned before the SMMU quiesced");
                case SMMU_PRIVATE -> check(smmus.get(domain.smmu()).smmuPrivate().isAllocated(vmid),
                    "private VMID freed before the SMMU quiesced");
                default -> {
                }
            }
        }

        private void guestTlbi(Vcpu vcpu, int kind) {
            Tlbi.Range range = new Tlbi.Range(1, kind % 4, kind, kind % 4);
            Tlbi.Guest op = switch (kind) {
                case 0 -> new Tlbi.Vmalle1is();
                case 1 -> new Tlbi.Aside1is(kind);
                case 2 -> new Tlbi.Vae1is(kind, 0x1000, false);
                case 3 -> new Tlbi.Vaae1is(0x2000, true);
                case 4 -> new Tlbi.Rvae1is(kind, 0x10000, range, true);
                default -> new Tlbi.Rvaae1is(0x20000, range, false);
            };
            int before = btmPort.size();
            vcpu.tlbi(op);
            check(btmPort.size() == before + 1, "guest TLBI not delivered");
            TlbiBroadcast seen = btmPort.get(before);
            check(seen.vmid() == vcpu.vm().currentVmid(), "guest TLBI not tagged with the VM's current VMID");
            for (Domain d : domains) {
                if (d.smmu() == 0 && d.lease().broadcastMaintenance() && d.lease().vm().orElseThrow() == vcpu.vm()) {
                    check(seen.vmid() == d.lease().vmid(), ISOLATION + "a guest TLBI of " + vcpu.vm() + " tagged "
                        + seen.vmid() + " misses its SMMU domain with VMID " + d.lease().vmid());
                }
            }
        }

        private void churn(int count) {
            int cpu = 0;
            kvm.runningOn(cpu).ifPresent(Vcpu::put);
            for (int i = 0; i < count; i++) {
                Vm vm = kvm.createVm();
                Vcpu vcpu = vm.createVcpu();
                vcpu.load(cpu);
                vcpu.put();
                vm.destroy();
            }
        }

        private int expectedPins(Vm vm) {
            int pins = directPins.getOrDefault(vm, 0);
            for (Domain d : domains) {
                if (d.lease().source() == VmidSource.KVM_PINNED && d.lease().vm().orElseThrow() == vm) {
                    pins++;
                }
            }
            return pins;
        }

        private boolean expectedFreed(Vm vm) {
            boolean held = directPins.containsKey(vm) || domains.stream().anyMatch(d -> d.lease().vm().isPresent()
                && d.lease().vm().get() == vm && d.lease().source() != VmidSource.SMMU_PRIVATE);
            return vm.isDestroyed() && !held;
        }

        private void checkInvariants() {
            // Pins and VM lifetime follow their owners.
            int pinnedVms = 0;
            for (Vm vm : vms) {
                int pins = expectedPins(vm);
                check(vm.isFreed() == expectedFreed(vm), vm + " freed=" + vm.isFreed() + " but expected "
                    + expectedFreed(vm));
                check(vm.isFreed() || vm.pinCount() == pins, vm + " has " + (vm.isFreed() ? -1 : vm.pinCount())
                    + " pins, expected " + pins);
                if (pins > 0) {
                    pinnedVms++;
                    int index = pinnedIndex.get(vm);
                    check(vm.currentVmid() == index, ISOLATION + "pinned " + vm + " moved from VMID " + index
                        + " to " + vm.currentVmid());
                    check(kvm.allocator().isPinned(index), "VMID " + index + " of " + vm + " not in the pinned map");
                }
            }
            check(kvm.pinnedVmids() == pinnedVms, "KVM counts " + kvm.pinnedVmids() + " pinned VMIDs, expected "
                + pinnedVms);
            check(kvm.pinnedVmids() <= kvm.maxPinnedVmids(), "pin cap exceeded");

            // Running vCPUs: a real VMID, the VM's current one, and not another VM's.
            List<Vcpu> running = new ArrayList<>();
            for (int cpu = 0; cpu < CPUS; cpu++) {
                kvm.runningOn(cpu).ifPresent(running::add);
            }
            for (Vcpu v : running) {
                check(v.vttbrVmid() >= 1 && v.vttbrVmid() < kvm.config().firstSmmuPrivateVmid(),
                    v + " runs with VMID " + v.vttbrVmid());
                check(v.vttbrVmid() == v.vm().currentVmid(), v + " runs with VMID " + v.vttbrVmid()
                    + " but its VM's VMID is " + v.vm().currentVmid());
                for (Vcpu w : running) {
                    check(w.vm() == v.vm() || w.vttbrVmid() != v.vttbrVmid(), ISOLATION + v + " and " + w
                        + " run with the same VMID " + v.vttbrVmid());
                }
                for (Map.Entry<Vm, Integer> pinned : pinnedIndex.entrySet()) {
                    check(pinned.getKey() == v.vm() || pinned.getValue() != v.vttbrVmid(), ISOLATION + v
                        + " runs with VMID " + v.vttbrVmid() + " pinned by " + pinned.getKey());
                }
                // Under BTM its broadcasts hit every SMMU entry with its VMID: those must all be its own VM's.
                for (Domain d : domains) {
                    if (d.smmu() == 0 && d.lease().vmid() == v.vttbrVmid()) {
                        check(d.lease().vm().isPresent() && d.lease().vm().get() == v.vm(), ISOLATION + v
                            + " runs with VMID " + v.vttbrVmid() + " of the BTM SMMU's domain " + d.lease());
                    }
                }
            }

            // SMMU domains: no VMID 0, ranges respected, no sharing across VMs, BTM VMIDs current.
            for (int i = 0; i < domains.size(); i++) {
                Domain a = domains.get(i);
                VmidLease la = a.lease();
                check(la.vmid() >= 1 && la.vmid() <= 255, "domain VMID " + la.vmid());
                if (la.source() == VmidSource.SMMU_PRIVATE) {
                    SmmuPrivate range = smmus.get(a.smmu()).smmuPrivate();
                    check(la.vmid() >= range.first() && la.vmid() <= range.last(), "private VMID " + la.vmid()
                        + " outside " + range);
                }
                if (la.broadcastMaintenance()) {
                    Vm vm = la.vm().orElseThrow();
                    check(la.vmid() == vm.currentVmid(), ISOLATION + "BTM domain " + la + " but " + vm
                        + "'s KVM VMID is now " + vm.currentVmid());
                }
                for (int j = i + 1; j < domains.size(); j++) {
                    Domain b = domains.get(j);
                    VmidLease lb = b.lease();
                    // No exemption for one VM: one VMID tags one stage-2 table (smmuv3.md 7.1).
                    if (a.smmu() == b.smmu() && la.vmid() == lb.vmid()) {
                        check(a.table() == b.table(), ISOLATION + "SMMU " + a.smmu() + " domains " + la + " and "
                            + lb + " share a VMID over two stage-2 tables");
                    }
                }
            }
        }

        private void check(boolean condition, String message) {
            if (!condition) {
                throw new AssertionError("step " + step + " (" + current + "): " + message);
            }
        }
    }
}
