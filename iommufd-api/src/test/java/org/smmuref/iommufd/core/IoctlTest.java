package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.RW;
import static org.smmuref.iommufd.core.CoreFixture.u32s;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IoctlStruct;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuIovaRange;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.IommuIoasMapFile;
import org.smmuref.iommufd.uapi.IommuVfioIoas;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * The byte-level ioctl entry against the kernel dispatcher's rules (the selftest's cmd_length and cmd_fail): for
 * every command, size = min_size - 1 is EINVAL, size = sizeof + 1 with a 0xff tail is E2BIG, a zero tail behaves
 * exactly like size = sizeof; out fields come back in the caller's buffer ({@code min(size, sizeof)} bytes, never
 * more); embedded user pointers that point at nothing are EFAULT.
 */
class IoctlTest {

    /**
     * One world per call, so that repeated calls see the same state: IOAS 1 with page {@code 1 << 24} mapped, device
     * 2, nest parent 3, vIOMMU 4, vDEVICE 5 (virt_id 0x99) and nested HWPT 6 on the vIOMMU, a spare IOAS 7.
     */
    private static final class World {
        final CoreFixture f = new CoreFixture();
        final int ioas = f.ioas();
        final int dev = f.bind(1);
        final int parent = f.nestParent(dev, ioas);
        final int viommu = f.viommu(dev, parent);
        final int vdev = f.core.vdeviceAlloc(f.ctx, Requests.vdeviceAlloc(viommu, dev, 0x99)).outVdeviceId();
        final int nested = f.nested(0, dev, viommu, MockIommu.IOTLB_DEFAULT);
        final int spare = f.ioas();
        final long va = f.buffer(4 * PAGE);
        final long out = f.buffer(PAGE);
        final int memfd = f.mem.memfdCreate();

        World() {
            f.mapFixed(ioas, va, PAGE, 1L << 24);
            f.mem.ftruncate(memfd, PAGE);
        }

        /** The bytes of a typical, valid argument of {@code c} in this world (all zero for unimplemented ones). */
        byte[] argument(IommufdCommand c) {
            IoctlStruct s = switch (c) {
                case DESTROY -> Requests.destroy(spare);
                case IOAS_ALLOC -> Requests.ioasAlloc(0);
                case IOAS_ALLOW_IOVAS -> Requests.ioasAllowIovas(spare, 1, 0,
                    f.put(new IommuIovaRange(1L << 25, (1L << 26) - 1).encode()));
                case IOAS_COPY -> Requests.ioasCopy(RW, spare, ioas, PAGE, 0, 1L << 24);
                case IOAS_IOVA_RANGES -> Requests.ioasIovaRanges(ioas, 4, 0, out);
                case IOAS_MAP -> Requests.ioasMap(RW, ioas, 0, va + PAGE, PAGE, 0);
                case IOAS_UNMAP -> Requests.ioasUnmap(ioas, 1L << 24, PAGE);
                case OPTION -> Requests.option(IommufdConstants.IOMMU_OPTION_HUGE_PAGES,
                    IommufdConstants.IOMMU_OPTION_OP_GET, 0, ioas, 0);
                case HWPT_ALLOC -> Requests.hwptAlloc(0, dev, ioas);
                case GET_HW_INFO -> Requests.getHwInfo(0, dev, 8, out, 0, 0);
                case HWPT_INVALIDATE -> Requests.hwptInvalidate(nested, f.put(u32s(0, 1)),
                    MockIommu.INVALIDATE_DATA_SELFTEST, 8, 1, 0);
                case FAULT_QUEUE_ALLOC -> Requests.faultQueueAlloc(0);
                case HWPT_SET_DIRTY_TRACKING -> Requests.setDirtyTracking(
                    IommufdConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE, dirtyHwpt());
                case HWPT_GET_DIRTY_BITMAP -> Requests.getDirtyBitmap(dirtyHwpt(), 0, 1L << 24, PAGE, PAGE, out);
                case VIOMMU_ALLOC -> Requests.viommuAlloc(0, MockIommu.VIOMMU_TYPE_SELFTEST, dev, parent, 0, 0, 0);
                case VDEVICE_ALLOC -> Requests.vdeviceAlloc(viommu, f.bind(2), 0x77);
                case VEVENTQ_ALLOC -> Requests.veventqAlloc(0, viommu, MockIommu.VEVENTQ_TYPE_SELFTEST, 2, 0);
                case VFIO_IOAS -> new IommuVfioIoas(IommuVfioIoas.SIZE, spare, IommufdConstants.IOMMU_VFIO_IOAS_SET,
                    0);
                case IOAS_MAP_FILE -> new IommuIoasMapFile(IommuIoasMapFile.SIZE, RW, ioas, memfd, 0, PAGE, 0);
                default -> null;
            };
            if (s == null) {
                byte[] zero = new byte[c.size()];
                putU32(zero, 0, c.size());
                return zero;
            }
            return s.encode();
        }

        /** A DIRTY_TRACKING HWPT on the IOAS, for a dirty-capable device (StreamID 7) bound for it. */
        int dirtyHwpt() {
            f.iommu0.addDevice(7, new org.smmuref.iommufd.spi.DeviceCapabilities(true, 0, false, false),
                java.util.List.of());
            int dirtyDev = f.core.bindDevice(f.ctx, 0, 7);
            return f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
                dirtyDev, ioas)).outHwptId();
        }

        /** Runs the ioctl on {@code buf} in place; the outcome is the errno or null for success. */
        Errno ioctl(int request, byte[] buf) {
            try {
                f.core.ioctl(f.ctx, request, UserBuffer.wrap(buf));
                return null;
            } catch (IommufdException e) {
                return e.errno();
            }
        }
    }

    private record Outcome(Errno errno, byte[] buffer) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome other && errno == other.errno && Arrays.equals(buffer, other.buffer);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(buffer);
        }

        @Override
        public String toString() {
            return (errno == null ? "success" : errno.name()) + " " + Arrays.toString(buffer);
        }
    }

    /** The argument of {@code c} resized to {@code size}, in a buffer of {@code length} bytes, then the tail. */
    private static Outcome run(IommufdCommand c, int size, int length, byte tail) {
        World w = new World();
        byte[] buf = Arrays.copyOf(w.argument(c), length);
        Arrays.fill(buf, Math.min(c.size(), length), length, tail);
        putU32(buf, 0, size);
        Errno errno = w.ioctl(c.ioctl(), buf);
        return new Outcome(errno, buf);
    }

    @ParameterizedTest
    @EnumSource(IommufdCommand.class)
    void size_below_min_size_is_einval_and_writes_nothing(IommufdCommand c) {
        Outcome o = run(c, c.minSize() - 1, c.size(), (byte) 0);
        assertThat(o.errno()).isEqualTo(Errno.EINVAL);
        byte[] expected = new World().argument(c);
        putU32(expected, 0, c.minSize() - 1);
        assertThat(o.buffer()).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(IommufdCommand.class)
    void a_non_zero_byte_beyond_sizeof_is_e2big(IommufdCommand c) {
        assertThat(run(c, c.size() + 1, c.size() + 1, (byte) 0xff).errno()).isEqualTo(Errno.E2BIG);
    }

    @ParameterizedTest
    @EnumSource(IommufdCommand.class)
    void a_zero_tail_beyond_sizeof_behaves_exactly_like_sizeof(IommufdCommand c) {
        Outcome exact = run(c, c.size(), c.size(), (byte) 0);
        Outcome longer = run(c, c.size() + 1, c.size() + 1, (byte) 0);
        assertThat(longer.errno()).isEqualTo(exact.errno());
        // everything but the size member itself, which the kernel writes back as the caller gave it
        assertThat(Arrays.copyOfRange(longer.buffer(), 4, c.size())).isEqualTo(
            Arrays.copyOfRange(exact.buffer(), 4, c.size()));
        assertThat(longer.buffer()[c.size()]).as("the kernel writes back at most sizeof bytes").isZero();
    }

    @ParameterizedTest
    @EnumSource(IommufdCommand.class)
    void the_typical_argument_succeeds_or_is_unimplemented(IommufdCommand c) {
        Outcome o = run(c, c.size(), c.size(), (byte) 0);
        if (c == IommufdCommand.IOAS_CHANGE_PROCESS) {
            // iommufd_ioas_change_process: the world's IOAS_MAP of user addresses cannot move to another process
            assertThat(o.errno()).as(o.toString()).isEqualTo(Errno.EINVAL);
            return;
        }
        boolean implemented = !List.of(
            // a zero argument is type DEFAULT (EOPNOTSUPP), and no driver here has HW queue ops anyway
            IommufdCommand.HW_QUEUE_ALLOC).contains(c);
        assertThat(o.errno()).as(o.toString()).isEqualTo(implemented ? null : Errno.EOPNOTSUPP);
    }

    @Test
    void out_fields_are_written_back_into_the_callers_buffer() {
        World w = new World();
        assertThat(field(w, IommufdCommand.IOAS_ALLOC, "out_ioas_id")).isEqualTo(8);
        assertThat(field(w, IommufdCommand.HWPT_ALLOC, "out_hwpt_id")).isEqualTo(9);
        assertThat(field(w, IommufdCommand.VIOMMU_ALLOC, "out_viommu_id")).isEqualTo(10);
        assertThat(field(w, IommufdCommand.FAULT_QUEUE_ALLOC, "out_fault_id")).isEqualTo(11);
        assertThat(field(w, IommufdCommand.VEVENTQ_ALLOC, "out_veventq_id")).isEqualTo(12);
        assertThat(field(w, IommufdCommand.VDEVICE_ALLOC, "out_vdevice_id")).isEqualTo(14);
        assertThat(field(w, IommufdCommand.IOAS_MAP, "iova")).isEqualTo(1L << 24 | PAGE);
        long dst = field(w, IommufdCommand.IOAS_COPY, "dst_iova");
        assertThat(w.f.core.mappedAreas(w.f.ctx, w.spare)).containsExactly(
            org.smmuref.iommufd.spi.IovaRange.ofLength(dst, PAGE));
        assertThat(field(w, IommufdCommand.OPTION, "val64")).isEqualTo(1);
        assertThat(field(w, IommufdCommand.IOAS_UNMAP, "length")).isEqualTo(PAGE);
        assertThat(field(w, IommufdCommand.HWPT_INVALIDATE, "entry_num")).isEqualTo(1);
        assertThat(field(w, IommufdCommand.IOAS_IOVA_RANGES, "num_iovas")).isEqualTo(1);
        assertThat(field(w, IommufdCommand.IOAS_IOVA_RANGES, "out_iova_alignment")).isEqualTo(PAGE);
        assertThat(IommuIovaRange.decode(w.f.mem.read(w.out, IommuIovaRange.SIZE))).isEqualTo(
            new IommuIovaRange(1L << 24, (1L << 31) - 1));
        assertThat(field(w, IommufdCommand.GET_HW_INFO, "data_len")).isEqualTo(8);
        assertThat(field(w, IommufdCommand.GET_HW_INFO, "out_data_type")).isEqualTo(
            Integer.toUnsignedLong(MockIommu.HW_INFO_TYPE_SELFTEST));
        assertThat(w.f.mem.read(w.out, 8)).isEqualTo(u32s(0, MockIommu.HW_INFO_REGVAL));
    }

    /** Runs {@code c}'s typical argument and reads {@code member} from the buffer afterwards. */
    private static long field(World w, IommufdCommand c, String member) {
        byte[] buf = w.argument(c);
        assertThat(w.ioctl(c.ioctl(), buf)).as(c.name()).isNull();
        var m = c.struct().layout().field(member);
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        return m.type().isWide() ? b.getLong(m.offset()) : Integer.toUnsignedLong(b.getInt(m.offset()));
    }

    @Test
    void a_short_size_reads_and_writes_only_size_bytes() {
        // HWPT_ALLOC's min_size is 24 of 48: bytes from 24 on are neither read (their garbage is not E2BIG or
        // a data_type) nor written
        World w = new World();
        byte[] buf = w.argument(IommufdCommand.HWPT_ALLOC);
        Arrays.fill(buf, 24, buf.length, (byte) 0x5a);
        putU32(buf, 0, 24);
        byte[] before = buf.clone();
        assertThat(w.ioctl(IommufdCommand.HWPT_ALLOC.ioctl(), buf)).isNull();
        assertThat(getU32(buf, 16)).as("out_hwpt_id").isEqualTo(8);
        assertThat(Arrays.copyOfRange(buf, 24, buf.length)).isEqualTo(Arrays.copyOfRange(before, 24, before.length));
    }

    @Test
    void failures_that_answer_write_their_struct_back() {
        World w = new World();
        byte[] ranges = Requests.ioasIovaRanges(w.ioas, 0, 0, 0).encode();
        assertThat(w.ioctl(IommufdCommand.IOAS_IOVA_RANGES.ioctl(), ranges)).isEqualTo(Errno.EMSGSIZE);
        assertThat(getU32(ranges, 8)).as("num_iovas").isEqualTo(1);
        byte[] inv = Requests.hwptInvalidate(w.nested, w.f.put(u32s(0, 1, -1, 0)),
            MockIommu.INVALIDATE_DATA_SELFTEST, 8, 2, 0).encode();
        assertThat(w.ioctl(IommufdCommand.HWPT_INVALIDATE.ioctl(), inv)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(getU32(inv, 24)).as("entry_num").isEqualTo(1);
        // an early failure still writes entry_num = 0
        byte[] early = Requests.hwptInvalidate(w.nested, 0, 0, 8, 2, 0).encode();
        assertThat(w.ioctl(IommufdCommand.HWPT_INVALIDATE.ioctl(), early)).isEqualTo(Errno.EINVAL);
        assertThat(getU32(early, 24)).as("entry_num").isZero();
    }

    @Test
    void embedded_pointers_to_nothing_are_efault() {
        long nowhere = 0x40;
        List<Function<World, IoctlStruct>> bad = List.of(
            w -> Requests.ioasIovaRanges(w.ioas, 1, 0, nowhere),
            w -> Requests.ioasAllowIovas(w.spare, 1, 0, nowhere),
            w -> Requests.getHwInfo(0, w.dev, 8, nowhere, 0, 0),
            w -> Requests.hwptAlloc(0, w.dev, w.parent, 0, MockIommu.HWPT_DATA_SELFTEST, 4, nowhere, 0, 0),
            w -> Requests.hwptAlloc(0, w.dev, w.viommu, 0, MockIommu.HWPT_DATA_SELFTEST, 4, nowhere, 0, 0),
            w -> Requests.hwptInvalidate(w.nested, nowhere, MockIommu.INVALIDATE_DATA_SELFTEST, 8, 1, 0),
            w -> Requests.hwptInvalidate(w.viommu, nowhere, MockIommu.INVALIDATE_DATA_SELFTEST, 12, 1, 0),
            // the array starts in mapped memory and runs off its end into the guard page
            w -> Requests.hwptInvalidate(w.nested, w.out + PAGE - 8, MockIommu.INVALIDATE_DATA_SELFTEST, 8, 2, 0),
            w -> Requests.getHwInfo(0, w.dev, 2 * PAGE, w.out, 0, 0));
        for (Function<World, IoctlStruct> make : bad) {
            World w = new World();
            IoctlStruct s = make.apply(w);
            IommufdCommand c = IommufdCommand.byStruct(s.structType()).orElseThrow();
            assertThat(w.ioctl(c.ioctl(), s.encode())).as(s.toString()).isEqualTo(Errno.EFAULT);
            List<IommufdCore.ObjectInfo> objects = w.f.core.objects(w.f.ctx);
            assertThat(objects).as("nothing allocated by " + s).hasSize(7);
        }
    }

    @Test
    void dispatcher_errors_come_in_the_kernels_order() {
        World w = new World();
        byte[] destroy = Requests.destroy(0).encode();
        assertThat(w.ioctl(IommufdConstants.ioctl(0x7f), destroy)).isEqualTo(Errno.ENOTTY);
        assertThat(w.ioctl(IommufdConstants.ioctl(0x95), destroy)).isEqualTo(Errno.ENOTTY);
        // a known number with other ioctl bits: ENOTTY, but only after size was read
        assertThat(w.ioctl(0x40003b80, destroy)).isEqualTo(Errno.ENOTTY);
        assertThat(w.ioctl(0x40003b80, new byte[2])).isEqualTo(Errno.EFAULT);
        assertThat(w.ioctl(IommufdCommand.DESTROY.ioctl(), new byte[2])).isEqualTo(Errno.EFAULT);
        assertThat(w.ioctl(IommufdCommand.DESTROY.ioctl(), destroy)).isEqualTo(Errno.ENOENT);
        // size larger than the caller's memory: EFAULT reading the tail
        byte[] lying = destroy.clone();
        putU32(lying, 0, 64);
        assertThat(w.ioctl(IommufdCommand.DESTROY.ioctl(), lying)).isEqualTo(Errno.EFAULT);
        assertThatThrownBy(() -> w.f.core.ioctl(99, IommufdCommand.DESTROY.ioctl(), UserBuffer.wrap(destroy)))
            .isInstanceOfSatisfying(IommufdException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }

    @Test
    void a_read_only_buffer_cannot_take_the_answer() {
        World w = new World();
        byte[] alloc = Requests.ioasAlloc(0).encode();
        assertThatThrownBy(() -> w.f.core.ioctl(w.f.ctx, IommufdCommand.IOAS_ALLOC.ioctl(), UserBuffer.of(alloc)))
            .isInstanceOfSatisfying(IommufdException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
    }

    @Test
    void typed_calls_follow_the_same_size_rules() {
        World w = new World();
        IommuHwptAlloc shortAlloc = new IommuHwptAlloc(24, 0, w.dev, w.ioas, 0, 0, MockIommu.HWPT_DATA_SELFTEST,
            4, 0x40, 0, 0);
        // data_type and friends lie beyond size 24: they are read as zero, so this is a plain paging HWPT
        IommuHwptAlloc done = w.f.core.hwptAlloc(w.f.ctx, shortAlloc);
        assertThat(done.outHwptId()).isEqualTo(8);
        assertThat(done.dataType()).as("the caller's own bytes beyond size stay").isEqualTo(
            MockIommu.HWPT_DATA_SELFTEST);
        assertThatThrownBy(() -> w.f.core.hwptAlloc(w.f.ctx, new IommuHwptAlloc(23, 0, w.dev, w.ioas, 0, 0, 0, 0,
            0, 0, 0))).isInstanceOfSatisfying(IommufdException.class, e ->
            assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(Stream.of(IommufdCommand.values()).filter(c -> c.minSize() < c.size())).isNotEmpty();
    }

    private static void putU32(byte[] buf, int offset, long value) {
        ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, (int) value);
    }

    private static long getU32(byte[] buf, int offset) {
        return Integer.toUnsignedLong(ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).getInt(offset));
    }
}
