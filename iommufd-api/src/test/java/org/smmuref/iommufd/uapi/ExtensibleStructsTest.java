package org.smmuref.iommufd.uapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quicktheories.generators.Generate;

/** The extensible-struct rules of iommufd-driver.md section 1.1 and the driver-data helpers of section 1.2. */
class ExtensibleStructsTest {

    /** A buffer of {@code length} bytes filled with {@code fill}, whose first u32 is {@code size}. */
    private static byte[] buffer(int length, int size, int fill) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) fill);
        if (length >= 4) {
            CType.U32.write(b, 0, size);
        }
        return b;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertErrno(Runnable call, Errno errno) {
        return assertThatThrownBy(call::run).isInstanceOf(UapiException.class)
            .satisfies(e -> assertThat(((UapiException) e).errno()).isEqualTo(errno))
            .hasMessageStartingWith(errno.name() + ": ");
    }

    // ---- top-level ioctl arguments, for every command -----------------------------------------------------------

    @ParameterizedTest
    @EnumSource(IommufdCommand.class)
    void size_one_below_min_size_is_einval(IommufdCommand c) {
        byte[] b = buffer(c.size(), c.minSize() - 1, 0);
        assertErrno(() -> ExtensibleStructs.decodeIoctl(c.ioctl(), b), Errno.EINVAL)
            .hasMessageContaining(c.struct().kernelName())
            .hasMessageContaining("size " + (c.minSize() - 1) + " is below min_size " + c.minSize());
    }

    @ParameterizedTest
    @EnumSource(IommufdCommand.class)
    void one_byte_more_than_sizeof_with_a_non_zero_tail_is_e2big(IommufdCommand c) {
        byte[] b = buffer(c.size() + 1, c.size() + 1, 0);
        b[c.size()] = (byte) 0xff;
        assertErrno(() -> ExtensibleStructs.decodeIoctl(c.ioctl(), b), Errno.E2BIG)
            .hasMessageContaining("byte " + c.size() + " of the unknown tail is 0xff");
    }

    @ParameterizedTest
    @EnumSource(IommufdCommand.class)
    void one_byte_more_than_sizeof_with_a_zero_tail_behaves_as_sizeof(IommufdCommand c) {
        byte[] longer = buffer(c.size() + 1, c.size() + 1, 0x5a);
        longer[c.size()] = 0;
        byte[] exact = Arrays.copyOf(longer, c.size());
        CType.U32.write(exact, 0, c.size());
        IoctlCall a = ExtensibleStructs.decodeIoctl(c.ioctl(), longer);
        IoctlCall b = ExtensibleStructs.decodeIoctl(c.ioctl(), exact);
        assertThat(a.userSize()).isEqualTo(c.size() + 1);
        assertThat(Arrays.copyOfRange(a.argument().encode(), 4, c.size()))
            .isEqualTo(Arrays.copyOfRange(b.argument().encode(), 4, c.size()));
        assertThat(a.argument().encode()).hasSize(c.size());
    }

    @ParameterizedTest
    @EnumSource(IommufdCommand.class)
    void any_size_from_min_to_sizeof_reads_that_many_bytes_and_zero_fills_the_rest(IommufdCommand c) {
        qt().withExamples(40)
            .forAll(integers().between(c.minSize(), c.size()),
                Generate.byteArrays(Generate.constant(c.size() + 16), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0)))
            .checkAssert((size, raw) -> {
                byte[] user = raw.clone();
                CType.U32.write(user, 0, size);
                byte[] expected = Arrays.copyOf(Arrays.copyOf(user, size), c.size());
                IoctlCall call = ExtensibleStructs.decodeIoctl(c.ioctl(), user);
                assertThat(call.command()).isEqualTo(c);
                assertThat(call.argument().encode()).as("%s size %d", c, size).isEqualTo(expected);
                assertThat(call.argument().structType()).isSameAs(c.struct());
            });
    }

    @Test
    void hwpt_alloc_of_an_old_caller_sees_no_driver_data() {
        // A 24-byte caller knows nothing of data_type/data_len/data_uptr/fault_id: whatever follows is not read.
        byte[] b = buffer(48, 24, 0xff);
        IommuHwptAlloc a = ExtensibleStructs.decodeIoctl(IommufdCommand.HWPT_ALLOC.ioctl(), b)
            .argument(IommuHwptAlloc.class);
        assertThat(a.flags()).isEqualTo(-1);
        assertThat(a.reserved()).isEqualTo(-1);
        assertThat(a.dataType()).isZero();
        assertThat(a.dataLen()).isZero();
        assertThat(a.dataUptr()).isZero();
        assertThat(a.faultId()).isZero();
        assertThat(a.reserved2()).isZero();
    }

    @Test
    void veventq_alloc_without_its_trailing_reserved_is_accepted() {
        IommuVeventqAlloc q = ExtensibleStructs.decodeIoctl(IommufdCommand.VEVENTQ_ALLOC.ioctl(), buffer(32, 28, 0x11))
            .argument(IommuVeventqAlloc.class);
        assertThat(q.outVeventqFd()).isEqualTo(0x11111111);
        assertThat(q.reserved()).isZero();
    }

    @Test
    void unknown_command_numbers_are_enotty() {
        for (int nr : new int[] {0x7f, 0x95, 0xa0, 0x00, 0xff}) {
            assertErrno(() -> ExtensibleStructs.decodeIoctl(IommufdConstants.ioctl(nr), buffer(64, 8, 0)), Errno.ENOTTY)
                .hasMessageContaining(String.format("0x%x", nr));
        }
    }

    @Test
    void a_known_number_with_other_ioctl_bits_is_enotty_after_reading_size() {
        int wrongType = 0x3c80;
        assertErrno(() -> ExtensibleStructs.decodeIoctl(wrongType, buffer(8, 8, 0)), Errno.ENOTTY)
            .hasMessageContaining("is not IOMMU_DESTROY");
        // the size is read first: no readable size means EFAULT even for the wrong full value
        assertErrno(() -> ExtensibleStructs.decodeIoctl(wrongType, new byte[2]), Errno.EFAULT);
    }

    @Test
    void fewer_than_four_bytes_cannot_hold_size_and_are_efault() {
        for (int len = 0; len < 4; len++) {
            byte[] b = new byte[len];
            assertErrno(() -> ExtensibleStructs.decodeIoctl(IommufdCommand.DESTROY.ioctl(), b), Errno.EFAULT)
                .hasMessageContaining("size member");
        }
    }

    @Test
    void a_size_larger_than_the_callers_memory_is_efault() {
        assertErrno(() -> ExtensibleStructs.decodeIoctl(IommufdCommand.IOAS_MAP.ioctl(), buffer(39, 40, 0)),
            Errno.EFAULT);
        assertErrno(() -> ExtensibleStructs.decodeIoctl(IommufdCommand.IOAS_MAP.ioctl(), buffer(40, 0xffff_ffff, 0)),
            Errno.EFAULT);
    }

    @Test
    void bytes_after_size_in_the_callers_buffer_are_not_read() {
        // The event-bus form puts arrays right after the struct: they must not count as a non-zero tail.
        byte[] b = buffer(40 + 32, 40, 0);
        Arrays.fill(b, 40, b.length, (byte) 0x77);
        assertThat(ExtensibleStructs.decodeIoctl(IommufdCommand.IOAS_MAP.ioctl(), b).argument())
            .isEqualTo(new IommuIoasMap(40, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void the_answer_is_cut_to_the_callers_size() {
        IoctlCall old = ExtensibleStructs.decodeIoctl(IommufdCommand.HWPT_ALLOC.ioctl(), buffer(24, 24, 0));
        IommuHwptAlloc answer = old.argument(IommuHwptAlloc.class).withOutHwptId(7);
        byte[] out = old.respond(answer);
        assertThat(out).hasSize(24);
        assertThat(CType.U32.read(out, IommuHwptAlloc.LAYOUT.offsetOf("out_hwpt_id"))).isEqualTo(7);
        IoctlCall big = ExtensibleStructs.decodeIoctl(IommufdCommand.HWPT_ALLOC.ioctl(), buffer(100, 100, 0));
        assertThat(big.respond(answer)).hasSize(48);
        assertThatThrownBy(() -> big.respond(new IommuDestroy(8, 1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_typed_argument_gets_the_same_rules() {
        IommuHwptAlloc old = new IommuHwptAlloc(24, 1, 2, 3, 0, 0, 2, 16, 0x1000, 5, 0);
        IoctlCall call = ExtensibleStructs.normalize(old);
        assertThat(call.argument()).isEqualTo(new IommuHwptAlloc(24, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0));
        IommuHwptAlloc full = new IommuHwptAlloc(48, 1, 2, 3, 0, 0, 2, 16, 0x1000, 5, 0);
        assertThat(ExtensibleStructs.normalize(full).argument()).isEqualTo(full);
        assertThat(ExtensibleStructs.normalize(full.withOutHwptId(0)).userSize()).isEqualTo(48);
        IommuHwptAlloc larger = new IommuHwptAlloc(64, 1, 2, 3, 0, 0, 2, 16, 0x1000, 5, 0);
        assertThat(ExtensibleStructs.normalize(larger).argument()).isEqualTo(larger);
        assertErrno(() -> ExtensibleStructs.normalize(new IommuHwptAlloc(23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            Errno.EINVAL);
        assertErrno(() -> ExtensibleStructs.normalize(new IommuDestroy(2, 1)), Errno.EINVAL)
            .hasMessageContaining("size 2 is below min_size 8");
        assertThatThrownBy(() -> ExtensibleStructs.normalize(null)).isInstanceOf(NullPointerException.class);
    }

    // ---- iommu_copy_struct_from_user -----------------------------------------------------------------------------

    private static byte[] v1Bytes(int len, int fill) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    @Test
    void single_struct_helper_checks_type_then_length_both_ways() {
        StructType<IommuHwptArmSmmuv3> t = IommuHwptArmSmmuv3.TYPE;
        int arm = IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3;
        assertErrno(() -> ExtensibleStructs.copyStructFromUser(UserData.of(1, new byte[16]), t, arm, "ste"),
            Errno.EINVAL).hasMessageContaining("data type 1 is not the expected 2");
        assertErrno(() -> ExtensibleStructs.copyStructFromUser(UserData.of(arm, new byte[15]), t, arm, "ste"),
            Errno.EINVAL).hasMessageContaining("data_len 15 is below 16");
        // longer than the kernel's struct is EINVAL even when the extra bytes are zero (not E2BIG)
        assertErrno(() -> ExtensibleStructs.copyStructFromUser(UserData.of(arm, new byte[17]), t, arm, "ste"),
            Errno.EINVAL).hasMessageContaining("above sizeof 16");
        assertThat(ExtensibleStructs.copyStructFromUser(UserData.of(arm, v1Bytes(16, 1)), t, arm, "ste").ste())
            .containsExactly(0x0101010101010101L, 0x0101010101010101L);
    }

    @Test
    void single_struct_helper_zero_fills_between_min_and_sizeof() {
        StructType<IommuHwptArmSmmuv3V1> t = IommuHwptArmSmmuv3V1.TYPE;
        int v1 = IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3;
        IommuHwptArmSmmuv3V1 d = ExtensibleStructs.copyStructFromUser(UserData.of(v1, v1Bytes(32, 0xff)), t, v1,
            "s1cdmax");
        assertThat(d.s1cdmax()).isEqualTo(-1L);
        assertThat(d.s1fmt()).isZero();
        assertThat(d.s1dss()).isZero();
        assertErrno(() -> ExtensibleStructs.copyStructFromUser(UserData.of(v1, v1Bytes(31, 0)), t, v1, "s1cdmax"),
            Errno.EINVAL);
    }

    @Test
    void single_struct_helper_checks_length_before_reading_memory() {
        int arm = IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3;
        UserData huge = new UserData(arm, UserBuffer.empty(), 1L << 40);
        assertErrno(() -> ExtensibleStructs.copyStructFromUser(huge, IommuHwptArmSmmuv3.TYPE, arm, "ste"),
            Errno.EINVAL);
        UserData missing = new UserData(arm, UserBuffer.of(new byte[8]), 16);
        assertErrno(() -> ExtensibleStructs.copyStructFromUser(missing, IommuHwptArmSmmuv3.TYPE, arm, "ste"),
            Errno.EFAULT);
    }

    // ---- iommu_copy_struct_from_full_user_array ------------------------------------------------------------------

    private static final int ARM_INV = IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
    private static final StructType<IommuViommuArmSmmuv3Invalidate> CMD = IommuViommuArmSmmuv3Invalidate.TYPE;

    private static byte[] commands(int entryLen, long... words) {
        int n = words.length / 2;
        byte[] b = new byte[entryLen * n];
        for (int i = 0; i < n; i++) {
            byte[] one = new IommuViommuArmSmmuv3Invalidate(List.of(words[2 * i], words[2 * i + 1])).encode();
            System.arraycopy(one, 0, b, i * entryLen, Math.min(entryLen, 16));
        }
        return b;
    }

    @Test
    void full_array_helper_copies_every_entry() {
        byte[] b = commands(16, 0x10, 0, 0x12, 0x1000);
        List<IommuViommuArmSmmuv3Invalidate> cmds =
            ExtensibleStructs.copyStructFromFullUserArray(UserDataArray.of(ARM_INV, 16, 2, b), CMD, ARM_INV);
        assertThat(cmds).containsExactly(new IommuViommuArmSmmuv3Invalidate(List.of(0x10L, 0L)),
            new IommuViommuArmSmmuv3Invalidate(List.of(0x12L, 0x1000L)));
    }

    @Test
    void full_array_helper_refuses_a_type_mismatch_and_an_empty_array() {
        assertErrno(() -> ExtensibleStructs.copyStructFromFullUserArray(
            UserDataArray.of(0, 16, 1, new byte[16]), CMD, ARM_INV), Errno.EINVAL).hasMessageContaining("data type 0");
        assertErrno(() -> ExtensibleStructs.copyStructFromFullUserArray(
            UserDataArray.of(ARM_INV, 16, 0, new byte[0]), CMD, ARM_INV), Errno.EINVAL)
            .hasMessageContaining("entry_num is 0");
    }

    @Test
    void full_array_helper_zero_fills_short_entries_with_no_minimum() {
        byte[] b = commands(8, 0x11, 0x99, 0x13, 0x99);
        assertThat(ExtensibleStructs.copyStructFromFullUserArray(UserDataArray.of(ARM_INV, 8, 2, b), CMD, ARM_INV))
            .containsExactly(new IommuViommuArmSmmuv3Invalidate(List.of(0x11L, 0L)),
                new IommuViommuArmSmmuv3Invalidate(List.of(0x13L, 0L)));
        assertThat(ExtensibleStructs.copyStructFromFullUserArray(
            UserDataArray.of(ARM_INV, 0, 3, new byte[0]), CMD, ARM_INV))
            .hasSize(3).allSatisfy(c -> assertThat(c.cmd()).containsExactly(0L, 0L));
    }

    @Test
    void full_array_helper_accepts_a_zero_tail_and_refuses_a_non_zero_one_with_e2big() {
        byte[] zeroTail = commands(24, 0x10, 1, 0x11, 2);
        assertThat(ExtensibleStructs.copyStructFromFullUserArray(UserDataArray.of(ARM_INV, 24, 2, zeroTail), CMD,
            ARM_INV)).hasSize(2);
        byte[] dirty = zeroTail.clone();
        dirty[24 + 20] = 1;
        assertErrno(() -> ExtensibleStructs.copyStructFromFullUserArray(UserDataArray.of(ARM_INV, 24, 2, dirty), CMD,
            ARM_INV), Errno.E2BIG).hasMessageContaining("iommu_viommu_arm_smmuv3_invalidate[1]");
    }

    @Test
    void full_array_helper_faults_on_missing_memory_and_refuses_huge_arrays() {
        assertErrno(() -> ExtensibleStructs.copyStructFromFullUserArray(
            UserDataArray.of(ARM_INV, 16, 3, new byte[40]), CMD, ARM_INV), Errno.EFAULT);
        assertErrno(() -> ExtensibleStructs.copyStructFromFullUserArray(
            UserDataArray.of(ARM_INV, 16, -1, new byte[16]), CMD, ARM_INV), Errno.ENOMEM)
            .hasMessageContaining("4294967295 entries");
        assertErrno(() -> ExtensibleStructs.copyStructFromFullUserArray(
            new UserDataArray(ARM_INV, UserBuffer.of(new byte[16]), Long.MAX_VALUE, 2), CMD, ARM_INV), Errno.EFAULT);
    }

    // ---- iommu_copy_struct_from_user_array -----------------------------------------------------------------------

    @Test
    void per_index_helper_picks_one_entry_with_the_single_struct_rules() {
        byte[] b = commands(16, 0x10, 1, 0x11, 2, 0x12, 3);
        UserDataArray arr = UserDataArray.of(ARM_INV, 16, 3, b);
        assertThat(ExtensibleStructs.copyStructFromUserArray(arr, CMD, ARM_INV, 1, "cmd").cmd())
            .containsExactly(0x11L, 2L);
        assertErrno(() -> ExtensibleStructs.copyStructFromUserArray(arr, CMD, ARM_INV, 3, "cmd"), Errno.EINVAL)
            .hasMessageContaining("index 3 is outside entry_num 3");
        assertErrno(() -> ExtensibleStructs.copyStructFromUserArray(arr, CMD, 0, 0, "cmd"), Errno.EINVAL);
        UserDataArray shortEntries = UserDataArray.of(ARM_INV, 8, 2, new byte[16]);
        assertErrno(() -> ExtensibleStructs.copyStructFromUserArray(shortEntries, CMD, ARM_INV, 0, "cmd"),
            Errno.EINVAL).hasMessageContaining("entry_len 8 is below 16");
        UserDataArray longEntries = UserDataArray.of(ARM_INV, 24, 2, new byte[48]);
        assertErrno(() -> ExtensibleStructs.copyStructFromUserArray(longEntries, CMD, ARM_INV, 0, "cmd"),
            Errno.EINVAL).hasMessageContaining("above sizeof 16");
    }

    @Test
    void per_index_helper_zero_fills_above_its_minimum() {
        byte[] b = new byte[64];
        Arrays.fill(b, (byte) 0xee);
        UserDataArray arr = UserDataArray.of(1, 32, 2, b);
        IommuHwptArmSmmuv3V1 e = ExtensibleStructs.copyStructFromUserArray(arr, IommuHwptArmSmmuv3V1.TYPE, 1, 1,
            "s1cdmax");
        assertThat(e.s1cdmax()).isEqualTo(0xeeeeeeeeeeeeeeeeL);
        assertThat(e.s1fmt()).isZero();
    }

    // ---- reserved members, flags, copying back ------------------------------------------------------------------

    @Test
    void must_be_zero_and_unknown_flags_are_eopnotsupp() {
        ExtensibleStructs.mustBeZero("iommu_ioas_map", "__reserved", 0);
        assertErrno(() -> ExtensibleStructs.mustBeZero("iommu_ioas_map", "__reserved", 5), Errno.EOPNOTSUPP)
            .hasMessage("EOPNOTSUPP: iommu_ioas_map.__reserved must be 0, is 0x5");
        assertErrno(() -> ExtensibleStructs.mustBeZero("iommu_hw_info", "__reserved", List.of(0, 0, 7)),
            Errno.EOPNOTSUPP).hasMessageContaining("__reserved[2]");
        ExtensibleStructs.flagsWithin("iommu_ioas_map", "flags", 7, 7);
        assertErrno(() -> ExtensibleStructs.flagsWithin("iommu_ioas_map", "flags", 0x17, 7), Errno.EOPNOTSUPP)
            .hasMessageContaining("unsupported bits 0x10");
    }

    @Test
    void fit_to_user_truncates_or_zero_extends() {
        byte[] k = new IommuHwInfoArmSmmuv3(0, 0, List.of(1, 2, 3, 4, 5, 6), 7, 8).encode();
        assertThat(ExtensibleStructs.fitToUser(k, 8)).isEqualTo(Arrays.copyOf(k, 8));
        byte[] big = ExtensibleStructs.fitToUser(k, 64);
        assertThat(Arrays.copyOf(big, 40)).isEqualTo(k);
        assertThat(Arrays.copyOfRange(big, 40, 64)).containsOnly(0);
        assertThat(ExtensibleStructs.fitToUser(k, 0)).isEmpty();
    }
}
