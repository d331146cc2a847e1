package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * The VMID isolation property end to end: generated sequences over {@link IsolationWorld} (two VMMs with their VMs,
 * two IOASes each, four devices, vCPU runs and churn on 55 KVM VMIDs) with every device probed at every page through
 * the hardware model after every step, and every DMA read checked, against the world's independent map of which page
 * each device may reach. Unlike kvm-vmid's VmidIsolationPropertyTest, nothing is exempt: two devices of one VM over
 * two nest parents must not reach each other's IOAS.
 *
 * <p>The negative controls run the same generator with an unsafe policy and must fail in most examples:
 * {@link IsolationWorld.Policy#UNPINNED_KVM_VMID} (the KVM VMID copied without a pin) and
 * {@link IsolationWorld.Policy#ONE_VMID_OVER_TWO_TABLES} (KvmPinned without the one-table rule, as it was before).
 */
class VmidIsolationEndToEndPropertyTest {
    static final int LENGTH = 60;

    sealed interface Op {
    }

    record Attach(int dev, int vmm, int ioas, int kind) implements Op {
    }

    record Detach(int dev) implements Op {
    }

    record GuestMap(int vmm, int ioas, int va, int data) implements Op {
    }

    record GuestUnmap(int vmm, int ioas, int va) implements Op {
    }

    record GuestWrite(int vmm, int ioas, int data) implements Op {
    }

    record HostUnmap(int vmm, int ioas, int data) implements Op {
    }

    record HostMap(int vmm, int ioas, int data) implements Op {
    }

    record Run(int vmm, int cpu) implements Op {
    }

    record Put(int cpu) implements Op {
    }

    record Churn(int vms) implements Op {
    }

    record Dma(int dev, int page) implements Op {
    }

    static Gen<List<Op>> operations(int maxLength) {
        Gen<Integer> dev = Generate.range(0, IsolationWorld.SIDS.length - 1);
        Gen<Integer> vmm = Generate.range(0, IsolationWorld.VMMS - 1);
        // IOAS 0 twice as often as IOAS 1: one VM's devices meet on a parent, and sometimes on two.
        Gen<Integer> ioas = Generate.range(0, 2).map(i -> i / 2);
        Gen<Integer> va = Generate.range(0, IsolationWorld.VA_PAGES - 1);
        Gen<Integer> data = Generate.range(0, IsolationWorld.DATA_PAGES - 1);
        Gen<Integer> cpu = Generate.range(0, IsolationWorld.CPUS - 1);
        Gen<Op> op = Generate.frequency(List.of(
            Pair.of(6, dev.zip(vmm, ioas, Generate.range(0, 5), (d, v, i, k) -> (Op) new Attach(d, v, i, k))),
            Pair.of(1, dev.map(d -> (Op) new Detach(d))),
            Pair.of(4, vmm.zip(ioas, va, data, (v, i, a, p) -> (Op) new GuestMap(v, i, a, p))),
            Pair.of(4, vmm.zip(ioas, va, (v, i, a) -> (Op) new GuestUnmap(v, i, a))),
            Pair.of(1, vmm.zip(ioas, data, (v, i, p) -> (Op) new GuestWrite(v, i, p))),
            Pair.of(1, vmm.zip(ioas, data, (v, i, p) -> (Op) new HostUnmap(v, i, p))),
            Pair.of(1, vmm.zip(ioas, data, (v, i, p) -> (Op) new HostMap(v, i, p))),
            Pair.of(3, vmm.zip(cpu, (v, c) -> (Op) new Run(v, c))),
            Pair.of(1, cpu.map(c -> (Op) new Put(c))),
            Pair.of(2, Generate.range(1, 60).map(n -> (Op) new Churn(n))),
            Pair.of(3, dev.zip(Generate.range(0, IsolationWorld.DATA_PAGES - 1), (d, p) -> (Op) new Dma(d, p)))));
        return lists().of(op).ofSizeBetween(1, maxLength);
    }

    /** Kinds 0..5: S1 three times in six, then BYPASS, ABORT, DIRECT. */
    private static IsolationWorld.Kind kind(int k) {
        return switch (k) {
            case 3 -> IsolationWorld.Kind.BYPASS;
            case 4 -> IsolationWorld.Kind.ABORT;
            case 5 -> IsolationWorld.Kind.DIRECT;
            default -> IsolationWorld.Kind.S1;
        };
    }

    static IsolationWorld replay(IsolationWorld.Policy policy, List<Op> ops) {
        IsolationWorld w = new IsolationWorld(policy);
        w.check();
        for (Op op : ops) {
            w.step++;
            w.current = op;
            apply(w, op);
            w.check();
        }
        return w;
    }

    private static void apply(IsolationWorld w, Op op) {
        if (op instanceof Attach a) {
            w.attach(a.dev(), a.vmm(), a.ioas(), kind(a.kind()), 0, 0);
        } else if (op instanceof Detach d) {
            w.detach(d.dev());
        } else if (op instanceof GuestMap m) {
            w.guestMap(m.vmm(), m.ioas(), m.va(), m.data());
        } else if (op instanceof GuestUnmap u) {
            w.guestUnmap(u.vmm(), u.ioas(), u.va());
        } else if (op instanceof GuestWrite g) {
            w.guestWrite(g.vmm(), g.ioas(), g.data());
        } else if (op instanceof HostUnmap h) {
            w.hostUnmap(h.vmm(), h.ioas(), h.data());
        } else if (op instanceof HostMap h) {
            w.hostMap(h.vmm(), h.ioas(), h.data());
        } else if (op instanceof Run r) {
            w.run(r.vmm(), r.cpu());
        } else if (op instanceof Put p) {
            w.put(p.cpu());
        } else if (op instanceof Churn c) {
            w.churn(c.vms(), 0);
        } else if (op instanceof Dma d) {
            w.dma(d.dev(), d.page());
        }
    }

    @Test
    void theSafePolicyKeepsEveryDeviceInsideItsOwnIoasOverLongSequences() {
        qt().withExamples(40).withShrinkCycles(50)
            .forAll(operations(LENGTH))
            .checkAssert(ops -> replay(IsolationWorld.Policy.SAFE, ops));
    }

    @Test
    void upstreamModeAndNoBtmKeepIsolationToo() {
        qt().withExamples(15).withShrinkCycles(50)
            .forAll(operations(LENGTH))
            .checkAssert(ops -> {
                replay(IsolationWorld.Policy.UPSTREAM, ops);
                replay(IsolationWorld.Policy.NO_BTM, ops);
            });
    }

    /**
     * The fraction of {@code examples} generated sequences (fixed seed) in which {@code policy} breaks isolation; every
     * failure must be an isolation failure, nothing else.
     */
    static double failingFraction(IsolationWorld.Policy policy, int examples) {
        int[] counts = new int[2];
        qt().withFixedSeed(11).withExamples(examples).withShrinkCycles(0)
            .forAll(operations(LENGTH))
            .checkAssert(ops -> {
                counts[0]++;
                try {
                    replay(policy, ops);
                } catch (AssertionError e) {
                    assertThat(e.getMessage()).contains(IsolationWorld.ISOLATION);
                    counts[1]++;
                }
            });
        System.out.println("[vmid-isolation-e2e] " + policy + ": " + counts[1] + " of " + counts[0]
            + " generated sequences break isolation");
        return (double) counts[1] / counts[0];
    }

    @Test
    void negativeControlAnUnpinnedKvmVmidBreaksIsolationInMostExamples() {
        double fraction = failingFraction(IsolationWorld.Policy.UNPINNED_KVM_VMID, 40);
        assertThat(fraction).isGreaterThan(0.5);
    }

    @Test
    void negativeControlOneVmidOverTwoStage2TablesBreaksIsolationInMostExamples() {
        double fraction = failingFraction(IsolationWorld.Policy.ONE_VMID_OVER_TWO_TABLES, 40);
        assertThat(fraction).isGreaterThan(0.5);
    }

    @Test
    void theSafeRunIsNotVacuous() {
        IsolationWorld w = replay(IsolationWorld.Policy.SAFE, List.of(new Attach(0, 0, 0, 0), new Attach(1, 0, 1, 0),
            new Dma(0, 0), new Churn(59), new Run(0, 0), new GuestUnmap(0, 0, 0), new Dma(0, 0)));
        assertThat(w.refusedViommus).as("the second parent's vIOMMU of VM 0").isEqualTo(1);
        assertThat(w.platform.kvm().orElseThrow().rollovers()).isPositive();
        assertThat(w.dmaReads).isEqualTo(2);
    }
}
