package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.AfterAll;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.CField;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * Whole ioctl sequences from the fuzzer's bytes against one context over the selftest-style {@link MockIommu}: each
 * step picks a command (or a VFIO/fd/memory operation), a size, and every field (zero, a live object's id, a pointer
 * into the process heap, an interesting constant, raw bytes). After every step: the outcome is success or an errno
 * documented for that command (never another exception); the size rules hold exactly (min_size - 1 is EINVAL, a 0xff
 * tail E2BIG, a short buffer EFAULT); and the object table is consistent (ids distinct and stable, users equal an
 * independent recount, no dangling references, user pins equal the pins the IOAS areas hold, every paging domain maps
 * exactly its IOAS's pages). Closing the context then frees every domain, vIOMMU, fd and pin.
 *
 * <p>A normal test run replays the corpus in {@code IoctlSequenceFuzzTestInputs/} (written by
 * {@link IoctlSequenceSeedsTest}) and records which (command, errno) pairs it reached; {@code JAZZER_FUZZ=1} fuzzes
 * with coverage guidance (see docs/fuzzing.md).
 */
class IoctlSequenceFuzzTest {
    /** Where the fuzzed process keeps its data: {@link #HEAP_PAGES} pages at a fixed address. */
    static final long HEAP = 0x10_0000_0000L;
    static final int HEAP_PAGES = 16;
    static final int MAX_STEPS = 64;

    /** Operations after the 21 ioctl commands (their order is the byte encoding; see the seeds). */
    enum Op { RAW_IOCTL, BIND, UNBIND, ATTACH, REPLACE, DETACH, CLOSE_FD, READ_FD, POKE, TRIGGER_EVENT, TOGGLE_PAGE }

    static final IommufdCommand[] COMMAND_VALUES = IommufdCommand.values();
    static final Op[] OP_VALUES = Op.values();
    static final int COMMANDS = COMMAND_VALUES.length;
    static final int OPS = COMMANDS + OP_VALUES.length;
    static final Errno[] ERRNOS = Errno.values();

    /** Size modes of an ioctl step. */
    static final int SIZE_SIZEOF = 0;
    static final int SIZE_MIN = 1;
    static final int SIZE_BELOW_MIN = 2;
    static final int SIZE_ZERO_TAIL = 3;
    static final int SIZE_DIRTY_TAIL = 4;
    static final int SIZE_SHORT_BUFFER = 5;
    static final int SIZE_ANY = 6;
    static final int SIZE_MODES = 7;

    /** Field value kinds. */
    static final int V_ZERO = 0;
    static final int V_LIVE_ID = 1;
    static final int V_SMALL = 2;
    static final int V_HEAP = 3;
    static final int V_CONSTANT = 4;
    static final int V_RAW = 5;
    static final int V_ONES = 6;
    static final int V_KINDS = 7;

    /** Values that open doors: flags, the mock's types, aligned IOVAs and lengths, limits. */
    static final long[] CONSTANTS = {
        PAGE, 2 * PAGE, 1L << 24, (1L << 24) + PAGE, 1L << 21, -1L, 0x7fffffffL,
        MockIommu.HWPT_DATA_SELFTEST, MockIommu.VIOMMU_TYPE_SELFTEST, MockIommu.VEVENTQ_TYPE_SELFTEST,
        MockIommu.INVALIDATE_DATA_SELFTEST, MockIommu.HW_INFO_TYPE_SELFTEST, CoreFixture.RW, CoreFixture.FIXED_RW,
        IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID, 8, 12, 4, 2,
        0x99, 1L << 31, HEAP, HEAP + PAGE};

    /** The errnos each command may answer (kernel docs and iommufd-driver.md), besides the size rules' three. */
    static final Map<IommufdCommand, Set<Errno>> DOCUMENTED = new EnumMap<>(IommufdCommand.class);
    /** The errnos of the non-ioctl operations. */
    static final Map<Op, Set<Errno>> DOCUMENTED_OPS = new EnumMap<>(Op.class);

    static {
        for (IommufdCommand c : IommufdCommand.values()) {
            DOCUMENTED.put(c, EnumSet.of(Errno.EOPNOTSUPP));
        }
        DOCUMENTED.get(IommufdCommand.DESTROY).addAll(EnumSet.of(Errno.ENOENT, Errno.EBUSY));
        DOCUMENTED.get(IommufdCommand.IOAS_ALLOW_IOVAS).addAll(EnumSet.of(Errno.ENOENT, Errno.ENOMEM,
            Errno.EADDRINUSE));
        DOCUMENTED.get(IommufdCommand.IOAS_COPY).addAll(EnumSet.of(Errno.EOVERFLOW, Errno.ENOENT, Errno.EEXIST,
            Errno.ENOSPC));
        DOCUMENTED.get(IommufdCommand.IOAS_IOVA_RANGES).addAll(EnumSet.of(Errno.ENOENT, Errno.EMSGSIZE));
        DOCUMENTED.get(IommufdCommand.IOAS_MAP).addAll(EnumSet.of(Errno.EOVERFLOW, Errno.ENOENT, Errno.EEXIST,
            Errno.ENOSPC, Errno.ENOMEM));
        DOCUMENTED.get(IommufdCommand.IOAS_UNMAP).addAll(EnumSet.of(Errno.ENOENT, Errno.EOVERFLOW));
        DOCUMENTED.get(IommufdCommand.OPTION).addAll(EnumSet.of(Errno.ENOENT, Errno.EBUSY));
        DOCUMENTED.get(IommufdCommand.HWPT_ALLOC).addAll(EnumSet.of(Errno.ENOENT, Errno.ENOMEM, Errno.EADDRINUSE));
        DOCUMENTED.get(IommufdCommand.GET_HW_INFO).add(Errno.ENOENT);
        DOCUMENTED.get(IommufdCommand.HWPT_INVALIDATE).addAll(EnumSet.of(Errno.ENOENT, Errno.ENOMEM));
        DOCUMENTED.get(IommufdCommand.VIOMMU_ALLOC).add(Errno.ENOENT);
        DOCUMENTED.get(IommufdCommand.VDEVICE_ALLOC).addAll(EnumSet.of(Errno.ENOENT, Errno.EEXIST));
        DOCUMENTED.get(IommufdCommand.VEVENTQ_ALLOC).addAll(EnumSet.of(Errno.ENOENT, Errno.EEXIST));
        DOCUMENTED_OPS.put(Op.RAW_IOCTL, EnumSet.of(Errno.ENOTTY));
        DOCUMENTED_OPS.put(Op.BIND, EnumSet.of(Errno.EBUSY, Errno.ENODEV));
        DOCUMENTED_OPS.put(Op.UNBIND, EnumSet.of(Errno.ENOENT));
        DOCUMENTED_OPS.put(Op.ATTACH, EnumSet.of(Errno.ENOENT, Errno.EINVAL, Errno.EADDRINUSE, Errno.ENOMEM,
            Errno.EOPNOTSUPP));
        DOCUMENTED_OPS.put(Op.REPLACE, DOCUMENTED_OPS.get(Op.ATTACH));
        DOCUMENTED_OPS.put(Op.DETACH, EnumSet.of(Errno.ENOENT));
        DOCUMENTED_OPS.put(Op.CLOSE_FD, EnumSet.of(Errno.EBADF));
        DOCUMENTED_OPS.put(Op.READ_FD, EnumSet.of(Errno.EBADF, Errno.EINVAL));
        DOCUMENTED_OPS.put(Op.POKE, EnumSet.of(Errno.EFAULT));
        // the driver's report fails with EOPNOTSUPP when the vIOMMU has no vEVENTQ of its type (iommufd-driver.md 2.8)
        DOCUMENTED_OPS.put(Op.TRIGGER_EVENT, EnumSet.of(Errno.EOPNOTSUPP));
        DOCUMENTED_OPS.put(Op.TOGGLE_PAGE, EnumSet.noneOf(Errno.class));
    }

    /** Every (command, errno) pair some replayed input reached, e.g. {@code HWPT_ALLOC:EINVAL}; "ok" for success. */
    static final Set<String> REACHED = new ConcurrentSkipListSet<>();
    /**
     * Which of {@link #REACHED}'s pairs are already in it, by {@code operation * (errnos + 1) + errno ordinal + 1}
     * (0 for success): a racy flag only saves the string and the set insertion per step, the set stays the record.
     */
    private static final boolean[] REACHED_FLAGS = new boolean[OPS * (ERRNOS.length + 1)];

    /** Per command: the errnos it may answer including the size rules' three, so a step does not rebuild the set. */
    static final Map<IommufdCommand, Set<Errno>> ALLOWED = new EnumMap<>(IommufdCommand.class);

    static {
        DOCUMENTED.forEach((c, errnos) -> {
            Set<Errno> allowed = EnumSet.of(Errno.EINVAL, Errno.E2BIG, Errno.EFAULT);
            allowed.addAll(errnos);
            ALLOWED.put(c, allowed);
        });
    }

    static void reached(int operation, Errno errno) {
        int at = operation * (ERRNOS.length + 1) + (errno == null ? 0 : errno.ordinal() + 1);
        if (!REACHED_FLAGS[at]) {
            String name = operation < COMMANDS ? COMMAND_VALUES[operation].name()
                : OP_VALUES[operation - COMMANDS].name();
            REACHED.add(name + ":" + (errno == null ? "ok" : errno.name()));
            REACHED_FLAGS[at] = true;
        }
    }

    /** Fails the test with {@code message} unless {@code ok}; the message is built only on failure. */
    static void require(boolean ok, Supplier<String> message) {
        if (!ok) {
            throw new AssertionError(message.get());
        }
    }

    @FuzzTest(maxDuration = "10m")
    void ioctl_sequences_keep_the_object_table_consistent(byte[] input) {
        new Run(input).run();
    }

    @AfterAll
    static void report() {
        if (REACHED.isEmpty()) {
            return;
        }
        Set<String> errnoPaths = new TreeSet<>(REACHED);
        errnoPaths.removeIf(s -> s.endsWith(":ok"));
        Set<String> documented = new TreeSet<>();
        DOCUMENTED.forEach((c, errnos) -> {
            errnos.forEach(e -> documented.add(c.name() + ":" + e.name()));
            List.of(Errno.EINVAL, Errno.E2BIG, Errno.EFAULT).forEach(e -> documented.add(c.name() + ":" + e.name()));
        });
        DOCUMENTED_OPS.forEach((op, errnos) -> errnos.forEach(e -> documented.add(op.name() + ":" + e.name())));
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(errnoPaths);
        System.out.println("[ioctl-sequence-fuzz] " + errnoPaths.size() + " (operation, errno) pairs reached of "
            + documented.size() + " documented: " + errnoPaths + "; not reached: " + missing);
    }

    /** Reads the input front to back; missing bytes are 0, and the run ends when the input does. */
    static final class Reader {
        private final byte[] in;
        private int pos;

        Reader(byte[] in) {
            this.in = in;
        }

        boolean more() {
            return pos < in.length;
        }

        int u8() {
            return pos < in.length ? in[pos++] & 0xff : 0;
        }

        long bytes(int n) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v |= (long) u8() << (8 * i);
            }
            return v;
        }
    }

    /** One replay: a fresh core, a context, a heap, then the steps. */
    static final class Run {
        final Reader r;
        final CoreFixture f = new CoreFixture();
        final List<Integer> eventFds = new ArrayList<>();
        final boolean[] heapUnmapped = new boolean[HEAP_PAGES];
        final Map<IommufdObject, Integer> seen = new IdentityHashMap<>();

        Run(byte[] input) {
            r = new Reader(input);
            f.mem.mmap(HEAP, (long) HEAP_PAGES * PAGE);
        }

        void run() {
            for (int step = 0; step < MAX_STEPS && r.more(); step++) {
                int op = r.u8() % OPS;
                if (op < COMMANDS) {
                    ioctl(COMMAND_VALUES[op]);
                } else {
                    other(OP_VALUES[op - COMMANDS]);
                }
                check(step);
            }
            f.core.close(f.ctx);
            assertThat(f.core.openFds()).isEmpty();
            for (MockIommu m : List.of(f.iommu0, f.iommu1)) {
                assertThat(m.pagingDomains).allSatisfy(p -> assertThat(p.freed).isTrue());
                assertThat(m.nestedDomains).allSatisfy(n -> assertThat(n.freed).isTrue());
                assertThat(m.viommus).allSatisfy(v -> assertThat(v.destroyed).isTrue());
            }
            assertThat(f.mem.totalPins()).isZero();
        }

        private void ioctl(IommufdCommand c) {
            int mode = r.u8() % SIZE_MODES;
            int size = switch (mode) {
                case SIZE_MIN -> c.minSize();
                case SIZE_BELOW_MIN -> c.minSize() - 1;
                case SIZE_ZERO_TAIL -> c.size() + 8;
                case SIZE_DIRTY_TAIL -> c.size() + 1;
                case SIZE_ANY -> r.u8();
                default -> c.size();
            };
            byte[] buf = new byte[Math.max(size, c.size())];
            for (CField field : c.struct().layout().fields()) {
                if (!field.name().equals("size")) {
                    fill(buf, field);
                }
            }
            ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).putInt(0, size);
            if (mode == SIZE_DIRTY_TAIL) {
                buf[c.size()] = (byte) 0xff;
            }
            byte[] arg = mode == SIZE_SHORT_BUFFER ? java.util.Arrays.copyOf(buf, r.u8() % c.size()) : buf;
            Errno errno = call(c.ordinal(), () -> f.core.ioctl(f.ctx, c.ioctl(), UserBuffer.wrap(arg)));
            if (errno == null) {
                afterSuccess(c, arg);
                return;
            }
            switch (mode) {
                case SIZE_BELOW_MIN -> require(errno == Errno.EINVAL, () -> c + " below min_size: " + errno);
                case SIZE_DIRTY_TAIL -> require(errno == Errno.E2BIG, () -> c + " with a 0xff tail: " + errno);
                case SIZE_SHORT_BUFFER -> require(errno == Errno.EFAULT, () -> c + " short buffer: " + errno);
                default -> {
                }
            }
            require(ALLOWED.get(c).contains(errno), () -> c + " answered an undocumented errno " + errno);
        }

        private void afterSuccess(IommufdCommand c, byte[] buf) {
            ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            if (c == IommufdCommand.VEVENTQ_ALLOC) {
                eventFds.add(b.getInt(c.struct().layout().offsetOf("out_veventq_fd")));
            } else if (c == IommufdCommand.FAULT_QUEUE_ALLOC) {
                eventFds.add(b.getInt(c.struct().layout().offsetOf("out_fault_fd")));
            }
        }

        private void fill(byte[] buf, CField field) {
            int width = field.type().size();
            int count = field.kind() == CField.Kind.ARRAY ? field.count() : 1;
            for (int i = 0; i < count; i++) {
                long v = value(width);
                int at = field.offset() + i * width;
                for (int k = 0; k < width; k++) {
                    buf[at + k] = (byte) (v >>> (8 * k));
                }
            }
        }

        private long value(int width) {
            int kind = r.u8() % V_KINDS;
            return switch (kind) {
                case V_LIVE_ID -> liveId(r.u8());
                case V_SMALL -> r.u8();
                case V_HEAP -> HEAP + 64L * r.u8();
                case V_CONSTANT -> CONSTANTS[r.u8() % CONSTANTS.length];
                case V_RAW -> r.bytes(width);
                case V_ONES -> -1L;
                default -> 0;
            };
        }

        private int liveId(int k) {
            List<IommufdObject> live = f.core.context(f.ctx).objects.live();
            return live.isEmpty() ? k : live.get(k % live.size()).id;
        }

        private void other(Op op) {
            if (op == Op.RAW_IOCTL) {
                rawIoctl((int) r.bytes(4));
                return;
            }
            Errno errno = call(COMMANDS + op.ordinal(), () -> {
                switch (op) {
                    case BIND -> f.core.bindDevice(f.ctx, r.u8() % 3, r.u8() % 6);
                    case UNBIND -> f.core.unbindDevice(f.ctx, liveId(r.u8()));
                    case ATTACH -> f.core.attachDevice(f.ctx, liveId(r.u8()), liveId(r.u8()));
                    case REPLACE -> f.core.replaceDevice(f.ctx, liveId(r.u8()), liveId(r.u8()));
                    case DETACH -> f.core.detachDevice(f.ctx, liveId(r.u8()));
                    case CLOSE_FD -> {
                        int fd = pickFd(r.u8());
                        if (fd != f.ctx) {
                            // the context itself closes at the end of the run, where its teardown is checked
                            eventFds.remove((Integer) fd);
                            f.core.close(fd);
                        }
                    }
                    case READ_FD -> f.core.read(pickFd(r.u8()), 4 * r.u8());
                    case POKE -> {
                        long at = HEAP + r.bytes(2) % ((long) HEAP_PAGES * PAGE);
                        int n = r.u8();
                        byte[] data = new byte[n];
                        for (int i = 0; i < n; i++) {
                            data[i] = (byte) r.u8();
                        }
                        f.mem.write(at, data);
                    }
                    case TRIGGER_EVENT -> {
                        MockIommu.Device d = (MockIommu.Device) f.iommu0.device(1 + r.u8() % 4).orElseThrow();
                        if (d.domain instanceof MockIommu.Nested n && n.viommu != null
                            && n.viommu.host.virtIdOf(d).isPresent()) {
                            d.triggerEvent();
                        }
                    }
                    case TOGGLE_PAGE -> {
                        int page = r.u8() % HEAP_PAGES;
                        long va = HEAP + (long) page * PAGE;
                        if (heapUnmapped[page]) {
                            f.mem.mmap(va, PAGE);
                        } else {
                            f.mem.munmap(va, PAGE);
                        }
                        heapUnmapped[page] = !heapUnmapped[page];
                    }
                    default -> throw new IllegalStateException(op.name());
                }
            });
            if (errno != null) {
                require(DOCUMENTED_OPS.get(op).contains(errno), () -> op + " answered an undocumented errno " + errno);
            }
        }

        /** Any request value with a DESTROY-sized argument: ENOTTY unless it is a table command's exact value. */
        private void rawIoctl(int request) {
            Errno errno = call(COMMANDS + Op.RAW_IOCTL.ordinal(), () -> f.core.ioctl(f.ctx, request,
                UserBuffer.wrap(new byte[] {8, 0, 0, 0, 0, 0, 0, 0})));
            Set<Errno> allowed = EnumSet.of(Errno.ENOTTY);
            IommufdCommand.byIoctl(request).ifPresent(c -> {
                allowed.addAll(EnumSet.of(Errno.EINVAL, Errno.E2BIG, Errno.EFAULT));
                allowed.addAll(DOCUMENTED.get(c));
            });
            if (errno != null) {
                require(allowed.contains(errno), () -> "ioctl 0x" + Integer.toHexString(request) + ": " + errno);
            }
        }

        /** An event fd this run opened (even if closed since), the context's own fd, or any number. */
        private int pickFd(int k) {
            if (k < 200 && !eventFds.isEmpty()) {
                return eventFds.get(k % eventFds.size());
            }
            return k == 200 ? f.ctx : k;
        }

        /**
         * Runs one operation (a command ordinal, or {@link #COMMANDS} + an {@link Op} ordinal): null for success, the
         * errno for an IommufdException; anything else fails the test.
         */
        private Errno call(int operation, Runnable action) {
            try {
                action.run();
                reached(operation, null);
                return null;
            } catch (IommufdException e) {
                String message = e.getMessage();
                String prefix = e.errno().name();
                require(message.startsWith(prefix) && message.startsWith(": ", prefix.length()),
                    () -> "message of " + e.errno() + " does not start with its errno: " + message);
                reached(operation, e.errno());
                return e.errno();
            }
        }

        // ---------------------------------------------------------------- invariants

        /**
         * The object-table invariants after {@code step}. Failure messages are built only on failure: formatting
         * objects for every passing assertion cost more than the step being checked.
         */
        private void check(int step) {
            List<IommufdObject> live = f.core.context(f.ctx).objects.live();
            Set<IommufdObject> alive = Collections.newSetFromMap(new IdentityHashMap<>());
            alive.addAll(live);
            Set<Integer> ids = new HashSet<>();
            Map<IommufdObject, Integer> recount = new IdentityHashMap<>();
            for (IommufdObject o : live) {
                require(o.id > 0, () -> "id " + o.id + " of " + o + " after step " + step);
                require(ids.add(o.id), () -> "distinct id " + o.id + " after step " + step);
                Integer before = seen.put(o, o.id);
                require(before == null || before == o.id, () -> "stable id of " + o + " (was " + before + ")");
                recount.put(o, 0);
            }
            seen.keySet().retainAll(alive);
            for (IommufdObject o : live) {
                for (IommufdObject ref : references(o)) {
                    require(alive.contains(ref), () -> o + " refers to a destroyed " + ref + " after step " + step);
                    recount.merge(ref, 1, Integer::sum);
                }
                if (o instanceof BoundDevice) {
                    recount.merge(o, 1, Integer::sum);
                }
                if (o instanceof BoundDevice d && d.vdevice != null) {
                    require(alive.contains(d.vdevice), () -> d + " keeps a destroyed " + d.vdevice + " after step "
                        + step);
                }
                if (o instanceof Viommu v) {
                    for (Vdevice vdev : v.vdevs.values()) {
                        require(alive.contains(vdev), () -> v + " keeps a destroyed " + vdev + " after step " + step);
                    }
                    for (Veventq q : v.veventqs.values()) {
                        require(alive.contains(q), () -> v + " keeps a destroyed " + q + " after step " + step);
                    }
                }
            }
            for (int fd : f.core.openFds()) {
                IommufdObject queue = f.core.eventQueueOf(fd);
                if (queue != null) {
                    require(alive.contains(queue), () -> "fd " + fd + " holds a destroyed " + queue + " after step "
                        + step);
                    recount.merge(queue, 1, Integer::sum);
                }
            }
            for (IommufdObject o : live) {
                int expected = recount.get(o);
                require(o.users() == expected, () -> "users of " + o + " after step " + step + ": " + o.users()
                    + ", recounted " + expected);
            }
            checkPinsAndDomains(live, step);
        }

        /** User pins equal what the IOAS areas hold; each paging domain maps exactly its IOAS's pages. */
        private void checkPinsAndDomains(List<IommufdObject> live, int step) {
            Map<IoPageTable.Pages, Integer> areasOf = new IdentityHashMap<>();
            for (IommufdObject o : live) {
                if (o instanceof Ioas ioas) {
                    long mappedPages = 0;
                    for (IoPageTable.Area a : ioas.iopt.areas()) {
                        areasOf.merge(a.pages(), 1, Integer::sum);
                        mappedPages += a.length() / PAGE;
                    }
                    for (HwptPaging h : ioas.hwpts) {
                        if (h.domain instanceof MockIommu.Paging p) {
                            long expected = mappedPages;
                            require(p.pages.size() == expected, () -> "pages of " + h + " after step " + step + ": "
                                + p.pages.size() + ", its IOAS maps " + expected);
                        }
                    }
                }
            }
            long pins = 0;
            for (Map.Entry<IoPageTable.Pages, Integer> e : areasOf.entrySet()) {
                int areas = e.getValue();
                require(e.getKey().areas == areas, () -> "areas sharing a pin after step " + step + ": "
                    + e.getKey().areas + ", counted " + areas);
                pins += e.getKey().addresses.length;
            }
            long expectedPins = pins;
            require(f.mem.totalPins() == expectedPins, () -> "user pins after step " + step + ": "
                + f.mem.totalPins() + ", the areas hold " + expectedPins);
        }

        private static List<IommufdObject> references(IommufdObject o) {
            List<IommufdObject> refs = new ArrayList<>();
            if (o instanceof HwptPaging p) {
                refs.add(p.ioas);
                if (p.fault != null) {
                    refs.add(p.fault);
                }
            } else if (o instanceof HwptNested n) {
                refs.add(n.viommu != null ? n.viommu : n.parent);
                if (n.fault != null) {
                    refs.add(n.fault);
                }
            } else if (o instanceof Viommu v) {
                refs.add(v.parent);
            } else if (o instanceof Vdevice v) {
                refs.add(v.viommu);
            } else if (o instanceof Veventq q) {
                refs.add(q.viommu);
            } else if (o instanceof BoundDevice d && d.attached != null) {
                refs.add(d.attached);
            }
            return refs;
        }
    }
}
