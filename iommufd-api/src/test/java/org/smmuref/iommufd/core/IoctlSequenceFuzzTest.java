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
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.AfterAll;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IommuDomain;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.spi.PageFault;
import org.smmuref.iommufd.spi.ProcessCapability;
import org.smmuref.iommufd.uapi.CField;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.VfioConstants;
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
 * {@link IoctlSequenceSeedsTest}) and records which (command, errno) pairs it reached ({@link
 * IoctlSequenceCorpusTest} requires every documented pair); {@code JAZZER_FUZZ=1} fuzzes with coverage guidance (see
 * docs/fuzzing.md).
 */
class IoctlSequenceFuzzTest {
    /** Where the fuzzed process keeps its data: {@link #HEAP_PAGES} pages at a fixed address. */
    static final long HEAP = 0x10_0000_0000L;
    static final int HEAP_PAGES = 16;
    static final int MAX_STEPS = 64;

    /**
     * Operations after the 21 ioctl commands (their order is the byte encoding; see the seeds; a new one goes at the
     * end, and the checked-in inputs use op bytes below the operation count, so they keep their meaning).
     */
    enum Op {
        RAW_IOCTL, BIND, UNBIND, ATTACH, REPLACE, DETACH, CLOSE_FD, READ_FD, POKE, TRIGGER_EVENT, TOGGLE_PAGE,
        INJECT_ENOMEM, TOGGLE_CAP_SYS_RESOURCE, DMA_WRITE, REPORT_FAULT, WRITE_FD, POLL_FD, VFIO_IOCTL, MEMFD_TRUNCATE
    }

    /** The process's memfd ({@link SimulatedUserMemory#FIRST_MEMFD}), {@link #MEMFD_PAGES} pages until truncated. */
    static final int MEMFD = SimulatedUserMemory.FIRST_MEMFD;
    static final int MEMFD_PAGES = 4;

    /** The requests of {@link Op#VFIO_IOCTL} (its first operand picks one): the six served and one that is not. */
    static final int[] VFIO_REQUESTS = {VfioConstants.VFIO_GET_API_VERSION, VfioConstants.VFIO_CHECK_EXTENSION,
        VfioConstants.VFIO_SET_IOMMU, VfioConstants.VFIO_IOMMU_GET_INFO, VfioConstants.VFIO_IOMMU_MAP_DMA,
        VfioConstants.VFIO_IOMMU_UNMAP_DMA, VfioConstants.VFIO_IOMMU_DIRTY_PAGES};

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

    /** Fault points of {@link Op#INJECT_ENOMEM} (its first operand modulo 3; the instance is operand / 3 % 2). */
    static final int FAULT_DOMAIN_ALLOC = 0;
    static final int FAULT_MAP = 1;
    static final int FAULT_ATTACH = 2;

    /** Values that open doors: flags, the mock's types, aligned IOVAs and lengths, limits. */
    static final long[] CONSTANTS = {
        PAGE, 2 * PAGE, 1L << 24, (1L << 24) + PAGE, 1L << 21, -1L, 0x7fffffffL,
        MockIommu.HWPT_DATA_SELFTEST, MockIommu.VIOMMU_TYPE_SELFTEST, MockIommu.VEVENTQ_TYPE_SELFTEST,
        MockIommu.INVALIDATE_DATA_SELFTEST, MockIommu.HW_INFO_TYPE_SELFTEST, CoreFixture.RW, CoreFixture.FIXED_RW,
        IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID, 8, 12, 4, 2,
        0x99, 1L << 31, HEAP, HEAP + PAGE};

    /**
     * Exactly the errnos each command can answer here besides the size rules' three (EINVAL, E2BIG, EFAULT, which
     * every command has): what the uAPI header and iommufd-driver.md give the kernel, as far as the core and the mock
     * driver can produce it. EOPNOTSUPP only where the struct has a flag, type or reserved field to refuse.
     */
    static final Map<IommufdCommand, Set<Errno>> DOCUMENTED = new EnumMap<>(IommufdCommand.class);
    /** The errnos of the non-ioctl operations. */
    static final Map<Op, Set<Errno>> DOCUMENTED_OPS = new EnumMap<>(Op.class);

    private static void documented(IommufdCommand c, Errno... errnos) {
        Set<Errno> set = EnumSet.noneOf(Errno.class);
        set.addAll(List.of(errnos));
        DOCUMENTED.put(c, set);
    }

    static {
        // DESTROY has no field to refuse: an unknown id or a busy object only.
        documented(IommufdCommand.DESTROY, Errno.ENOENT, Errno.EBUSY);
        documented(IommufdCommand.IOAS_ALLOC, Errno.EOPNOTSUPP);
        // no cap on the number of ranges (iommufd_ioas_load_iovas), so no ENOMEM here
        documented(IommufdCommand.IOAS_ALLOW_IOVAS, Errno.EOPNOTSUPP, Errno.ENOENT, Errno.EADDRINUSE);
        // ENOMEM: a domain's map failing while the copy fills it (INJECT_ENOMEM), as for IOAS_MAP; EPERM: a
        // WRITEABLE copy of a read-only mapping (iopt_insert_area)
        documented(IommufdCommand.IOAS_COPY, Errno.EOPNOTSUPP, Errno.EOVERFLOW, Errno.ENOENT, Errno.EEXIST,
            Errno.ENOSPC, Errno.ENOMEM, Errno.EPERM);
        documented(IommufdCommand.IOAS_IOVA_RANGES, Errno.EOPNOTSUPP, Errno.ENOENT, Errno.EMSGSIZE);
        documented(IommufdCommand.IOAS_MAP, Errno.EOPNOTSUPP, Errno.EOVERFLOW, Errno.ENOENT, Errno.EEXIST,
            Errno.ENOSPC, Errno.ENOMEM);
        // iommufd_ioas_map_file: as IOAS_MAP, plus EBADF (fget); EINVAL (a size rule anyway) also when a domain pins
        // past the memfd's end or a file that is not a memfd (memfd_pin_folios)
        documented(IommufdCommand.IOAS_MAP_FILE, Errno.EOPNOTSUPP, Errno.EOVERFLOW, Errno.ENOENT, Errno.EBADF,
            Errno.EEXIST, Errno.ENOSPC, Errno.ENOMEM);
        // iommufd_ioas_change_process: __reserved; its EINVAL (an IOAS maps user addresses) is a size-rule errno too
        documented(IommufdCommand.IOAS_CHANGE_PROCESS, Errno.EOPNOTSUPP);
        // no flags or reserved field; the kernel's EBUSY (an IOAS pinned by a HW queue) needs HW_QUEUE_ALLOC
        documented(IommufdCommand.IOAS_UNMAP, Errno.ENOENT, Errno.EOVERFLOW);
        // EPERM: RLIMIT_MODE SET without CAP_SYS_RESOURCE; EADDRINUSE: HUGE_PAGES=0 over a mapping that is not
        // page aligned (iopt_disable_large_pages)
        documented(IommufdCommand.OPTION, Errno.EOPNOTSUPP, Errno.ENOENT, Errno.EBUSY, Errno.EPERM, Errno.EADDRINUSE);
        // dirty tracking: ENOENT for anything but a paging HWPT (iommufd_get_hwpt_paging), EOPNOTSUPP for flags,
        // __reserved or a domain without dirty ops; GET also EOVERFLOW (iommufd_check_iova_range). A failing bitmap
        // walk is not an errno: iommu_read_and_clear_dirty drops it.
        documented(IommufdCommand.HWPT_SET_DIRTY_TRACKING, Errno.EOPNOTSUPP, Errno.ENOENT);
        documented(IommufdCommand.HWPT_GET_DIRTY_BITMAP, Errno.EOPNOTSUPP, Errno.ENOENT, Errno.EOVERFLOW);
        // iommufd_vfio_ioas: __reserved or an unknown op; SET of a non-IOAS; GET before SET (get_compat_ioas)
        documented(IommufdCommand.VFIO_IOAS, Errno.EOPNOTSUPP, Errno.ENOENT, Errno.ENODEV);
        // iommufd_hw_queue_alloc_ioctl up to the driver's missing HW queue ops: EOPNOTSUPP, EOVERFLOW, ENOENT
        documented(IommufdCommand.HW_QUEUE_ALLOC, Errno.EOPNOTSUPP, Errno.EOVERFLOW, Errno.ENOENT);
        // EADDRINUSE: the new domain's aperture reserves what an allowed range covers; ENOMEM: domain alloc or map
        documented(IommufdCommand.HWPT_ALLOC, Errno.EOPNOTSUPP, Errno.ENOENT, Errno.ENOMEM, Errno.EADDRINUSE);
        documented(IommufdCommand.GET_HW_INFO, Errno.EOPNOTSUPP, Errno.ENOENT);
        // ENOMEM: an entry array larger than the kernel's largest allocation
        documented(IommufdCommand.HWPT_INVALIDATE, Errno.EOPNOTSUPP, Errno.ENOENT, Errno.ENOMEM);
        documented(IommufdCommand.FAULT_QUEUE_ALLOC, Errno.EOPNOTSUPP);
        documented(IommufdCommand.VIOMMU_ALLOC, Errno.EOPNOTSUPP, Errno.ENOENT);
        // no flags or reserved field, so no EOPNOTSUPP (nor in the kernel's viommu.c)
        documented(IommufdCommand.VDEVICE_ALLOC, Errno.ENOENT, Errno.EEXIST);
        documented(IommufdCommand.VEVENTQ_ALLOC, Errno.EOPNOTSUPP, Errno.ENOENT, Errno.EEXIST);
        DOCUMENTED_OPS.put(Op.RAW_IOCTL, EnumSet.of(Errno.ENOTTY));
        DOCUMENTED_OPS.put(Op.BIND, EnumSet.of(Errno.EBUSY, Errno.ENODEV));
        DOCUMENTED_OPS.put(Op.UNBIND, EnumSet.of(Errno.ENOENT));
        // A driver refuses an incompatible domain with EINVAL (the attach_dev convention the core relies on to try
        // the next automatic domain), never EOPNOTSUPP. EADDRINUSE: reserved ranges or a mapping the domain's page
        // cannot take; ENOMEM: domain alloc, map, attach; EFAULT: the first domain pins the IOAS's pages (lazy
        // pinning) and meets user memory the process unmapped.
        DOCUMENTED_OPS.put(Op.ATTACH, EnumSet.of(Errno.ENOENT, Errno.EINVAL, Errno.EADDRINUSE, Errno.ENOMEM,
            Errno.EFAULT));
        DOCUMENTED_OPS.put(Op.REPLACE, DOCUMENTED_OPS.get(Op.ATTACH));
        DOCUMENTED_OPS.put(Op.DETACH, EnumSet.of(Errno.ENOENT));
        DOCUMENTED_OPS.put(Op.CLOSE_FD, EnumSet.of(Errno.EBADF));
        // ESPIPE: a fault fd reads whole iommu_hwpt_pgfault records (iommufd_fault_fops_read)
        DOCUMENTED_OPS.put(Op.READ_FD, EnumSet.of(Errno.EBADF, Errno.EINVAL, Errno.ESPIPE));
        // iommufd_fault_fops_write: ESPIPE for a partial response, EINVAL for a bad code or cookie; EBADF for a
        // vEVENTQ fd (opened read-only) or no fd, EINVAL for the context (no write op)
        DOCUMENTED_OPS.put(Op.WRITE_FD, EnumSet.of(Errno.EBADF, Errno.EINVAL, Errno.ESPIPE));
        DOCUMENTED_OPS.put(Op.POLL_FD, EnumSet.of(Errno.EBADF));
        // a fault nobody takes is answered INVALID to the driver, not an errno
        DOCUMENTED_OPS.put(Op.REPORT_FAULT, EnumSet.noneOf(Errno.class));
        // the process writing into a heap page it unmapped (TOGGLE_PAGE)
        DOCUMENTED_OPS.put(Op.POKE, EnumSet.of(Errno.EFAULT));
        // the driver's report fails with EOPNOTSUPP when the vIOMMU has no vEVENTQ of its type (iommufd-driver.md 2.8)
        DOCUMENTED_OPS.put(Op.TRIGGER_EVENT, EnumSet.of(Errno.EOPNOTSUPP));
        DOCUMENTED_OPS.put(Op.TOGGLE_PAGE, EnumSet.noneOf(Errno.class));
        DOCUMENTED_OPS.put(Op.INJECT_ENOMEM, EnumSet.noneOf(Errno.class));
        DOCUMENTED_OPS.put(Op.TOGGLE_CAP_SYS_RESOURCE, EnumSet.noneOf(Errno.class));
        // vfio_compat.c: ENOTTY (ENOIOCTLCMD) for VFIO_IOMMU_DIRTY_PAGES, ENODEV without a compatibility IOAS, EINVAL
        // for argsz / flags / type, EFAULT for an unmapped argument or unmapped user memory to pin; then the IOAS's
        // own: EEXIST (map over a mapping), ENOENT / EOVERFLOW (unmap), EADDRINUSE (TYPE1 disabling large pages over
        // a sub-page mapping), ENOMEM (a domain map failing, INJECT_ENOMEM)
        DOCUMENTED_OPS.put(Op.MEMFD_TRUNCATE, EnumSet.noneOf(Errno.class));
        DOCUMENTED_OPS.put(Op.VFIO_IOCTL, EnumSet.of(Errno.ENOTTY, Errno.ENODEV, Errno.EINVAL, Errno.EFAULT,
            Errno.EEXIST, Errno.ENOENT, Errno.EOVERFLOW, Errno.EADDRINUSE, Errno.ENOMEM));
        DOCUMENTED_OPS.put(Op.DMA_WRITE, EnumSet.noneOf(Errno.class));
        for (IommufdCommand c : COMMAND_VALUES) {
            if (!DOCUMENTED.containsKey(c)) {
                throw new IllegalStateException("no documented errnos for " + c);
            }
        }
        for (Op op : OP_VALUES) {
            if (!DOCUMENTED_OPS.containsKey(op)) {
                throw new IllegalStateException("no documented errnos for " + op);
            }
        }
    }

    /** The errnos every command answers to the size rules: below min_size, a non-zero tail, a short buffer. */
    static final Set<Errno> SIZE_RULE_ERRNOS = EnumSet.of(Errno.EINVAL, Errno.E2BIG, Errno.EFAULT);

    /** Every documented (operation, errno) pair, e.g. {@code HWPT_ALLOC:EADDRINUSE}, the size rules' included. */
    static Set<String> documentedPairs() {
        Set<String> documented = new TreeSet<>();
        DOCUMENTED.forEach((c, errnos) -> {
            errnos.forEach(e -> documented.add(c.name() + ":" + e.name()));
            SIZE_RULE_ERRNOS.forEach(e -> documented.add(c.name() + ":" + e.name()));
        });
        DOCUMENTED_OPS.forEach((op, errnos) -> errnos.forEach(e -> documented.add(op.name() + ":" + e.name())));
        return documented;
    }

    /** Per command: the errnos it may answer including the size rules' three, so a step does not rebuild the set. */
    static final Map<IommufdCommand, Set<Errno>> ALLOWED = new EnumMap<>(IommufdCommand.class);

    static {
        DOCUMENTED.forEach((c, errnos) -> {
            Set<Errno> allowed = EnumSet.copyOf(SIZE_RULE_ERRNOS);
            allowed.addAll(errnos);
            ALLOWED.put(c, allowed);
        });
    }

    /** Which (operation, errno) pairs some runs reached, e.g. {@code HWPT_ALLOC:EINVAL}; "ok" for success. */
    static final class Coverage {
        private final Set<String> reached = new ConcurrentSkipListSet<>();
        /**
         * Which pairs are already in {@link #reached}, by {@code operation * (errnos + 1) + errno ordinal + 1} (0 for
         * success): a racy flag only saves the string and the set insertion per step, the set stays the record.
         */
        private final boolean[] flags = new boolean[OPS * (ERRNOS.length + 1)];

        void reached(int operation, Errno errno) {
            int at = operation * (ERRNOS.length + 1) + (errno == null ? 0 : errno.ordinal() + 1);
            if (!flags[at]) {
                String name = operation < COMMANDS ? COMMAND_VALUES[operation].name()
                    : OP_VALUES[operation - COMMANDS].name();
                reached.add(name + ":" + (errno == null ? "ok" : errno.name()));
                flags[at] = true;
            }
        }

        /** The errno pairs reached (successes left out). */
        Set<String> errnoPaths() {
            Set<String> paths = new TreeSet<>(reached);
            paths.removeIf(p -> p.endsWith(":ok"));
            return paths;
        }

        /** The documented pairs not reached. */
        Set<String> missing() {
            Set<String> missing = documentedPairs();
            missing.removeAll(reached);
            return missing;
        }
    }

    /** What the replays (or the fuzzing) of this class reached, printed after the class. */
    static final Coverage REACHED = new Coverage();

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

    /** Prints the coverage; IoctlSequenceCorpusTest is the one that fails on a gap (fuzzing is not about that). */
    @AfterAll
    static void report() {
        Set<String> errnoPaths = REACHED.errnoPaths();
        if (errnoPaths.isEmpty()) {
            return;
        }
        System.out.println("[ioctl-sequence-fuzz] " + errnoPaths.size() + " (operation, errno) pairs reached of "
            + documentedPairs().size() + " documented: " + errnoPaths + "; not reached: " + REACHED.missing());
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
        final Coverage coverage;
        final CoreFixture f;
        final KernelProfile profile;
        final List<Integer> eventFds = new ArrayList<>();
        final boolean[] heapUnmapped = new boolean[HEAP_PAGES];
        /** How many complete fault groups were reported: each must be answered once by the end. */
        int lastPageReports;
        final Map<IommufdObject, Integer> seen = new IdentityHashMap<>();

        Run(byte[] input) {
            this(input, REACHED);
        }

        /** A replay that records what it reaches in {@code coverage}. */
        Run(byte[] input, Coverage coverage) {
            this(input, coverage, KernelProfile.latest());
        }

        /** A replay against a context that behaves as kernel release {@code profile}. */
        Run(byte[] input, Coverage coverage, KernelProfile profile) {
            this.profile = profile;
            f = new CoreFixture(profile);
            r = new Reader(input);
            this.coverage = coverage;
            f.mem.mmap(HEAP, (long) HEAP_PAGES * PAGE);
            int memfd = f.mem.memfdCreate();
            f.mem.ftruncate(memfd, (long) MEMFD_PAGES * PAGE);
            // StreamID 5: a device whose IOMMU can track dirty pages (IOMMU_CAP_DIRTY_TRACKING)
            f.iommu0.addDevice(5, new DeviceCapabilities(true, 0, false, false), List.of());
            // a privileged VMM until TOGGLE_CAP_SYS_RESOURCE takes it away
            f.mem.grant(ProcessCapability.CAP_SYS_RESOURCE);
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
            int answered = 0;
            for (MockIommu.Device d : f.iommu0.devices()) {
                answered += d.pageResponses.size();
            }
            assertThat(answered).as("every reported fault group is answered exactly once by the end")
                .isEqualTo(lastPageReports);
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
            if (!profile.has(c)) {
                // A release without the command: ENOTTY before its size is even read.
                require(errno == Errno.ENOTTY, () -> c + " on kernel " + profile + ": " + errno);
                return;
            }
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
                    case INJECT_ENOMEM -> injectEnomem(r.u8(), r.u8());
                    case MEMFD_TRUNCATE -> f.mem.ftruncate(MEMFD, (long) (r.u8() % (MEMFD_PAGES + 1)) * PAGE);
                    case VFIO_IOCTL -> {
                        int request = VFIO_REQUESTS[r.u8() % VFIO_REQUESTS.length];
                        int kind = r.u8();
                        int value = r.u8();
                        // an integer argument, or a pointer into the heap where POKE put a struct
                        f.core.vfioIoctl(f.ctx, request, kind % 2 == 0 ? value : HEAP + 64L * value);
                    }
                    case REPORT_FAULT -> {
                        // a device of instance 0 reports one fault: flags PASID_VALID / LAST_PAGE, a small grpid
                        MockIommu.Device d = (MockIommu.Device) f.iommu0.device(1 + r.u8() % 5).orElseThrow();
                        int flags = r.u8() % 4;
                        int grpid = r.u8() % 4;
                        if ((flags & PageFault.FLAG_LAST_PAGE) != 0) {
                            lastPageReports++;
                        }
                        f.core.reportPageFault(d, new PageFault(flags, 1, grpid, PageFault.PERM_READ,
                            (1L << 24) + (long) grpid * PAGE));
                    }
                    case WRITE_FD -> {
                        int fd = pickFd(r.u8());
                        int n = r.u8() % 4;
                        ByteBuffer b = ByteBuffer.allocate(8 * n + 1).order(ByteOrder.LITTLE_ENDIAN);
                        for (int i = 0; i < n; i++) {
                            b.putInt(r.u8() % 4).putInt(r.u8() % 3);
                        }
                        int length = 8 * n + (r.u8() % 8 == 7 ? 1 : 0);
                        f.core.write(fd, java.util.Arrays.copyOf(b.array(), length));
                    }
                    case POLL_FD -> f.core.poll(pickFd(r.u8()));
                    case DMA_WRITE -> {
                        // a device writes one page at (1 << 24) + k * PAGE through one of the paging domains
                        List<MockIommu.Paging> domains = new ArrayList<>(f.iommu0.pagingDomains);
                        domains.addAll(f.iommu1.pagingDomains);
                        int which = r.u8();
                        long iova = (1L << 24) + (long) (r.u8() % 16) * PAGE;
                        if (!domains.isEmpty()) {
                            MockIommu.Paging p = domains.get(which % domains.size());
                            if (!p.freed) {
                                p.dmaWrite(iova, PAGE);
                            }
                        }
                    }
                    case TOGGLE_CAP_SYS_RESOURCE -> {
                        if (f.mem.capable(ProcessCapability.CAP_SYS_RESOURCE)) {
                            f.mem.revoke(ProcessCapability.CAP_SYS_RESOURCE);
                        } else {
                            f.mem.grant(ProcessCapability.CAP_SYS_RESOURCE);
                        }
                    }
                    default -> throw new IllegalStateException(op.name());
                }
            });
            if (errno != null) {
                require(DOCUMENTED_OPS.get(op).contains(errno), () -> op + " answered an undocumented errno " + errno);
            }
        }

        /**
         * Arms a one-shot ENOMEM in a mock (instance {@code what / 3 % 2}): its next domain allocation, its next
         * domain map, or the next attach of one of its devices. The failure stays armed until a call reaches it.
         */
        private void injectEnomem(int what, int device) {
            MockIommu m = what / 3 % 2 == 0 ? f.iommu0 : f.iommu1;
            switch (what % 3) {
                case FAULT_DOMAIN_ALLOC -> m.failNextDomainAlloc.arm(Errno.ENOMEM);
                case FAULT_MAP -> m.failNextMap.arm(Errno.ENOMEM);
                default -> {
                    List<MockIommu.Device> devices = m.devices();
                    devices.get(device % devices.size()).failNextAttach.arm(Errno.ENOMEM);
                }
            }
        }

        /**
         * Any request value with a DESTROY-sized argument: ENOTTY unless it is a table command's exact value, which
         * then is that command's ioctl and is recorded as such.
         */
        private void rawIoctl(int request) {
            IommufdCommand command = IommufdCommand.byIoctl(request).orElse(null);
            int operation = command == null ? COMMANDS + Op.RAW_IOCTL.ordinal() : command.ordinal();
            Errno errno = call(operation, () -> f.core.ioctl(f.ctx, request,
                UserBuffer.wrap(new byte[] {8, 0, 0, 0, 0, 0, 0, 0})));
            if (errno != null) {
                Set<Errno> allowed = command == null ? DOCUMENTED_OPS.get(Op.RAW_IOCTL) : ALLOWED.get(command);
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
                coverage.reached(operation, null);
                return null;
            } catch (IommufdException e) {
                String message = e.getMessage();
                String prefix = e.errno().name();
                require(message.startsWith(prefix) && message.startsWith(": ", prefix.length()),
                    () -> "message of " + e.errno() + " does not start with its errno: " + message);
                coverage.reached(operation, e.errno());
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
            checkDriverState(live, step);
        }

        /**
         * The mock's side agrees with the object table: every live HWPT has its own domain, not freed; every domain
         * not freed belongs to a live HWPT (a failed call leaves no half-built domain behind); every bound device is
         * in its HWPT's domain, or blocked when detached (a failed attach keeps the old one).
         */
        private void checkDriverState(List<IommufdObject> live, int step) {
            Set<IommuDomain> owned = Collections.newSetFromMap(new IdentityHashMap<>());
            for (IommufdObject o : live) {
                if (o instanceof Hwpt h) {
                    IommuDomain d = h.domain();
                    require(d != null && owned.add(d), () -> h + " has no domain or shares one after step " + step);
                    require(!freed(d), () -> h + " holds a freed domain after step " + step);
                }
            }
            for (MockIommu m : List.of(f.iommu0, f.iommu1)) {
                for (MockIommu.Paging p : m.pagingDomains) {
                    require(p.freed || owned.contains(p), () -> "a paging domain of no HWPT is left after step "
                        + step);
                    require(p.pages.keySet().containsAll(p.dirty), () -> "a dirty bit outlived its mapping after step "
                        + step);
                }
                for (MockIommu.Nested n : m.nestedDomains) {
                    require(n.freed || owned.contains(n), () -> "a nested domain of no HWPT is left after step "
                        + step);
                }
            }
            for (IommufdObject o : live) {
                if (o instanceof BoundDevice d) {
                    MockIommu.Device mock = (MockIommu.Device) d.device;
                    IommuDomain expected = d.attached == null ? null : d.attached.domain();
                    require(mock.domain == expected && (expected != null || mock.blocked), () -> d + " is in "
                        + mock.domain + " (blocked " + mock.blocked + ") but attached to " + d.attached
                        + " after step " + step);
                }
            }
        }

        private static boolean freed(IommuDomain d) {
            return d instanceof MockIommu.Paging p ? p.freed : ((MockIommu.Nested) d).freed;
        }

        /**
         * User pins equal what the IOAS areas hold (pages.c's lazy pinning: exactly the pages spanned by areas of an
         * IOAS with a domain, each referenced once per such area); each paging domain maps exactly its IOAS's pages.
         */
        private void checkPinsAndDomains(List<IommufdObject> live, int step) {
            Map<IoPageTable.Pages, Integer> areasOf = new IdentityHashMap<>();
            Map<IoPageTable.Pages, Map<Long, Long>> expectedRefs = new IdentityHashMap<>();
            for (IommufdObject o : live) {
                if (o instanceof Ioas ioas) {
                    long mappedPages = 0;
                    boolean filled = !ioas.iopt.domains().isEmpty();
                    for (IoPageTable.Area a : ioas.iopt.areas()) {
                        areasOf.merge(a.pages(), 1, Integer::sum);
                        mappedPages += a.length() / PAGE;
                        Map<Long, Long> refs = expectedRefs.computeIfAbsent(a.pages(), k -> new HashMap<>());
                        if (filled) {
                            for (long i = a.startByte() / PAGE; i <= (a.startByte() + a.length() - 1) / PAGE; i++) {
                                refs.merge(i, 1L, Long::sum);
                            }
                        }
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
                IoPageTable.Pages pages = e.getKey();
                require(pages.areas == areas, () -> "areas sharing a user range after step " + step + ": "
                    + pages.areas + ", counted " + areas);
                Map<Long, Long> actual = new HashMap<>();
                pages.pinned.forEach((index, page) -> actual.put(index, page[1]));
                Map<Long, Long> expected = expectedRefs.get(pages);
                require(actual.equals(expected), () -> "pinned pages of a user range after step " + step + ": "
                    + actual + ", the areas of IOASes with domains span " + expected);
                pins += pages.pinnedPages();
            }
            long expectedPins = pins;
            require(f.mem.totalPins() == expectedPins, () -> "user pins after step " + step + ": "
                + f.mem.totalPins() + ", the areas hold " + expectedPins);
            // iopt_pages_update_pinned: every pinned page of every iopt_pages is charged to the one process here
            require(f.mem.pinnedVm() == expectedPins, () -> "pinned pages charged after step " + step + ": "
                + f.mem.pinnedVm() + ", the areas hold " + expectedPins);
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
