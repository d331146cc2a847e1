package org.smmuref.iommufd.uapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.generators.Generate;

/** The little-endian codec: round trips over random member values, an independent byte oracle, exact images. */
class CodecTest {
    private static final HexFormat HEX = HexFormat.of();

    // ---- random values --------------------------------------------------------------------------------------

    private static long scalar(CType type, RandomnessSource rs) {
        return switch (type) {
            case U8 -> integers().between(0, 0xff).generate(rs);
            case U16 -> integers().between(0, 0xffff).generate(rs);
            case U32, S32 -> integers().all().generate(rs);
            default -> longs().all().generate(rs);
        };
    }

    private static Object box(CType type, long v) {
        return type.isWide() ? (Object) v : (Object) (int) v;
    }

    /** A random value of {@code type}, built from random members through the canonical constructor. */
    static Object randomValue(StructType<?> type, RandomnessSource rs) {
        List<CField> fields = type.layout().fields();
        Object[] args = new Object[fields.size()];
        RecordComponent[] rc = type.recordClass().getRecordComponents();
        Class<?>[] types = new Class<?>[rc.length];
        for (int i = 0; i < fields.size(); i++) {
            CField f = fields.get(i);
            types[i] = rc[i].getType();
            args[i] = switch (f.kind()) {
                case SCALAR, UNION -> box(f.type(), scalar(f.type(), rs));
                case ARRAY -> {
                    List<Object> list = new ArrayList<>();
                    for (int k = 0; k < f.count(); k++) {
                        list.add(box(f.type(), scalar(f.type(), rs)));
                    }
                    yield list;
                }
                case STRUCT -> randomValue(UapiLayouts.byName(f.struct().name()), rs);
            };
        }
        try {
            Constructor<?> c = type.recordClass().getDeclaredConstructor(types);
            return c.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static Gen<Object> values(StructType<?> type) {
        return rs -> randomValue(type, rs);
    }

    // ---- an oracle that does not use the engine's codec -------------------------------------------------------

    /** Checks every member's bytes with java.nio, independently of CType's reader and writer. */
    private static void assertBytesHoldMembers(UapiStruct value, byte[] bytes, int base) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<CField> fields = value.structType().layout().fields();
        RecordComponent[] rc = value.getClass().getRecordComponents();
        for (int i = 0; i < fields.size(); i++) {
            CField f = fields.get(i);
            Object member;
            try {
                member = rc[i].getAccessor().invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            if (f.kind() == CField.Kind.STRUCT) {
                assertBytesHoldMembers((UapiStruct) member, bytes, base + f.offset());
                continue;
            }
            List<?> elements = f.kind() == CField.Kind.ARRAY ? (List<?>) member : List.of(member);
            for (int k = 0; k < elements.size(); k++) {
                int at = base + f.offset() + k * f.type().size();
                long want = ((Number) elements.get(k)).longValue();
                long got = switch (f.type().size()) {
                    case 1 -> bb.get(at) & 0xff;
                    case 2 -> bb.getShort(at) & 0xffff;
                    case 4 -> bb.getInt(at);
                    default -> bb.getLong(at);
                };
                assertThat(got).as("%s.%s[%d] at %d", value.kernelName(), f.name(), k, at).isEqualTo(want);
            }
        }
    }

    @Test
    void every_struct_round_trips_and_its_bytes_hold_each_member_little_endian() {
        for (StructType<?> type : UapiLayouts.ALL) {
            qt().withExamples(60).forAll(values(type)).checkAssert(v -> {
                UapiStruct value = (UapiStruct) v;
                byte[] bytes = value.encode();
                assertThat(bytes).as(type.kernelName()).hasSize(type.size());
                assertBytesHoldMembers(value, bytes, 0);
                assertThat((Object) type.decode(bytes)).as(type.kernelName()).isEqualTo(value);
            });
        }
    }

    @Test
    void every_byte_image_decodes_and_encodes_back_unchanged() {
        // None of the uAPI structs has implicit padding, so bytes -> value -> bytes is the identity.
        for (StructType<?> type : UapiLayouts.ALL) {
            Gen<byte[]> images = Generate.byteArrays(Generate.constant(type.size()),
                Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
            qt().withExamples(60).forAll(images).checkAssert(bytes ->
                assertThat(((UapiStruct) type.decode(bytes)).encode()).as(type.kernelName()).isEqualTo(bytes));
        }
    }

    // ---- exact images -----------------------------------------------------------------------------------------

    @Test
    void destroy_is_size_then_id() {
        assertThat(HEX.formatHex(new IommuDestroy(8, 0x11223344).encode())).isEqualTo("0800000044332211");
    }

    @Test
    void ioas_map_image() {
        IommuIoasMap map = new IommuIoasMap(40, IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA
            | IommufdConstants.IOMMU_IOAS_MAP_READABLE, 3, 0, 0x7f00_0000_1000L, 0x20_0000L, 0xffff_ffff_ffff_f000L);
        assertThat(HEX.formatHex(map.encode())).isEqualTo(
            "28000000" + "05000000" + "03000000" + "00000000"
                + "00100000007f0000" + "0000200000000000" + "00f0ffffffffffff");
        assertThat(IommuIoasMap.decode(map.encode())).isEqualTo(map);
    }

    @Test
    void hw_info_image_with_union_and_byte_members() {
        IommuHwInfo info = new IommuHwInfo(40, 1, 7, 40, 0x1000L, 2, 20, List.of(0, 0, 0), 0x5L);
        assertThat(HEX.formatHex(info.encode())).isEqualTo(
            "28000000" + "01000000" + "07000000" + "28000000" + "0010000000000000"
                + "02000000" + "14" + "000000" + "0500000000000000");
        assertThat(info.outDataType()).isEqualTo(info.inDataType());
        assertThat(info.withOutDataType(3).inDataType()).isEqualTo(3);
    }

    @Test
    void vste_image_is_two_little_endian_dwords() {
        IommuHwptArmSmmuv3 ste = new IommuHwptArmSmmuv3(List.of(0x0000_0000_8000_000bL, 0x0000_0000_0800_0000L));
        assertThat(HEX.formatHex(ste.encode())).isEqualTo("0b00008000000000" + "0000000800000000");
    }

    @Test
    void v1_invalidate_image_with_padding_and_embedded_range() {
        IommuHwptInvalidateArmSmmuv3V1 inv = new IommuHwptInvalidateArmSmmuv3V1(
            IommufdConstants.IOMMU_SMMUV3_CMDQ_TLBI_VA_LEAF, 0x12, List.of(0, 0, 0), 5, 0, 4096,
            new IommuIovaRange(0x1000L, 0x1fffL));
        assertThat(HEX.formatHex(inv.encode())).isEqualTo(
            "0100000000000000" + "12" + "000000" + "05000000" + "00000000" + "00100000"
                + "0010000000000000" + "ff1f000000000000");
        assertThat(IommuHwptInvalidateArmSmmuv3V1.decode(inv.encode())).isEqualTo(inv);
    }

    @Test
    void v1_hwpt_data_image() {
        IommuHwptArmSmmuv3V1 v1 = new IommuHwptArmSmmuv3V1(IommufdConstants.IOMMU_SMMUV3_FLAG_VMID, 9, 0,
            0x8000_0000L, 3, 1, 2);
        assertThat(HEX.formatHex(v1.encode())).isEqualTo(
            "0200000000000000" + "09000000" + "00000000" + "0000008000000000" + "0300000000000000"
                + "0100000000000000" + "0200000000000000");
    }

    @Test
    void signed_fd_and_unsigned_ids_keep_their_bit_patterns() {
        IommuIoasMapFile file = new IommuIoasMapFile(40, 0, -1, -1, 0, 0, 0);
        byte[] b = file.encode();
        assertThat(HEX.formatHex(b, 8, 16)).isEqualTo("ffffffffffffffff");
        assertThat(IommuIoasMapFile.decode(b).fd()).isEqualTo(-1);
        IommuHwptInvalidate inv = new IommuHwptInvalidate(32, 1, 0, 1, 16, 0xffff_fffe, 0);
        assertThat(inv.entryNumUnsigned()).isEqualTo(0xffff_fffeL);
        assertThat(inv.sizeUnsigned()).isEqualTo(32);
    }

    // ---- value rules ------------------------------------------------------------------------------------------

    @Test
    void members_that_c_cannot_hold_are_refused_at_construction() {
        assertThatThrownBy(() -> new IommuOption(24, 0, 0x1_0000, 0, 0, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("op").hasMessageContaining("65535");
        assertThatThrownBy(() -> new IommuHwInfo(40, 0, 0, 0, 0, 0, 256, List.of(0, 0, 0), 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out_max_pasid_log2");
        assertThatThrownBy(() -> new IommuHwInfo(40, 0, 0, 0, 0, 0, 1, List.of(0, -1, 0), 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("__reserved[1]");
        assertThatThrownBy(() -> new IommuHwptArmSmmuv3(List.of(1L)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ste has exactly 2 elements");
        assertThatThrownBy(() -> new IommuHwptInvalidateArmSmmuv3V1(0, 0, List.of(0, 0, 0), 0, 0, 0, null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("range");
    }

    @Test
    void arrays_are_immutable_copies() {
        List<Long> words = new ArrayList<>(List.of(1L, 2L));
        IommuViommuArmSmmuv3Invalidate cmd = new IommuViommuArmSmmuv3Invalidate(words);
        words.set(0, 99L);
        assertThat(cmd.cmd()).containsExactly(1L, 2L);
        assertThatThrownBy(() -> cmd.cmd().set(0, 5L)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(cmd).isEqualTo(new IommuViommuArmSmmuv3Invalidate(List.of(1L, 2L)));
    }

    @Test
    void raw_decode_wants_exactly_sizeof_bytes() {
        assertThatThrownBy(() -> IommuDestroy.decode(new byte[7]))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("iommu_destroy is 8 bytes, got 7");
    }

    @Test
    void component_names_are_the_kernel_names_in_camel_case() {
        assertThat(StructType.javaName("out_ioas_id")).isEqualTo("outIoasId");
        assertThat(StructType.javaName("__reserved2")).isEqualTo("reserved2");
        assertThat(StructType.javaName("out_max_pasid_log2")).isEqualTo("outMaxPasidLog2");
        assertThat(IommuHwptAlloc.TYPE.kernelFieldName("reserved2")).isEqualTo("__reserved2");
        assertThat(IommuHwInfo.TYPE.kernelFieldName("inDataType")).isEqualTo("in_data_type");
        assertThat(new IommuDestroy(8, 1).kernelName()).isEqualTo("iommu_destroy");
        assertThat(IommuHwptArmSmmuv3V1.TYPE.kernelName()).isEqualTo("iommu_hwpt_arm_smmuv3_v1");
        for (StructType<?> t : UapiLayouts.ALL) {
            RecordComponent[] rc = t.recordClass().getRecordComponents();
            for (int i = 0; i < rc.length; i++) {
                assertThat(t.kernelFieldName(rc[i].getName())).isEqualTo(t.layout().fields().get(i).name());
            }
        }
    }

    @Test
    void withers_replace_only_their_member() {
        IommuHwptAlloc in = new IommuHwptAlloc(48, 1, 2, 3, 0, 0, 2, 16, 0x1000L, 0, 0);
        IommuHwptAlloc out = in.withOutHwptId(9);
        assertThat(out.outHwptId()).isEqualTo(9);
        assertThat(out.withOutHwptId(0)).isEqualTo(in);
        IommuHwptInvalidate inv = new IommuHwptInvalidate(32, 1, 0x2000L, 1, 16, 5, 0);
        assertThat(inv.withEntryNum(3)).isEqualTo(new IommuHwptInvalidate(32, 1, 0x2000L, 1, 16, 3, 0));
    }
}
