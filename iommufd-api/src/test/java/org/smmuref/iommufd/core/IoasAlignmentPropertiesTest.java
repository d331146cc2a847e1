package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.smmuref.iommufd.core.CoreFixture.FIXED_RW;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;

/**
 * Random sequences of sub-page IOAS_MAPs, domain attach / destroy, HUGE_PAGES and UNMAP-all on one IOAS against a
 * small model of the kernel's alignment and lazy-pinning rules (iopt_calculate_iova_alignment, iopt_check_iova,
 * iopt_insert_area, iopt_check_iova_alignment, iopt_disable_large_pages, iopt_fill_domain): after every step the
 * outcome (success or errno), {@code out_iova_alignment} and the number of user-page pins must match the model. The
 * negative control replays the same kind of sequences against a model of the old behaviour (page alignment always,
 * pinning at MAP) and expects it to disagree in most of them.
 */
class IoasAlignmentPropertiesTest {
    /** The mock's aperture starts here, so fixed IOVAs from here are valid with and without a domain. */
    private static final long IOVA_BASE = 1L << 24;
    /** Buffer pages; page {@link #HOLE} is unmapped by the process after the buffer is made. */
    private static final int PAGES = 6;
    private static final int HOLE = 4;
    private static final long[] OFFSETS = {0, 0x10, 0x800};
    private static final long[] LENGTHS = {0x10, 0x800, PAGE, 2 * PAGE, 3 * PAGE};

    /** kind: 0-3 map (page a, offset b, length c, IOVA slot d), 4 attach, 5 destroy, 6 huge off, 7 on, 8 unmap. */
    record Op(int kind, int a, int b, int c, int d) {
        @Override
        public String toString() {
            return switch (kind) {
                case 0, 1, 2, 3 -> "map(page " + a + " + 0x" + Long.toHexString(OFFSETS[b]) + ", 0x"
                    + Long.toHexString(LENGTHS[c]) + " at slot " + d + ")";
                case 4 -> "attach";
                case 5 -> "destroy";
                case 6 -> "hugeOff";
                case 7 -> "hugeOn";
                default -> "unmapAll";
            };
        }
    }

    /** One mapping of the model: its IOVA, length and user address. */
    record Area(long iova, long length, long va) {
        long firstPage(long base) {
            return (va - base) / PAGE;
        }

        long lastPage(long base) {
            return (va + length - 1 - base) / PAGE;
        }
    }

    /** A model of the rules: predicts an errno (null = success) and keeps its state. */
    abstract static class Model {
        final List<Area> areas = new ArrayList<>();
        boolean domain;
        boolean largePages = true;
        long base;

        abstract long alignment();

        abstract Errno map(Area a);

        abstract long pins();

        boolean spansHole(Area a) {
            return a.firstPage(base) <= HOLE && a.lastPage(base) >= HOLE;
        }

        boolean misaligned(long alignment) {
            return areas.stream().anyMatch(a -> ((a.iova() | a.length() | (a.va() % PAGE)) & (alignment - 1)) != 0);
        }

        Errno attach() {
            long next = Math.max(alignment(), PAGE);
            if (next != alignment() && misaligned(next)) {
                return Errno.EADDRINUSE;
            }
            if (areas.stream().anyMatch(this::spansHole)) {
                return Errno.EFAULT;
            }
            domain = true;
            return null;
        }

        Errno hugeOff() {
            if (!largePages) {
                return null;
            }
            if (domain && !areas.isEmpty()) {
                return Errno.EINVAL;
            }
            largePages = false;
            if (misaligned(alignment())) {
                largePages = true;
                return Errno.EADDRINUSE;
            }
            return null;
        }

        boolean overlaps(Area a) {
            return areas.stream().anyMatch(o -> a.iova() < o.iova() + o.length() && o.iova() < a.iova() + a.length());
        }
    }

    /** The kernel's rules. */
    static final class Kernel extends Model {
        @Override
        long alignment() {
            return domain || !largePages ? PAGE : 1;
        }

        @Override
        Errno map(Area a) {
            long align = alignment();
            if (a.length() % align != 0 || a.iova() % align != 0) {
                return Errno.EINVAL;
            }
            if (overlaps(a)) {
                return Errno.EEXIST;
            }
            if ((a.va() % PAGE) % align != 0) {
                return Errno.EINVAL;
            }
            if (domain && spansHole(a)) {
                return Errno.EFAULT;
            }
            areas.add(a);
            return null;
        }

        @Override
        long pins() {
            return domain ? areas.stream().mapToLong(a -> a.lastPage(base) - a.firstPage(base) + 1).sum() : 0;
        }
    }

    /** The old behaviour (the negative control): page alignment always, user pages pinned at MAP. */
    static final class Eager extends Model {
        @Override
        long alignment() {
            return PAGE;
        }

        @Override
        Errno map(Area a) {
            if (a.length() % PAGE != 0 || a.iova() % PAGE != 0 || a.va() % PAGE != 0) {
                return Errno.EINVAL;
            }
            if (overlaps(a)) {
                return Errno.EEXIST;
            }
            if (spansHole(a)) {
                return Errno.EFAULT;
            }
            areas.add(a);
            return null;
        }

        @Override
        Errno attach() {
            domain = true;
            return null;
        }

        @Override
        Errno hugeOff() {
            if (largePages && domain && !areas.isEmpty()) {
                return Errno.EINVAL;
            }
            largePages = false;
            return null;
        }

        @Override
        long pins() {
            return areas.stream().mapToLong(a -> a.lastPage(base) - a.firstPage(base) + 1).sum();
        }
    }

    private static Gen<Op> ops() {
        return integers().between(0, 9).zip(integers().between(0, PAGES - 2), integers().between(0, 2),
            integers().between(0, 4), (k, a, b, c) -> new Op(k, a, b, c, (a * 7 + b * 3 + c) % 6));
    }

    private static Op randomOp(Random r) {
        int a = r.nextInt(PAGES - 1);
        int b = r.nextInt(3);
        int c = r.nextInt(5);
        return new Op(r.nextInt(10), a, b, c, (a * 7 + b * 3 + c) % 6);
    }

    /** Replays {@code ops} against the core and {@code model}; returns the first disagreement, or null. */
    static String replay(List<Op> ops, Model model) {
        CoreFixture f = new CoreFixture();
        int ioas = f.ioas();
        int dev = f.bind(1);
        long va = f.buffer(PAGES * PAGE);
        f.mem.munmap(va + HOLE * PAGE, PAGE);
        model.base = va;
        int hwpt = 0;
        for (int step = 0; step < ops.size(); step++) {
            Op op = ops.get(step);
            Errno expected;
            Errno actual;
            switch (op.kind()) {
                case 0, 1, 2, 3 -> {
                    Area area = new Area(IOVA_BASE + op.d() * 0x4000L + OFFSETS[(op.b() + op.d()) % 3],
                        LENGTHS[op.c()], va + (long) op.a() * PAGE + OFFSETS[op.b()]);
                    expected = model.map(area);
                    actual = errno(() -> f.mapFixed(ioas, area.va(), area.length(), area.iova()));
                }
                case 4 -> {
                    if (model.domain) {
                        continue;
                    }
                    expected = model.attach();
                    int[] out = new int[1];
                    actual = errno(() -> out[0] = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas))
                        .outHwptId());
                    hwpt = out[0];
                }
                case 5 -> {
                    if (!model.domain) {
                        continue;
                    }
                    model.domain = false;
                    expected = null;
                    int id = hwpt;
                    actual = errno(() -> f.destroy(id));
                }
                case 6 -> {
                    expected = model.hugeOff();
                    actual = errno(() -> huge(f, ioas, 0));
                }
                case 7 -> {
                    model.largePages = true;
                    expected = null;
                    actual = errno(() -> huge(f, ioas, 1));
                }
                default -> {
                    model.areas.clear();
                    expected = null;
                    actual = errno(() -> f.unmap(ioas, 0, -1L));
                }
            }
            if (!Objects.equals(expected, actual)) {
                return "step " + step + " " + op + ": expected " + expected + ", got " + actual;
            }
            long alignment = f.core.ioasIovaRanges(f.ctx, Requests.ioasIovaRanges(ioas, 16, 0, f.buffer(PAGE)))
                .outIovaAlignment();
            if (alignment != model.alignment()) {
                return "step " + step + " " + op + ": out_iova_alignment " + alignment + ", model " + model.alignment();
            }
            if (f.mem.totalPins() != model.pins()) {
                return "step " + step + " " + op + ": " + f.mem.totalPins() + " pins, model " + model.pins();
            }
        }
        return null;
    }

    private static void huge(CoreFixture f, int ioas, long value) {
        f.core.option(f.ctx, Requests.option(IommufdConstants.IOMMU_OPTION_HUGE_PAGES,
            IommufdConstants.IOMMU_OPTION_OP_SET, 0, ioas, value));
    }

    private static Errno errno(Runnable call) {
        try {
            call.run();
            return null;
        } catch (IommufdException e) {
            return e.errno();
        }
    }

    @Test
    void alignment_and_lazy_pinning_match_the_kernel_model() {
        qt().withExamples(200).forAll(lists().of(ops()).ofSizeBetween(1, 25))
            .checkAssert(ops -> assertThat(replay(ops, new Kernel())).as(ops.toString()).isNull());
    }

    @Test
    void the_old_eager_page_aligned_model_disagrees_in_most_sequences() {
        Random random = new Random(11);
        int disagree = 0;
        int runs = 100;
        for (int i = 0; i < runs; i++) {
            List<Op> ops = new ArrayList<>();
            int n = 1 + random.nextInt(25);
            for (int j = 0; j < n; j++) {
                ops.add(randomOp(random));
            }
            if (replay(ops, new Eager()) != null) {
                disagree++;
            }
        }
        assertThat(disagree).as("sequences where the eager, page-aligned model is caught").isGreaterThan(runs / 2);
    }

    @Test
    void fixed_map_is_page_aligned_in_the_kernel_model_once_a_domain_exists() {
        // a hand-written sequence the model and the core must agree on: sub-page map, attach refused, unmap, attach
        List<Op> ops = List.of(new Op(0, 0, 1, 0, 0), new Op(4, 0, 0, 0, 0), new Op(9, 0, 0, 0, 0),
            new Op(4, 0, 0, 0, 0), new Op(0, 0, 1, 0, 1));
        assertThat(replay(ops, new Kernel())).isNull();
    }
}
