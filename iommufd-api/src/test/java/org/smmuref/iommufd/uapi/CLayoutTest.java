package org.smmuref.iommufd.uapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The layout engine's C rules on small made-up structs, and StructType's refusal of records that drift. */
class CLayoutTest {

    @Test
    void members_are_aligned_and_the_struct_is_padded_to_its_alignment() {
        CLayout l = CLayout.struct("t").u8("a").u32("b").u16("c").alignedU64("d").u8("e").build();
        assertThat(l.offsetOf("a")).isZero();
        assertThat(l.offsetOf("b")).isEqualTo(4);
        assertThat(l.offsetOf("c")).isEqualTo(8);
        assertThat(l.offsetOf("d")).isEqualTo(16);
        assertThat(l.offsetOf("e")).isEqualTo(24);
        assertThat(l.offsetOfEnd("e")).isEqualTo(25);
        assertThat(l.size()).isEqualTo(32);
        assertThat(l.alignment()).isEqualTo(8);
    }

    @Test
    void a_struct_of_small_members_keeps_their_alignment() {
        CLayout l = CLayout.struct("t").u16("a").u8("b").build();
        assertThat(l.size()).isEqualTo(4);
        assertThat(l.alignment()).isEqualTo(2);
        assertThat(CLayout.struct("bytes").array(CType.U8, "x", 3).build().size()).isEqualTo(3);
    }

    @Test
    void arrays_unions_and_embedded_structs() {
        CLayout inner = CLayout.struct("inner").u32("x").u64("y").build();
        CLayout l = CLayout.struct("t").u8("a").struct(inner, "in").union(CType.U16, "p", "q")
            .array(CType.U32, "arr", 3).build();
        assertThat(inner.size()).isEqualTo(16);
        assertThat(l.offsetOf("in")).isEqualTo(8);
        assertThat(l.offsetOf("p")).isEqualTo(24).isEqualTo(l.offsetOf("q"));
        assertThat(l.offsetOf("arr")).isEqualTo(28);
        assertThat(l.field("arr").elementOffset(2)).isEqualTo(36);
        assertThat(l.size()).isEqualTo(40);
        assertThat(l.field("q").aliases()).containsExactly("p", "q");
        assertThat(l.field("p").declaration()).isEqualTo("union { __u16 p, __u16 q }");
        assertThat(l.field("arr").declaration()).isEqualTo("__u32 arr[3]");
        assertThat(l.field("in").declaration()).isEqualTo("struct inner in");
        assertThat(l.has("zz")).isFalse();
    }

    @Test
    void bad_declarations_are_refused() {
        assertThatThrownBy(() -> CLayout.struct("t").u32("a").u32("a").build())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("member a declared twice");
        assertThatThrownBy(() -> CLayout.struct("t").build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> CLayout.struct("t").array(CType.U8, "a", 0))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CLayout.struct("t").union(CType.U8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IommuDestroy.LAYOUT.offsetOf("nope"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("iommu_destroy has no member nope");
        assertThatThrownBy(() -> IommuHwInfoArmSmmuv3.LAYOUT.field("idr").elementOffset(6))
            .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void ctype_reads_and_writes_little_endian_with_sign_only_for_s32() {
        byte[] b = new byte[8];
        CType.U32.write(b, 0, 0xfffffffeL);
        assertThat(CType.U32.read(b, 0)).isEqualTo(0xfffffffeL);
        assertThat(CType.S32.read(b, 0)).isEqualTo(-2);
        CType.U16.write(b, 0, 0xbeef);
        assertThat(b[0]).isEqualTo((byte) 0xef);
        assertThat(b[1]).isEqualTo((byte) 0xbe);
        assertThatThrownBy(() -> CType.U8.checkRange("m", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CType.U32.checkRange("m", 1L << 32)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A record whose component is misnamed. */
    record Misnamed(int size, int ident) implements UapiStruct {
        @Override
        public StructType<?> structType() {
            throw new UnsupportedOperationException();
        }
    }

    /** A record whose component has the wrong Java type for a 64-bit member. */
    record NarrowLong(int size, int iova) implements UapiStruct {
        @Override
        public StructType<?> structType() {
            throw new UnsupportedOperationException();
        }
    }

    /** A record with an array held as a list of the wrong element type. */
    record WrongArray(List<Integer> ste) implements UapiStruct {
        @Override
        public StructType<?> structType() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void struct_type_refuses_records_that_do_not_match_the_declaration() {
        assertThatThrownBy(() -> StructType.of(Misnamed.class, IommuDestroy.LAYOUT))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be called id");
        assertThatThrownBy(() -> StructType.of(NarrowLong.class, CLayout.struct("x").u32("size").alignedU64("iova").build()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be long");
        assertThatThrownBy(() -> StructType.of(WrongArray.class, IommuHwptArmSmmuv3.LAYOUT))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("List<Long>");
        assertThatThrownBy(() -> StructType.of(Misnamed.class, IommuIoasAlloc.LAYOUT))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 components but struct iommu_ioas_alloc has 3");
    }
}
