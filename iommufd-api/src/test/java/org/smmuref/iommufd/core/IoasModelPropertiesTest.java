package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.uapi.Errno;

/**
 * Random MAP / UNMAP / COPY sequences on one IOAS (with a domain attached) against a plain interval model over a
 * 64-page window: the areas, the bytes unmapped, EEXIST / ENOENT / ENOSPC, the first-fit aligned allocation and the
 * domain's page table must all agree with the model after every step.
 */
class IoasModelPropertiesTest {
    private static final int PAGES = 64;
    private static final long BASE = 1L << 24;

    /** kind: 0 map fixed, 1 map anywhere, 2 unmap, 3 unmap all, 4 copy; a, c page numbers; b a length. */
    record Op(int kind, int a, int b, int c) {
        @Override
        public String toString() {
            return switch (kind) {
                case 0 -> "map(" + a + "+" + len(a, b) + ")";
                case 1 -> "mapAnywhere(" + b + ")";
                case 2 -> "unmap(" + a + "+" + (2 * b) + ")";
                case 3 -> "unmapAll";
                default -> "copy(" + a + "+" + len(a, b) + " -> " + c + ")";
            };
        }
    }

    static int len(int start, int b) {
        return Math.min(b, PAGES - start);
    }

    private static Gen<Op> ops() {
        return integers().between(0, 9).zip(integers().between(0, PAGES - 1), integers().between(1, 8),
            integers().between(0, PAGES - 1), (k, a, b, c) -> new Op(k <= 2 ? 0 : k <= 4 ? 1 : k <= 6 ? 2 : k == 7 ? 3
                : 4, a, b, c));
    }

    @Test
    void ioas_matches_an_interval_model() {
        qt().withExamples(150).forAll(lists().of(ops()).ofSizeBetween(1, 40)).checkAssert(this::replay);
    }

    private void replay(List<Op> ops) {
        CoreFixture f = new CoreFixture();
        int ioas = f.ioas();
        f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, f.bind(1), ioas));
        long allowed = f.put(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(BASE)
            .putLong(BASE + PAGES * PAGE - 1).array());
        f.core.ioasAllowIovas(f.ctx, Requests.ioasAllowIovas(ioas, 1, 0, allowed));
        long va = f.buffer(PAGES * PAGE);
        MockIommu.Paging domain = f.iommu0.pagingDomains.get(0);
        TreeMap<Integer, Integer> model = new TreeMap<>();

        for (Op op : ops) {
            switch (op.kind()) {
                case 0 -> {
                    int n = len(op.a(), op.b());
                    Errno expected = overlaps(model, op.a(), n) ? Errno.EEXIST : null;
                    outcome(expected, () -> f.mapFixed(ioas, va, (long) n * PAGE, BASE + (long) op.a() * PAGE));
                    if (expected == null) {
                        model.put(op.a(), n);
                    }
                }
                case 1 -> {
                    int n = op.b();
                    // aligned to the size rounded up to a power of two, but no more than the user address is
                    int align = Integer.highestOneBit(n) == n ? n : Integer.highestOneBit(n) << 1;
                    align = (int) Math.min(align, Long.lowestOneBit(va / PAGE));
                    Integer slot = null;
                    for (int p = 0; p + n <= PAGES && slot == null; p += align) {
                        if (!overlaps(model, p, n)) {
                            slot = p;
                        }
                    }
                    if (slot == null) {
                        outcome(Errno.ENOSPC, () -> f.mapAnywhere(ioas, va, (long) n * PAGE));
                    } else {
                        assertThat(f.mapAnywhere(ioas, va, (long) n * PAGE)).as(op.toString())
                            .isEqualTo(BASE + (long) slot * PAGE);
                        model.put(slot, n);
                    }
                }
                case 2 -> {
                    int start = op.a();
                    int n = 2 * op.b();
                    List<Integer> hit = intersecting(model, start, n);
                    boolean split = hit.stream().anyMatch(s -> s < start || s + model.get(s) > start + n);
                    if (hit.isEmpty() || split) {
                        outcome(Errno.ENOENT, () -> f.unmap(ioas, BASE + (long) start * PAGE, (long) n * PAGE));
                    } else {
                        long bytes = 0;
                        for (int s : hit) {
                            bytes += (long) model.remove(s) * PAGE;
                        }
                        assertThat(f.unmap(ioas, BASE + (long) start * PAGE, (long) n * PAGE)).isEqualTo(bytes);
                    }
                }
                case 3 -> {
                    long bytes = model.values().stream().mapToLong(n -> (long) n * PAGE).sum();
                    assertThat(f.unmap(ioas, 0, -1L)).isEqualTo(bytes);
                    model.clear();
                }
                default -> {
                    int src = op.a();
                    int n = len(src, op.b());
                    int dst = op.c();
                    List<int[]> pieces = covering(model, src, n);
                    // a FIXED destination may leave the allowed window: allowed ranges steer allocation only
                    Errno expected = pieces == null ? Errno.ENOENT : overlaps(model, dst, n) ? Errno.EEXIST : null;
                    outcome(expected, () -> f.core.ioasCopy(f.ctx, Requests.ioasCopy(CoreFixture.FIXED_RW, ioas, ioas,
                        (long) n * PAGE, BASE + (long) dst * PAGE, BASE + (long) src * PAGE)));
                    if (expected == null) {
                        for (int[] piece : pieces) {
                            model.put(dst + piece[0] - src, piece[1]);
                        }
                    }
                }
            }
            List<IovaRange> expectedAreas = new ArrayList<>();
            TreeSet<Long> expectedPages = new TreeSet<>();
            for (Map.Entry<Integer, Integer> e : model.entrySet()) {
                expectedAreas.add(IovaRange.ofLength(BASE + (long) e.getKey() * PAGE, (long) e.getValue() * PAGE));
                for (int p = 0; p < e.getValue(); p++) {
                    expectedPages.add(BASE + (long) (e.getKey() + p) * PAGE);
                }
            }
            assertThat(f.core.mappedAreas(f.ctx, ioas)).as("after " + op).isEqualTo(expectedAreas);
            assertThat(domain.pages.keySet()).as("domain after " + op).isEqualTo(expectedPages);
        }
        f.core.close(f.ctx);
        assertThat(f.mem.totalPins()).isZero();
    }

    /** Runs {@code call} and checks it fails with {@code expected}, or succeeds when that is null. */
    private static void outcome(Errno expected, Runnable call) {
        if (expected == null) {
            call.run();
            return;
        }
        try {
            call.run();
        } catch (IommufdException e) {
            assertThat(e.errno()).as(e.getMessage()).isEqualTo(expected);
            return;
        }
        throw new AssertionError("expected " + expected);
    }

    private static boolean overlaps(TreeMap<Integer, Integer> model, int start, int n) {
        return !intersecting(model, start, n).isEmpty();
    }

    private static List<Integer> intersecting(TreeMap<Integer, Integer> model, int start, int n) {
        List<Integer> out = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : model.entrySet()) {
            if (e.getKey() < start + n && start < e.getKey() + e.getValue()) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** The pieces {start, length} of areas exactly covering [start, start + n), or null if there is a hole. */
    private static List<int[]> covering(TreeMap<Integer, Integer> model, int start, int n) {
        List<int[]> pieces = new ArrayList<>();
        int cursor = start;
        while (cursor < start + n) {
            Map.Entry<Integer, Integer> e = model.floorEntry(cursor);
            if (e == null || e.getKey() + e.getValue() <= cursor) {
                return null;
            }
            int end = Math.min(e.getKey() + e.getValue(), start + n);
            pieces.add(new int[] {cursor, end - cursor});
            cursor = end;
        }
        return pieces;
    }
}
