package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.FIXED_RW;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.RW;
import static org.smmuref.iommufd.core.IoctlSequenceFuzzTest.HEAP;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.core.IoctlSequenceFuzzTest.Op;
import org.smmuref.iommufd.uapi.CField;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.VfioConstants;

/**
 * The hand-written seed corpus of {@link IoctlSequenceFuzzTest}, as code: every seed starts from the same small world
 * and then walks the errno paths of one group of commands. The test fails when the checked-in corpus is stale;
 * {@code -Dseeds.write=true} rewrites it.
 */
class IoctlSequenceSeedsTest {
    static final Path CORPUS = Path.of("src/test/resources/org/smmuref/iommufd/core/IoctlSequenceFuzzTestInputs/"
        + "ioctl_sequences_keep_the_object_table_consistent");

    /** The world every scenario starts from (ids in allocation order). */
    static final int IOAS = 1;
    static final int DEV = 2;
    static final int PARENT = 3;
    static final int VIOMMU = 4;
    static final int VDEV = 5;
    static final int NESTED = 6;
    static final long MAPPED_IOVA = 1L << 24;
    /** Heap offsets: driver data at 0, the mapped page at PAGE, scratch from 2 * PAGE. */
    static final long SCRATCH = HEAP + 2 * PAGE;
    /** The heap page a seed unmaps to show the process's own write failing. */
    static final int HEAP_LAST_PAGE = IoctlSequenceFuzzTest.HEAP_PAGES - 1;

    /** Encodes steps exactly as {@link IoctlSequenceFuzzTest.Run} decodes them. */
    static final class Seed {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int steps;

        private void u8(int v) {
            out.write(v & 0xff);
        }

        private void bytes(long v, int n) {
            for (int i = 0; i < n; i++) {
                u8((int) (v >>> (8 * i)));
            }
        }

        /** An ioctl with size mode {@code mode} and the named fields set (others zero). */
        Seed ioctl(IommufdCommand c, int mode, Object... namesAndValues) {
            return sized(c, mode, 0, namesAndValues);
        }

        /** An ioctl whose size (SIZE_ANY) or buffer length (SIZE_SHORT_BUFFER) is {@code extra}. */
        Seed sized(IommufdCommand c, int mode, int extra, Object... namesAndValues) {
            Map<String, Long> values = new HashMap<>();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                values.put((String) namesAndValues[i], ((Number) namesAndValues[i + 1]).longValue());
            }
            steps++;
            u8(c.ordinal());
            u8(mode);
            if (mode == IoctlSequenceFuzzTest.SIZE_ANY) {
                u8(extra);
            }
            for (CField field : c.struct().layout().fields()) {
                if (field.name().equals("size")) {
                    continue;
                }
                int count = field.kind() == CField.Kind.ARRAY ? field.count() : 1;
                for (int i = 0; i < count; i++) {
                    long v = values.getOrDefault(field.name(), 0L);
                    if (v == 0) {
                        u8(IoctlSequenceFuzzTest.V_ZERO);
                    } else {
                        u8(IoctlSequenceFuzzTest.V_RAW);
                        bytes(v, field.type().size());
                    }
                }
                values.remove(field.name());
            }
            assertThat(values).as("unknown fields of " + c).isEmpty();
            if (mode == IoctlSequenceFuzzTest.SIZE_SHORT_BUFFER) {
                u8(extra);
            }
            return this;
        }

        Seed ok(IommufdCommand c, Object... namesAndValues) {
            return ioctl(c, IoctlSequenceFuzzTest.SIZE_SIZEOF, namesAndValues);
        }

        Seed op(Op op, long... operands) {
            steps++;
            u8(IoctlSequenceFuzzTest.COMMANDS + op.ordinal());
            if (op == Op.RAW_IOCTL) {
                bytes(operands[0], 4);
            } else {
                for (long v : operands) {
                    u8((int) v);
                }
            }
            return this;
        }

        /** Writes {@code data} at heap offset {@code offset} (below 64 KiB). */
        Seed poke(long offset, byte[] data) {
            steps++;
            u8(IoctlSequenceFuzzTest.COMMANDS + Op.POKE.ordinal());
            bytes(offset, 2);
            u8(data.length);
            out.writeBytes(data);
            return this;
        }

        byte[] bytes() {
            assertThat(steps).as("steps per seed").isLessThanOrEqualTo(IoctlSequenceFuzzTest.MAX_STEPS);
            return out.toByteArray();
        }
    }

    static byte[] u32s(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    static byte[] u64s(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    /** IOAS 1 with one page mapped, device 2, nest parent 3, vIOMMU 4, vDEVICE 5 (0x99), nested HWPT 6. */
    static Seed world() {
        return new Seed()
            .ok(IommufdCommand.IOAS_ALLOC)
            .op(Op.BIND, 0, 1)
            .ok(IommufdCommand.HWPT_ALLOC, "flags", IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, "dev_id", DEV,
                "pt_id", IOAS)
            .ok(IommufdCommand.VIOMMU_ALLOC, "type", MockIommu.VIOMMU_TYPE_SELFTEST, "dev_id", DEV, "hwpt_id", PARENT)
            .ok(IommufdCommand.VDEVICE_ALLOC, "viommu_id", VIOMMU, "dev_id", DEV, "virt_id", 0x99)
            .poke(0, u32s(MockIommu.IOTLB_DEFAULT))
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", VIOMMU, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", HEAP)
            .ok(IommufdCommand.IOAS_MAP, "flags", FIXED_RW, "ioas_id", IOAS, "user_va", HEAP + PAGE, "length", PAGE,
                "iova", MAPPED_IOVA);
    }

    /** The index of a VFIO request in {@link IoctlSequenceFuzzTest#VFIO_REQUESTS}. */
    private static int vfioRequest(int request) {
        for (int i = 0; i < IoctlSequenceFuzzTest.VFIO_REQUESTS.length; i++) {
            if (IoctlSequenceFuzzTest.VFIO_REQUESTS[i] == request) {
                return i;
            }
        }
        throw new IllegalArgumentException("not a VFIO request: 0x" + Integer.toHexString(request));
    }

    /** VFIO_IOCTL with an integer argument. */
    private static Seed vfioInt(Seed s, int request, int value) {
        return s.op(Op.VFIO_IOCTL, vfioRequest(request), 0, value);
    }

    /** VFIO_IOCTL with a pointer to heap offset {@code 64 * slot}. */
    private static Seed vfioPtr(Seed s, int request, int slot) {
        return s.op(Op.VFIO_IOCTL, vfioRequest(request), 1, slot);
    }

    /**
     * IOMMU_VFIO_IOAS and the VFIO type1 ioctls (vfio_compat.c): every errno of VFIO_IOAS and of the container
     * ioctls, with the structs poked into the heap (slot k is heap offset 64 * k; SCRATCH is slot 128).
     */
    private static byte[] vfioCompat() {
        int slot = (int) ((SCRATCH - HEAP) / 64);
        Seed s = world();
        vfioInt(s, VfioConstants.VFIO_GET_API_VERSION, 0);
        vfioInt(s, VfioConstants.VFIO_IOMMU_DIRTY_PAGES, 0);
        vfioInt(s, VfioConstants.VFIO_SET_IOMMU, 3);
        s.ok(IommufdCommand.VFIO_IOAS)
            .ok(IommufdCommand.VFIO_IOAS, "op", 3)
            .ok(IommufdCommand.VFIO_IOAS, "op", 1, "__reserved", 1)
            .ok(IommufdCommand.VFIO_IOAS, "op", 1, "ioas_id", 99)
            .ok(IommufdCommand.VFIO_IOAS, "op", 1, "ioas_id", DEV)
            .ok(IommufdCommand.VFIO_IOAS, "op", 1, "ioas_id", IOAS)
            .ok(IommufdCommand.VFIO_IOAS);
        vfioInt(s, VfioConstants.VFIO_CHECK_EXTENSION, 1);
        vfioInt(s, VfioConstants.VFIO_CHECK_EXTENSION, 4);
        vfioInt(s, VfioConstants.VFIO_SET_IOMMU, 2);
        vfioInt(s, VfioConstants.VFIO_SET_IOMMU, 1);
        // GET_INFO with the whole chain, then argsz below 16
        s.poke(SCRATCH - HEAP, u32s(256));
        vfioPtr(s, VfioConstants.VFIO_IOMMU_GET_INFO, slot);
        s.poke(SCRATCH - HEAP, u32s(15));
        vfioPtr(s, VfioConstants.VFIO_IOMMU_GET_INFO, slot);
        // MAP_DMA over the world's mapping: EEXIST; a fresh IOVA with a domain map failing: ENOMEM; then it works
        s.poke(SCRATCH - HEAP, dmaMap(32, 3, HEAP + PAGE, MAPPED_IOVA, PAGE));
        vfioPtr(s, VfioConstants.VFIO_IOMMU_MAP_DMA, slot);
        s.poke(SCRATCH - HEAP, dmaMap(32, 3, HEAP + PAGE, MAPPED_IOVA + 16 * PAGE, PAGE));
        s.op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_MAP, 0);
        vfioPtr(s, VfioConstants.VFIO_IOMMU_MAP_DMA, slot);
        vfioPtr(s, VfioConstants.VFIO_IOMMU_MAP_DMA, slot);
        // UNMAP_DMA: nothing there (ENOENT), a range that wraps (EOVERFLOW), ALL
        s.poke(SCRATCH - HEAP, dmaUnmap(24, 0, MAPPED_IOVA + 8 * PAGE, PAGE));
        vfioPtr(s, VfioConstants.VFIO_IOMMU_UNMAP_DMA, slot);
        s.poke(SCRATCH - HEAP, dmaUnmap(24, 0, -PAGE, 2 * PAGE));
        vfioPtr(s, VfioConstants.VFIO_IOMMU_UNMAP_DMA, slot);
        s.poke(SCRATCH - HEAP, dmaUnmap(24, 2, 0, 0));
        vfioPtr(s, VfioConstants.VFIO_IOMMU_UNMAP_DMA, slot);
        // an argument in a heap page the process unmapped: EFAULT
        s.op(Op.TOGGLE_PAGE, 3);
        vfioPtr(s, VfioConstants.VFIO_IOMMU_GET_INFO, 192);
        s.op(Op.TOGGLE_PAGE, 3);
        // a second IOAS without a domain holding a sub-page mapping: TYPE1 cannot disable large pages (EADDRINUSE)
        s.ok(IommufdCommand.IOAS_ALLOC)
            .ok(IommufdCommand.IOAS_MAP, "flags", RW, "ioas_id", NESTED + 1, "user_va", HEAP + PAGE + 512,
                "length", 512)
            .ok(IommufdCommand.VFIO_IOAS, "op", 1, "ioas_id", NESTED + 1);
        vfioInt(s, VfioConstants.VFIO_SET_IOMMU, 1);
        s.ok(IommufdCommand.VFIO_IOAS, "op", 2);
        vfioInt(s, VfioConstants.VFIO_SET_IOMMU, 3);
        return s.bytes();
    }

    private static byte[] dmaMap(int argsz, int flags, long vaddr, long iova, long size) {
        return ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putInt(argsz).putInt(flags).putLong(vaddr)
            .putLong(iova).putLong(size).array();
    }

    private static byte[] dmaUnmap(int argsz, int flags, long iova, long size) {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(argsz).putInt(flags).putLong(iova)
            .putLong(size).array();
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        Seed sizes = new Seed();
        for (IommufdCommand c : IommufdCommand.values()) {
            sizes.ioctl(c, IoctlSequenceFuzzTest.SIZE_BELOW_MIN)
                .ioctl(c, IoctlSequenceFuzzTest.SIZE_DIRTY_TAIL)
                .sized(c, IoctlSequenceFuzzTest.SIZE_SHORT_BUFFER, 0);
        }
        seeds.put("size_rules_every_command", sizes.bytes());

        Seed unimplemented = world();
        // HW_QUEUE_ALLOC with a zero type: no driver here has HW queue ops (EOPNOTSUPP)
        for (IommufdCommand c : new IommufdCommand[] {IommufdCommand.HW_QUEUE_ALLOC}) {
            unimplemented.ioctl(c, IoctlSequenceFuzzTest.SIZE_SIZEOF).ioctl(c, IoctlSequenceFuzzTest.SIZE_ZERO_TAIL);
        }
        seeds.put("unimplemented_commands", unimplemented.bytes());

        seeds.put("vfio_compat", vfioCompat());

        // IOAS_CHANGE_PROCESS (iommufd_ioas_change_process): __reserved, a user-address mapping (EINVAL), then the
        // world's mapping replaced by a file mapping, which moves
        seeds.put("ioas_change_process", world()
            .ok(IommufdCommand.IOAS_CHANGE_PROCESS, "__reserved", 1)
            .ok(IommufdCommand.IOAS_CHANGE_PROCESS)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", IOAS, "length", -1L)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", FIXED_RW, "ioas_id", IOAS, "fd", IoctlSequenceFuzzTest.MEMFD,
                "length", 2 * PAGE, "iova", MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_CHANGE_PROCESS)
            .bytes());

        // IOAS_MAP_FILE (iommufd_ioas_map_file) over the run's memfd: each errno, sharing, and truncation meeting
        // the lazy pin of a later attach (EINVAL) and an immediate pin under a domain (EINVAL)
        int memfd = IoctlSequenceFuzzTest.MEMFD;
        seeds.put("ioas_map_file", world()
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", RW | 8, "ioas_id", IOAS, "fd", memfd, "length", PAGE)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", RW, "ioas_id", IOAS, "fd", memfd, "length", -1L)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", RW, "ioas_id", 99, "fd", memfd, "length", PAGE)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", RW, "ioas_id", IOAS, "fd", 77, "length", PAGE)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", FIXED_RW, "ioas_id", IOAS, "fd", memfd, "length", PAGE,
                "iova", MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", RW, "ioas_id", IOAS, "fd", memfd, "length", 1L << 40)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", FIXED_RW, "ioas_id", IOAS, "fd", memfd, "length", 2 * PAGE,
                "iova", MAPPED_IOVA + 2 * PAGE)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", FIXED_RW, "ioas_id", IOAS, "fd", memfd, "start", PAGE,
                "length", PAGE, "iova", MAPPED_IOVA + 8 * PAGE)
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_MAP, 0)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", RW, "ioas_id", IOAS, "fd", memfd, "length", PAGE)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", FIXED_RW, "ioas_id", IOAS, "fd", memfd, "start", 3 * PAGE,
                "length", 2 * PAGE, "iova", MAPPED_IOVA + 16 * PAGE)
            // a second IOAS without a domain maps the file, the file shrinks, the attach's lazy pin fails
            .ok(IommufdCommand.IOAS_ALLOC)
            .ok(IommufdCommand.IOAS_MAP_FILE, "flags", FIXED_RW, "ioas_id", NESTED + 1, "fd", memfd, "start",
                2 * PAGE, "length", 2 * PAGE, "iova", MAPPED_IOVA)
            .op(Op.MEMFD_TRUNCATE, 3)
            .op(Op.BIND, 0, 2)
            // ATTACH's operands index the live objects: device 8 is the eighth, IOAS 7 the seventh
            .op(Op.ATTACH, 7, 6)
            .op(Op.MEMFD_TRUNCATE, 4)
            .op(Op.ATTACH, 7, 6)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", NESTED + 1, "length", -1L)
            .bytes());

        seeds.put("destroy_and_objects", world()
            .ok(IommufdCommand.DESTROY)
            .ok(IommufdCommand.DESTROY, "id", 99)
            .ok(IommufdCommand.DESTROY, "id", IOAS)
            .ok(IommufdCommand.DESTROY, "id", VIOMMU)
            .ok(IommufdCommand.IOAS_ALLOC, "flags", 1)
            .ok(IommufdCommand.IOAS_ALLOC)
            .ioctl(IommufdCommand.DESTROY, IoctlSequenceFuzzTest.SIZE_ZERO_TAIL, "id", 7)
            .ok(IommufdCommand.FAULT_QUEUE_ALLOC, "flags", 1)
            .ok(IommufdCommand.FAULT_QUEUE_ALLOC)
            .ok(IommufdCommand.DESTROY, "id", 7)
            .op(Op.CLOSE_FD, 0)
            .ok(IommufdCommand.DESTROY, "id", 7)
            .op(Op.CLOSE_FD, 250)
            .op(Op.READ_FD, 250, 4)
            .op(Op.READ_FD, 200, 4)
            .op(Op.RAW_IOCTL, 0x3b7f)
            .op(Op.RAW_IOCTL, 0x3b95)
            .op(Op.RAW_IOCTL, 0x40003b80)
            .op(Op.RAW_IOCTL, 0x3b80)
            .bytes());

        seeds.put("ioas_map_unmap_copy", world()
            .ok(IommufdCommand.IOAS_ALLOC)
            .ok(IommufdCommand.IOAS_MAP, "flags", RW, "ioas_id", IOAS, "user_va", HEAP + 3 * PAGE, "length", PAGE)
            .ok(IommufdCommand.IOAS_MAP, "flags", 1 << 5 | RW, "ioas_id", IOAS, "user_va", HEAP, "length", PAGE)
            .ok(IommufdCommand.IOAS_MAP, "flags", RW, "ioas_id", IOAS, "__reserved", 1, "user_va", HEAP, "length",
                PAGE)
            .ok(IommufdCommand.IOAS_MAP, "flags", RW, "ioas_id", IOAS, "user_va", HEAP, "length", -1L)
            .ok(IommufdCommand.IOAS_MAP, "flags", 1, "ioas_id", IOAS, "user_va", HEAP, "length", PAGE, "iova",
                2 * MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_MAP, "flags", RW, "ioas_id", 99, "user_va", HEAP, "length", PAGE)
            .ok(IommufdCommand.IOAS_MAP, "flags", FIXED_RW, "ioas_id", IOAS, "user_va", HEAP, "length", PAGE,
                "iova", MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_MAP, "flags", FIXED_RW, "ioas_id", IOAS, "user_va", 0x40000, "length", PAGE,
                "iova", 2 * MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_MAP, "flags", FIXED_RW, "ioas_id", IOAS, "user_va", HEAP, "length", PAGE,
                "iova", 0x1000)
            .ok(IommufdCommand.IOAS_MAP, "flags", RW, "ioas_id", IOAS, "user_va", HEAP, "length", 1L << 40)
            .ok(IommufdCommand.IOAS_COPY, "flags", RW, "dst_ioas_id", 7, "src_ioas_id", IOAS, "length", PAGE,
                "src_iova", MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_COPY, "flags", 1 << 5, "dst_ioas_id", 7, "src_ioas_id", IOAS, "length", PAGE)
            .ok(IommufdCommand.IOAS_COPY, "flags", RW, "dst_ioas_id", 7, "src_ioas_id", IOAS, "length", -1L)
            .ok(IommufdCommand.IOAS_COPY, "flags", 1, "dst_ioas_id", 7, "src_ioas_id", IOAS, "length", PAGE,
                "src_iova", MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_COPY, "flags", RW, "dst_ioas_id", 7, "src_ioas_id", 99, "length", PAGE,
                "src_iova", MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_COPY, "flags", RW, "dst_ioas_id", 7, "src_ioas_id", IOAS, "length", PAGE,
                "src_iova", 2 * MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_COPY, "flags", FIXED_RW, "dst_ioas_id", IOAS, "src_ioas_id", IOAS, "length", PAGE,
                "dst_iova", MAPPED_IOVA, "src_iova", MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", IOAS, "iova", 3 * MAPPED_IOVA, "length", PAGE)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", IOAS, "iova", MAPPED_IOVA, "length", PAGE / 2)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", IOAS, "iova", -1L, "length", PAGE)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", 99, "iova", MAPPED_IOVA, "length", PAGE)
            .op(Op.TOGGLE_PAGE, 1)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", IOAS, "iova", MAPPED_IOVA, "length", PAGE)
            .op(Op.TOGGLE_PAGE, 1)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", 7, "length", -1L)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", IOAS, "length", -1L)
            .bytes());

        seeds.put("ioas_ranges_and_allowed", world()
            .ok(IommufdCommand.IOAS_ALLOC)
            .ok(IommufdCommand.IOAS_IOVA_RANGES, "ioas_id", IOAS, "num_iovas", 4, "allowed_iovas", SCRATCH)
            .ok(IommufdCommand.IOAS_IOVA_RANGES, "ioas_id", IOAS)
            .ok(IommufdCommand.IOAS_IOVA_RANGES, "ioas_id", IOAS, "__reserved", 1)
            .ok(IommufdCommand.IOAS_IOVA_RANGES, "ioas_id", 99)
            .ok(IommufdCommand.IOAS_IOVA_RANGES, "ioas_id", IOAS, "num_iovas", 4, "allowed_iovas", 0x40)
            .poke(2 * PAGE, u64s(MAPPED_IOVA, 2 * MAPPED_IOVA - 1, MAPPED_IOVA + PAGE, MAPPED_IOVA, 0, 0xfff))
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "num_iovas", 1, "allowed_iovas", SCRATCH)
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "__reserved", 1)
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 99)
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "num_iovas", 1, "allowed_iovas", SCRATCH + 16)
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "num_iovas", 1, "allowed_iovas", 0x40)
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "num_iovas", 100000, "allowed_iovas", SCRATCH)
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", IOAS, "num_iovas", 1, "allowed_iovas", SCRATCH + 32)
            .ok(IommufdCommand.OPTION, "option_id", IommufdConstants.IOMMU_OPTION_HUGE_PAGES, "op",
                IommufdConstants.IOMMU_OPTION_OP_GET, "object_id", IOAS)
            .ok(IommufdCommand.OPTION, "option_id", IommufdConstants.IOMMU_OPTION_HUGE_PAGES, "object_id", 7,
                "val64", 0)
            .ok(IommufdCommand.OPTION, "option_id", IommufdConstants.IOMMU_OPTION_HUGE_PAGES, "object_id", 99)
            .ok(IommufdCommand.OPTION, "option_id", IommufdConstants.IOMMU_OPTION_HUGE_PAGES, "object_id", 7,
                "val64", 2)
            .ok(IommufdCommand.OPTION, "option_id", IommufdConstants.IOMMU_OPTION_HUGE_PAGES, "op", 7, "object_id",
                7)
            .ok(IommufdCommand.OPTION, "option_id", 9)
            .ok(IommufdCommand.OPTION, "__reserved", 1)
            .ok(IommufdCommand.OPTION, "op", IommufdConstants.IOMMU_OPTION_OP_GET)
            .ok(IommufdCommand.OPTION, "val64", 1)
            .bytes());

        seeds.put("option_rlimit_on_an_empty_context", new Seed()
            .ok(IommufdCommand.OPTION, "val64", 1)
            .ok(IommufdCommand.OPTION, "op", IommufdConstants.IOMMU_OPTION_OP_GET)
            .ok(IommufdCommand.OPTION, "val64", 2)
            .ok(IommufdCommand.OPTION, "object_id", 1)
            .bytes());

        seeds.put("hwpt_alloc_paths", world()
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", IOAS)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", IOAS, "__reserved", 1)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", IOAS, "data_len", 4)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", IOAS, "data_type", MockIommu.HWPT_DATA_SELFTEST)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", 99, "pt_id", IOAS)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", IOAS, "pt_id", DEV)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", DEV)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", 99)
            .ok(IommufdCommand.HWPT_ALLOC, "flags", IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT
                | IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID, "dev_id", DEV, "pt_id", IOAS)
            .ok(IommufdCommand.HWPT_ALLOC, "flags", IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING, "dev_id", DEV,
                "pt_id", IOAS)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", IOAS, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", HEAP)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", PARENT, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", HEAP)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", PARENT)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", PARENT, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 3, "data_uptr", HEAP)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", PARENT, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", 0x40)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", 7, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", HEAP)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", NESTED, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", HEAP)
            .ok(IommufdCommand.HWPT_ALLOC, "flags", IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, "dev_id", DEV,
                "pt_id", VIOMMU, "data_type", MockIommu.HWPT_DATA_SELFTEST, "data_len", 4, "data_uptr", HEAP)
            .ok(IommufdCommand.HWPT_ALLOC, "flags", IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID, "dev_id", DEV,
                "pt_id", VIOMMU, "data_type", MockIommu.HWPT_DATA_SELFTEST, "data_len", 4, "data_uptr", HEAP,
                "fault_id", 99)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", VIOMMU, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", 0x40)
            .op(Op.BIND, 1, 1)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", 10, "pt_id", VIOMMU, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", HEAP)
            .ok(IommufdCommand.FAULT_QUEUE_ALLOC)
            .ok(IommufdCommand.HWPT_ALLOC, "flags", IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID, "dev_id", DEV,
                "pt_id", VIOMMU, "data_type", MockIommu.HWPT_DATA_SELFTEST, "data_len", 4, "data_uptr", HEAP,
                "fault_id", 11)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", IOAS, "data_type", 0, "__reserved2", 5)
            .bytes());

        seeds.put("hw_info", world()
            .ok(IommufdCommand.GET_HW_INFO, "dev_id", DEV, "data_len", 8, "data_uptr", SCRATCH)
            .ok(IommufdCommand.GET_HW_INFO, "dev_id", DEV, "data_len", 64, "data_uptr", SCRATCH)
            .ok(IommufdCommand.GET_HW_INFO, "dev_id", DEV)
            .ok(IommufdCommand.GET_HW_INFO, "flags", 2, "dev_id", DEV)
            .ok(IommufdCommand.GET_HW_INFO, "dev_id", DEV, "__reserved", 1)
            .ok(IommufdCommand.GET_HW_INFO, "flags", IommufdConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE, "dev_id", DEV,
                "in_data_type", 12345)
            .ok(IommufdCommand.GET_HW_INFO, "flags", IommufdConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE, "dev_id", DEV,
                "in_data_type", MockIommu.HW_INFO_TYPE_SELFTEST, "data_len", 8, "data_uptr", SCRATCH)
            .ok(IommufdCommand.GET_HW_INFO, "dev_id", 99)
            .ok(IommufdCommand.GET_HW_INFO, "dev_id", DEV, "data_len", 8, "data_uptr", 0x40)
            .bytes());

        seeds.put("invalidate", world()
            .poke(2 * PAGE, u32s(0, 1, -1, 0, 0, 9, 0, 0x99, 0, -1, 0x99, 0, 0, 0x99, 4, 0, 0x99, 0, 1))
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", NESTED, "data_uptr", SCRATCH, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 8, "entry_num", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", NESTED, "data_uptr", SCRATCH, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 8, "entry_num", 2)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", NESTED, "data_uptr", SCRATCH + 16, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 8, "entry_num", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", NESTED, "__reserved", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", NESTED, "entry_len", 8, "entry_num", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", NESTED, "data_uptr", 0x40, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 8, "entry_num", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", PARENT, "data_type", MockIommu.INVALIDATE_DATA_SELFTEST)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", 99)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", NESTED, "data_type", MockIommu.INVALIDATE_DATA_SELFTEST)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", VIOMMU, "data_type", MockIommu.INVALIDATE_DATA_SELFTEST)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", VIOMMU, "data_uptr", SCRATCH + 28, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 12, "entry_num", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", VIOMMU, "data_uptr", SCRATCH + 28, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 12, "entry_num", 2)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", VIOMMU, "data_uptr", SCRATCH + 16, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 12, "entry_num", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", VIOMMU, "data_uptr", SCRATCH + 52, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 12, "entry_num", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", VIOMMU, "data_uptr", SCRATCH + 64, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 16, "entry_num", 1)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", VIOMMU, "data_uptr", SCRATCH, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 12, "entry_num", 1 << 30)
            .ok(IommufdCommand.HWPT_INVALIDATE, "hwpt_id", VIOMMU, "data_uptr", 0x40, "data_type",
                MockIommu.INVALIDATE_DATA_SELFTEST, "entry_len", 12, "entry_num", 1)
            .bytes());

        seeds.put("viommu_vdevice_veventq", world()
            .ok(IommufdCommand.VIOMMU_ALLOC, "flags", 1, "type", MockIommu.VIOMMU_TYPE_SELFTEST, "dev_id", DEV,
                "hwpt_id", PARENT)
            .ok(IommufdCommand.VIOMMU_ALLOC, "dev_id", DEV, "hwpt_id", PARENT)
            .ok(IommufdCommand.VIOMMU_ALLOC, "type", 0xdead, "dev_id", DEV, "hwpt_id", PARENT)
            .ok(IommufdCommand.VIOMMU_ALLOC, "type", MockIommu.VIOMMU_TYPE_SELFTEST, "dev_id", 99, "hwpt_id", PARENT)
            .ok(IommufdCommand.VIOMMU_ALLOC, "type", MockIommu.VIOMMU_TYPE_SELFTEST, "dev_id", DEV)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", IOAS)
            .ok(IommufdCommand.VIOMMU_ALLOC, "type", MockIommu.VIOMMU_TYPE_SELFTEST, "dev_id", DEV, "hwpt_id", 7)
            .ok(IommufdCommand.VIOMMU_ALLOC, "type", MockIommu.VIOMMU_TYPE_SELFTEST, "dev_id", DEV, "hwpt_id",
                PARENT, "__reserved", 7)
            .ok(IommufdCommand.VDEVICE_ALLOC, "viommu_id", 99, "dev_id", DEV, "virt_id", 0x88)
            .ok(IommufdCommand.VDEVICE_ALLOC, "viommu_id", VIOMMU, "dev_id", DEV, "virt_id", 0x88)
            .op(Op.BIND, 0, 2)
            .ok(IommufdCommand.VDEVICE_ALLOC, "viommu_id", VIOMMU, "dev_id", 9, "virt_id", 0x99)
            .ok(IommufdCommand.VDEVICE_ALLOC, "viommu_id", VIOMMU, "dev_id", 9, "virt_id", 0x88)
            .op(Op.BIND, 1, 1)
            .ok(IommufdCommand.VDEVICE_ALLOC, "viommu_id", VIOMMU, "dev_id", 11, "virt_id", 0x77)
            .ok(IommufdCommand.VEVENTQ_ALLOC, "viommu_id", VIOMMU, "type", MockIommu.VEVENTQ_TYPE_SELFTEST,
                "veventq_depth", 2)
            .ok(IommufdCommand.VEVENTQ_ALLOC, "viommu_id", VIOMMU, "type", MockIommu.VEVENTQ_TYPE_SELFTEST,
                "veventq_depth", 2)
            .ok(IommufdCommand.VEVENTQ_ALLOC, "flags", 1, "viommu_id", VIOMMU, "type", 1, "veventq_depth", 2)
            .ok(IommufdCommand.VEVENTQ_ALLOC, "viommu_id", VIOMMU, "veventq_depth", 2)
            .ok(IommufdCommand.VEVENTQ_ALLOC, "viommu_id", VIOMMU, "type", 1, "veventq_depth", 2, "__reserved", 1)
            .ok(IommufdCommand.VEVENTQ_ALLOC, "viommu_id", VIOMMU, "type", 1)
            .ok(IommufdCommand.VEVENTQ_ALLOC, "viommu_id", 99, "type", 1, "veventq_depth", 2)
            .op(Op.ATTACH, 1, 5)
            .op(Op.TRIGGER_EVENT, 0)
            .op(Op.TRIGGER_EVENT, 0)
            .op(Op.TRIGGER_EVENT, 0)
            .op(Op.READ_FD, 0, 255)
            .ok(IommufdCommand.DESTROY, "id", NESTED)
            .op(Op.UNBIND, 1)
            .ok(IommufdCommand.DESTROY, "id", VDEV)
            .op(Op.CLOSE_FD, 0)
            .ok(IommufdCommand.DESTROY, "id", NESTED)
            .bytes());

        seeds.put("devices_and_attach", world()
            .op(Op.BIND, 0, 1)
            .op(Op.BIND, 2, 1)
            .op(Op.BIND, 0, 5)
            .op(Op.UNBIND, 0)
            .op(Op.DETACH, 0)
            .op(Op.REPLACE, 1, 0)
            .op(Op.ATTACH, 0, 0)
            .op(Op.ATTACH, 1, 1)
            .op(Op.ATTACH, 1, 255)
            .op(Op.ATTACH, 1, 3)
            .op(Op.ATTACH, 1, 0)
            .op(Op.REPLACE, 1, 2)
            .op(Op.ATTACH, 1, 5)
            .op(Op.DETACH, 1)
            .ok(IommufdCommand.IOAS_ALLOC)
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "num_iovas", 1, "allowed_iovas", SCRATCH)
            .poke(2 * PAGE, u64s(0, 0xfff))
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "num_iovas", 1, "allowed_iovas", SCRATCH)
            .op(Op.ATTACH, 1, 6)
            .op(Op.UNBIND, 1)
            .ok(IommufdCommand.DESTROY, "id", 5)
            .bytes());

        // ENOMEM from the driver at each point a command reaches it; the per-step checks then see the unwind
        // (no area, pin, HWPT or domain left of the failed call; the device still in its old domain).
        int instance1 = 3;
        seeds.put("enomem_fault_injection", world()
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_MAP, 0)
            .ok(IommufdCommand.IOAS_MAP, "flags", FIXED_RW, "ioas_id", IOAS, "user_va", HEAP + 2 * PAGE, "length",
                PAGE, "iova", 2 * MAPPED_IOVA)
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_MAP, 0)
            .ok(IommufdCommand.IOAS_COPY, "flags", FIXED_RW, "dst_ioas_id", IOAS, "src_ioas_id", IOAS, "length", PAGE,
                "dst_iova", 2 * MAPPED_IOVA, "src_iova", MAPPED_IOVA)
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_MAP, 0)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", IOAS)
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_DOMAIN_ALLOC, 0)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", VIOMMU, "data_type", MockIommu.HWPT_DATA_SELFTEST,
                "data_len", 4, "data_uptr", HEAP)
            // live indexes: 0 IOAS, 1 DEV, 2 PARENT, 5 NESTED
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_DOMAIN_ALLOC, 0)
            .op(Op.ATTACH, 1, 0)
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_ATTACH, 0)
            .op(Op.ATTACH, 1, 0)
            .op(Op.ATTACH, 1, 2)
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_ATTACH, 0)
            .op(Op.REPLACE, 1, 5)
            .op(Op.INJECT_ENOMEM, IoctlSequenceFuzzTest.FAULT_MAP, 0)
            .op(Op.REPLACE, 1, 0)
            .op(Op.REPLACE, 1, 5)
            // armed on the other instance, whose domains this map does not touch: it stays armed through the close
            .op(Op.INJECT_ENOMEM, instance1 + IoctlSequenceFuzzTest.FAULT_MAP, 0)
            .ok(IommufdCommand.IOAS_MAP, "flags", FIXED_RW, "ioas_id", IOAS, "user_va", HEAP + 2 * PAGE, "length",
                PAGE, "iova", 2 * MAPPED_IOVA)
            .op(Op.DETACH, 1)
            .bytes());

        seeds.put("iova_conflicts_replace_and_copy_space", world()
            .ok(IommufdCommand.IOAS_ALLOC)
            .poke(2 * PAGE, u64s(0, 0xfff))
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "num_iovas", 1, "allowed_iovas", SCRATCH)
            // the mock aperture starts at 16 MiB: the domain would reserve the allowed [0, 4 KiB)
            .ok(IommufdCommand.HWPT_ALLOC, "dev_id", DEV, "pt_id", 7)
            // live indexes: 0 IOAS, 1 DEV, 5 NESTED, 6 IOAS 7, then 8 the device bound below (id 9)
            .op(Op.ATTACH, 1, 0)
            .op(Op.REPLACE, 1, 6)
            .op(Op.BIND, 0, 2)
            .op(Op.ATTACH, 8, 0)
            .op(Op.REPLACE, 8, 5)
            .poke(2 * PAGE + 16, u64s(PAGE, 2 * PAGE - 1))
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 7, "num_iovas", 1, "allowed_iovas", SCRATCH + 16)
            .ok(IommufdCommand.IOAS_COPY, "flags", RW, "dst_ioas_id", 7, "src_ioas_id", IOAS, "length", PAGE,
                "src_iova", MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_COPY, "flags", RW, "dst_ioas_id", 7, "src_ioas_id", IOAS, "length", PAGE,
                "src_iova", MAPPED_IOVA)
            .op(Op.TOGGLE_PAGE, HEAP_LAST_PAGE)
            .poke((long) HEAP_LAST_PAGE * PAGE, new byte[] {1})
            .bytes());
        // Issue 11's IOAS rules: alignment 1 without a domain (a sub-page map), HUGE_PAGES=0 refused over it
        // (iopt_disable_large_pages: EADDRINUSE), lazy pinning meeting unmapped memory at ATTACH and REPLACE
        // (iopt_fill_domain: EFAULT), and RLIMIT_MODE SET without CAP_SYS_RESOURCE (EPERM).
        seeds.put("alignment_lazy_pinning_and_capabilities", world()
            .ok(IommufdCommand.IOAS_ALLOC)
            .ok(IommufdCommand.IOAS_MAP, "flags", FIXED_RW, "ioas_id", 7, "user_va", HEAP + 2 * PAGE + 0x10, "length",
                PAGE, "iova", 0x100010)
            .ok(IommufdCommand.OPTION, "option_id", IommufdConstants.IOMMU_OPTION_HUGE_PAGES, "object_id", 7)
            .ok(IommufdCommand.IOAS_UNMAP, "ioas_id", 7, "length", -1L)
            .op(Op.TOGGLE_PAGE, 3)
            .ok(IommufdCommand.IOAS_MAP, "flags", FIXED_RW, "ioas_id", 7, "user_va", HEAP + 3 * PAGE, "length", PAGE,
                "iova", 2 * MAPPED_IOVA)
            // live indexes: 0 IOAS, 1 DEV, 5 NESTED, 6 IOAS 7
            .op(Op.ATTACH, 1, 6)
            .op(Op.ATTACH, 1, 0)
            .op(Op.REPLACE, 1, 6)
            .op(Op.DETACH, 1)
            .op(Op.TOGGLE_CAP_SYS_RESOURCE)
            .ok(IommufdCommand.OPTION, "val64", 1)
            // a read-only mapping copied WRITEABLE: iopt_insert_area's EPERM
            .ok(IommufdCommand.IOAS_MAP, "flags", IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA
                | IommufdConstants.IOMMU_IOAS_MAP_READABLE, "ioas_id", 7, "user_va", HEAP + 4 * PAGE, "length", PAGE,
                "iova", 3 * MAPPED_IOVA)
            .ok(IommufdCommand.IOAS_COPY, "flags", RW, "dst_ioas_id", 7, "src_ioas_id", 7, "length", PAGE,
                "src_iova", 3 * MAPPED_IOVA)
            .bytes());

        // Dirty tracking on a dirty-capable device (StreamID 5 -> device 7, its DIRTY_TRACKING HWPT 8 on IOAS 1):
        // iommufd_hwpt_set_dirty_tracking, iommufd_hwpt_get_dirty_bitmap, iommufd_check_iova_range.
        int dirtyHwpt = 8;
        seeds.put("dirty_tracking", world()
            .op(Op.BIND, 0, 5)
            .ok(IommufdCommand.HWPT_ALLOC, "flags", IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING, "dev_id", 7,
                "pt_id", IOAS)
            .ok(IommufdCommand.HWPT_SET_DIRTY_TRACKING, "flags", 2, "hwpt_id", dirtyHwpt)
            .ok(IommufdCommand.HWPT_SET_DIRTY_TRACKING, "flags", 1, "hwpt_id", NESTED)
            .ok(IommufdCommand.HWPT_SET_DIRTY_TRACKING, "flags", 1, "hwpt_id", PARENT)
            .ok(IommufdCommand.HWPT_SET_DIRTY_TRACKING, "flags", 1, "hwpt_id", dirtyHwpt)
            // live paging domains: 0 the parent, 1 the dirty one
            .op(Op.DMA_WRITE, 1, 0)
            .ok(IommufdCommand.HWPT_GET_DIRTY_BITMAP, "hwpt_id", dirtyHwpt, "flags", 2, "iova", MAPPED_IOVA, "length",
                PAGE, "page_size", PAGE, "data", SCRATCH)
            .ok(IommufdCommand.HWPT_GET_DIRTY_BITMAP, "hwpt_id", dirtyHwpt, "__reserved", 1, "iova", MAPPED_IOVA,
                "length", PAGE, "page_size", PAGE, "data", SCRATCH)
            .ok(IommufdCommand.HWPT_GET_DIRTY_BITMAP, "hwpt_id", NESTED, "iova", MAPPED_IOVA, "length", PAGE,
                "page_size", PAGE, "data", SCRATCH)
            .ok(IommufdCommand.HWPT_GET_DIRTY_BITMAP, "hwpt_id", dirtyHwpt, "iova", MAPPED_IOVA, "page_size", PAGE,
                "data", SCRATCH)
            .ok(IommufdCommand.HWPT_GET_DIRTY_BITMAP, "hwpt_id", dirtyHwpt, "iova", MAPPED_IOVA + 1, "length", PAGE,
                "page_size", PAGE, "data", SCRATCH)
            .ok(IommufdCommand.HWPT_GET_DIRTY_BITMAP, "hwpt_id", PARENT, "iova", MAPPED_IOVA, "length", PAGE,
                "page_size", PAGE, "data", SCRATCH)
            .ok(IommufdCommand.HWPT_GET_DIRTY_BITMAP, "hwpt_id", dirtyHwpt, "flags", 1, "iova", MAPPED_IOVA, "length",
                PAGE, "page_size", PAGE, "data", SCRATCH)
            .ok(IommufdCommand.HWPT_GET_DIRTY_BITMAP, "hwpt_id", dirtyHwpt, "iova", MAPPED_IOVA, "length", 4 * PAGE,
                "page_size", PAGE, "data", SCRATCH)
            .ok(IommufdCommand.HWPT_SET_DIRTY_TRACKING, "hwpt_id", dirtyHwpt)
            // ATTACH's EADDRINUSE (iopt_table_add_domain): the automatic domain's aperture would reserve an allowed
            // range of IOAS 9 (live index 8); device 7 is live index 6
            .ok(IommufdCommand.IOAS_ALLOC)
            .poke(2 * PAGE + 256, u64s(0x1000, 0x1fff))
            .ok(IommufdCommand.IOAS_ALLOW_IOVAS, "ioas_id", 9, "num_iovas", 1, "allowed_iovas", SCRATCH + 256)
            .op(Op.ATTACH, 6, 8)
            .bytes());

        // HW_QUEUE_ALLOC (iommufd_hw_queue_alloc_ioctl): flags / DEFAULT type, length 0, a wrapping range, no
        // vIOMMU, then the mock's vIOMMU without HW queue ops
        int cmdqv = IommufdConstants.IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV;
        seeds.put("hw_queue_alloc", world()
            .ok(IommufdCommand.HW_QUEUE_ALLOC, "flags", 1, "viommu_id", VIOMMU, "type", cmdqv, "length", PAGE)
            .ok(IommufdCommand.HW_QUEUE_ALLOC, "viommu_id", VIOMMU, "length", PAGE)
            .ok(IommufdCommand.HW_QUEUE_ALLOC, "viommu_id", VIOMMU, "type", cmdqv)
            .ok(IommufdCommand.HW_QUEUE_ALLOC, "viommu_id", VIOMMU, "type", cmdqv, "nesting_parent_iova", -PAGE,
                "length", 2 * PAGE)
            .ok(IommufdCommand.HW_QUEUE_ALLOC, "viommu_id", IOAS, "type", cmdqv, "length", PAGE)
            .ok(IommufdCommand.HW_QUEUE_ALLOC, "viommu_id", VIOMMU, "type", cmdqv, "nesting_parent_iova",
                MAPPED_IOVA, "length", PAGE)
            .bytes());

        // Fault queues (fault.c, eventq.c): FAULT 7 (fd 4), paging HWPT 8 on IOAS 1 naming it, device 2 attached
        // (live indexes 1 and 7); faults reported, read, answered; the read / write / poll errnos.
        seeds.put("fault_queue_read_write_poll", world()
            .ok(IommufdCommand.FAULT_QUEUE_ALLOC)
            .ok(IommufdCommand.HWPT_ALLOC, "flags", IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID, "dev_id", DEV,
                "pt_id", IOAS, "fault_id", 7)
            .op(Op.ATTACH, 1, 7)
            // operands: StreamID 1 + k % 5, flags, grpid
            .op(Op.REPORT_FAULT, 0, 0, 1)
            .op(Op.REPORT_FAULT, 0, 2, 1)
            .op(Op.REPORT_FAULT, 0, 2, 2)
            .op(Op.POLL_FD, 0)
            .op(Op.POLL_FD, 200)
            .op(Op.POLL_FD, 250)
            // 4 * 10 = 40 bytes: one record, so the two-record group does not fit and stays; 4 bytes: ESPIPE
            .op(Op.READ_FD, 0, 1)
            .op(Op.READ_FD, 0, 10)
            .op(Op.READ_FD, 0, 30)
            // responses: a bad code, an unknown cookie, a partial record, then cookie 1 answered
            .op(Op.WRITE_FD, 0, 1, 1, 2, 0)
            .op(Op.WRITE_FD, 0, 1, 3, 0, 0)
            .op(Op.WRITE_FD, 0, 1, 1, 0, 7)
            .op(Op.WRITE_FD, 0, 2, 1, 0, 3, 0, 0)
            .op(Op.WRITE_FD, 200, 0, 0)
            .op(Op.WRITE_FD, 250, 0, 0)
            // a device that is not attached: answered INVALID at once
            .op(Op.REPORT_FAULT, 2, 2, 0)
            .op(Op.DETACH, 1)
            .bytes());
        return seeds;
    }

    @Test
    void the_checked_in_corpus_is_the_generated_one() throws IOException {
        Map<String, byte[]> seeds = seeds();
        if (Boolean.getBoolean("seeds.write")) {
            Files.createDirectories(CORPUS);
            for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
                Files.write(CORPUS.resolve(e.getKey()), e.getValue());
            }
        }
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            Path file = CORPUS.resolve(e.getKey());
            assertThat(file).as("seed %s (regenerate with -Dseeds.write=true)", e.getKey()).exists();
            assertThat(Files.readAllBytes(file)).as("seed %s is stale", e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void every_seed_replays_cleanly() {
        seeds().forEach((name, bytes) -> new IoctlSequenceFuzzTest.Run(bytes).run());
    }
}
