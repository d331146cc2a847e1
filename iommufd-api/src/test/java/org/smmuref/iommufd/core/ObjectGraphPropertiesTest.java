package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;

/**
 * Random sequences of object operations (with live and stale ids) on one context. After every step: ids are
 * positive, distinct and stable while an object lives; every object's users equal an independent recount of who
 * refers to it (never negative); nothing refers to a destroyed object; and DESTROY is ENOENT for what is not live,
 * EBUSY exactly when the object has users, success otherwise. Closing the context then releases everything.
 */
class ObjectGraphPropertiesTest {

    record Op(int kind, int a, int b, int c) {
        @Override
        public String toString() {
            return List.of("ioas", "bind", "unbind", "attach", "detach", "hwpt", "viommu", "vdevice", "veventq",
                "closeFd", "destroy", "map", "fault").get(kind) + "(" + a + "," + b + "," + c + ")";
        }
    }

    /** Operation kinds weighted so that deep graphs (parent, vIOMMU, vDEVICE, vEVENTQ) get built often. */
    private static final int[] KINDS = {0, 1, 1, 2, 3, 3, 4, 5, 5, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9, 10, 10, 11, 12};

    private static Gen<Op> ops() {
        return integers().between(0, KINDS.length - 1).map(i -> KINDS[i]).zip(integers().between(0, 12), integers().between(0, 12),
            integers().between(0, 7), Op::new);
    }

    /** How often each kind of operation succeeded over all examples: the generator must reach every one. */
    private final int[] successes = new int[13];

    @Test
    void the_object_graph_stays_consistent() {
        qt().withExamples(200).forAll(lists().of(ops()).ofSizeBetween(1, 60)).checkAssert(this::replay);
    }

    /**
     * The generator must reach a success of every operation kind, or the property above proves little. A vDEVICE
     * needs a bound device, a nest parent and a vIOMMU before it, so with a fresh random seed some runs of 200
     * examples reach none; the check therefore runs on a fixed seed, where it is deterministic, while the property
     * itself keeps exploring with a new seed each run.
     */
    @Test
    void the_generator_reaches_every_operation() {
        qt().withFixedSeed(COVERAGE_SEED).withExamples(200).forAll(lists().of(ops()).ofSizeBetween(1, 60))
            .checkAssert(this::replay);
        for (int kind = 0; kind < successes.length; kind++) {
            assertThat(successes[kind]).as("successful " + new Op(kind, 0, 0, 0)).isPositive();
        }
    }

    private static final long COVERAGE_SEED = 20261208L;

    private void replay(List<Op> ops) {
        CoreFixture f = new CoreFixture();
        long va = f.buffer(8 * PAGE);
        List<Integer> fds = new ArrayList<>();
        Map<IommufdObject, Integer> seen = new IdentityHashMap<>();
        for (Op op : ops) {
            try {
                int before = fds.size();
                apply(f, op, va, fds);
                if (op.kind() != 9 || fds.size() < before) {
                    successes[op.kind()]++;
                }
            } catch (IommufdException e) {
                // any documented errno is a legal answer to a random request
                assertThat(e.errno()).isNotNull();
            }
            check(f, seen, op);
        }
        f.core.close(f.ctx);
        assertThat(f.core.openFds()).isEmpty();
        assertThat(f.iommu0.pagingDomains).allSatisfy(p -> assertThat(p.freed).isTrue());
        assertThat(f.iommu0.nestedDomains).allSatisfy(n -> assertThat(n.freed).isTrue());
        assertThat(f.iommu0.viommus).allSatisfy(v -> assertThat(v.destroyed).isTrue());
        assertThat(f.mem.totalPins()).isZero();
    }

    /**
     * An id for an operand of {@code type}: mostly the k-th live object of that type, sometimes id 0, an unknown
     * id, or an object of any type (so that wrong-type lookups happen too).
     */
    private static int pick(CoreFixture f, ObjectType type, int k) {
        List<IommufdObject> all = live(f);
        if (k == 12) {
            return 0;
        }
        if (k == 11) {
            return 99;
        }
        if (k == 10 && !all.isEmpty()) {
            return all.get(all.size() - 1).id;
        }
        List<IommufdObject> typed = all.stream().filter(o -> o.type == type).toList();
        return typed.isEmpty() ? k + 1 : typed.get(k % typed.size()).id;
    }

    private static void apply(CoreFixture f, Op op, long va, List<Integer> fds) {
        IommufdCore core = f.core;
        int ctx = f.ctx;
        ObjectType[] attachable = {ObjectType.IOAS, ObjectType.HWPT_PAGING, ObjectType.HWPT_NESTED};
        ObjectType[] parents = {ObjectType.IOAS, ObjectType.HWPT_PAGING, ObjectType.VIOMMU, ObjectType.HWPT_NESTED};
        switch (op.kind()) {
            case 0 -> f.ioas();
            case 1 -> core.bindDevice(ctx, 0, 1 + op.a() % 4);
            case 2 -> core.unbindDevice(ctx, pick(f, ObjectType.DEVICE, op.a()));
            case 3 -> core.attachDevice(ctx, pick(f, ObjectType.DEVICE, op.a()),
                pick(f, attachable[op.c() % 3], op.b()));
            case 4 -> core.detachDevice(ctx, pick(f, ObjectType.DEVICE, op.a()));
            case 5 -> {
                int dev = pick(f, ObjectType.DEVICE, op.a());
                ObjectType ptType = parents[op.c() % 4];
                int pt = pick(f, ptType, op.b());
                if (ptType == ObjectType.IOAS) {
                    core.hwptAlloc(ctx, Requests.hwptAlloc(op.c() < 4 ? IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT : 0, dev,
                        pt));
                } else {
                    f.nested(0, dev, pt, op.c());
                }
            }
            case 6 -> f.viommu(pick(f, ObjectType.DEVICE, op.a()), pick(f, ObjectType.HWPT_PAGING, op.b()));
            case 7 -> core.vdeviceAlloc(ctx, Requests.vdeviceAlloc(pick(f, ObjectType.VIOMMU, op.a()),
                pick(f, ObjectType.DEVICE, op.b()), op.c()));
            case 8 -> fds.add(core.veventqAlloc(ctx, Requests.veventqAlloc(0, pick(f, ObjectType.VIOMMU, op.a()),
                MockIommu.VEVENTQ_TYPE_SELFTEST + op.c() % 2, 2, 0)).outVeventqFd());
            case 9 -> {
                if (!fds.isEmpty()) {
                    core.close(fds.remove(op.a() % fds.size()));
                }
            }
            case 10 -> {
                List<IommufdObject> all = live(f);
                int id = op.a() >= 11 || all.isEmpty() ? op.a() - 11 : all.get(op.a() % all.size()).id;
                IommufdObject target = all.stream().filter(o -> o.id == id).findFirst().orElse(null);
                try {
                    f.destroy(id);
                    assertThat(target).as("destroy succeeded").isNotNull();
                    assertThat(target.users()).isZero();
                } catch (IommufdException e) {
                    Errno expected = target == null ? Errno.ENOENT : target.users() > 0 ? Errno.EBUSY : null;
                    assertThat(e.errno()).as(e.getMessage()).isEqualTo(expected);
                    throw e;
                }
            }
            case 11 -> f.mapFixed(pick(f, ObjectType.IOAS, op.a()), va + (op.c() % 4) * PAGE, PAGE,
                (1L << 24) + (long) op.b() * PAGE);
            default -> fds.add(core.faultQueueAlloc(ctx, Requests.faultQueueAlloc(0)).outFaultFd());
        }
    }

    private static List<IommufdObject> live(CoreFixture f) {
        return f.core.context(f.ctx).objects.live();
    }

    private static void check(CoreFixture f, Map<IommufdObject, Integer> seen, Op op) {
        List<IommufdObject> live = live(f);
        Set<IommufdObject> alive = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        alive.addAll(live);
        Set<Integer> ids = new HashSet<>();
        Map<IommufdObject, Integer> recount = new IdentityHashMap<>();
        for (IommufdObject o : live) {
            assertThat(o.id).as("id after " + op).isPositive();
            assertThat(ids.add(o.id)).as("distinct id " + o.id).isTrue();
            Integer before = seen.put(o, o.id);
            assertThat(before == null || before == o.id).as("stable id of " + o).isTrue();
            assertThat(o.users()).isNotNegative();
            recount.put(o, 0);
        }
        seen.keySet().retainAll(alive);
        for (IommufdObject o : live) {
            for (IommufdObject ref : references(o)) {
                assertThat(alive).as(o + " refers to a destroyed object after " + op).contains(ref);
                recount.merge(ref, 1, Integer::sum);
            }
            if (o instanceof BoundDevice) {
                recount.merge(o, 1, Integer::sum);
            }
        }
        for (IommufdObject o : live) {
            if (o instanceof BoundDevice d && d.vdevice != null) {
                assertThat(alive).contains(d.vdevice);
                assertThat(d.vdevice.device).isSameAs(d);
            }
            if (o instanceof Viommu v) {
                v.vdevs.forEach((virtId, vdev) -> assertThat(alive).contains(vdev));
                v.veventqs.forEach((type, q) -> assertThat(alive).contains(q));
            }
        }
        for (int fd : f.core.openFds()) {
            IommufdObject queue = f.core.eventQueueOf(fd);
            if (queue != null) {
                assertThat(alive).contains(queue);
                recount.merge(queue, 1, Integer::sum);
            }
        }
        for (IommufdObject o : live) {
            assertThat(o.users()).as("users of " + o + " after " + op).isEqualTo(recount.get(o));
        }
    }

    /** Everything an object holds a user on, plus the back links that must not dangle. */
    private static List<IommufdObject> references(IommufdObject o) {
        List<IommufdObject> refs = new ArrayList<>();
        if (o instanceof HwptPaging p) {
            refs.add(p.ioas);
            addIfPresent(refs, p.fault);
        } else if (o instanceof HwptNested n) {
            refs.add(n.viommu != null ? n.viommu : n.parent);
            addIfPresent(refs, n.fault);
        } else if (o instanceof Viommu v) {
            refs.add(v.parent);
        } else if (o instanceof Vdevice v) {
            refs.add(v.viommu);
        } else if (o instanceof Veventq q) {
            refs.add(q.viommu);
        } else if (o instanceof BoundDevice d) {
            addIfPresent(refs, d.attached);
        }
        return refs;
    }

    private static void addIfPresent(List<IommufdObject> refs, IommufdObject o) {
        if (o != null) {
            refs.add(o);
        }
    }
}
