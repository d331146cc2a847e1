package org.smmuref.iommufd.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Decodes arbitrary bytes as any command and as driver data: every outcome is a value or a {@link UapiException}
 * with one of the errnos the rules define, never another exception. A normal test run replays the seed corpus in
 * {@code src/test/resources/.../UapiFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes with coverage guidance.
 */
class UapiFuzzTest {
    private static final IommufdCommand[] COMMANDS = IommufdCommand.values();
    private static final Set<Errno> IOCTL_ERRNOS = EnumSet.of(Errno.ENOTTY, Errno.EFAULT, Errno.EINVAL, Errno.E2BIG);
    private static final Set<Errno> DATA_ERRNOS = EnumSet.of(Errno.EFAULT, Errno.EINVAL, Errno.E2BIG, Errno.ENOMEM);

    /**
     * Byte 0 picks the ioctl: below 21 a table command, 0xff a raw 16-bit value from bytes 1-2, anything else
     * {@code 0x3b00 | byte}; the rest is the caller's argument buffer.
     */
    @FuzzTest(maxDuration = "30s")
    void decoding_any_bytes_as_any_command_gives_a_value_or_an_errno(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int sel = input[0] & 0xff;
        int from = 1;
        int ioctl;
        if (sel < COMMANDS.length) {
            ioctl = COMMANDS[sel].ioctl();
        } else if (sel == 0xff && input.length >= 3) {
            ioctl = ((input[1] & 0xff) << 8) | (input[2] & 0xff);
            from = 3;
        } else {
            ioctl = IommufdConstants.ioctl(sel);
        }
        byte[] user = Arrays.copyOfRange(input, from, input.length);
        try {
            IoctlCall call = ExtensibleStructs.decodeIoctl(ioctl, user);
            IommufdCommand c = call.command();
            assertThat(c.ioctl()).isEqualTo(ioctl);
            assertThat(call.userSizeUnsigned()).isGreaterThanOrEqualTo(c.minSize());
            int read = (int) Math.min(call.userSizeUnsigned(), c.size());
            byte[] expected = Arrays.copyOf(Arrays.copyOf(user, read), c.size());
            assertThat(call.argument().encode()).isEqualTo(expected);
            assertThat(call.respond(call.argument())).hasSize(read);
        } catch (UapiException e) {
            assertThat(e.errno()).isIn(IOCTL_ERRNOS);
            assertThat(e.getMessage()).startsWith(e.errno().name() + ": ");
        }
    }

    /**
     * Bytes 0-3 entry_len (u32), 4-7 entry_num (u32), byte 8 data type, byte 9 index; the rest is the caller's
     * array. Runs the three driver-data helpers on it.
     */
    @FuzzTest(maxDuration = "30s")
    void driver_data_helpers_give_a_value_or_an_errno(byte[] input) {
        if (input.length < 10) {
            return;
        }
        long entryLen = CType.U32.read(input, 0);
        int entryNum = (int) CType.U32.read(input, 4);
        int type = input[8] & 3;
        int index = input[9] & 0xff;
        byte[] rest = Arrays.copyOfRange(input, 10, input.length);
        int arm = IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
        UserDataArray array = UserDataArray.of(type, entryLen, entryNum, rest);
        expectValueOrErrno(() -> assertThat(ExtensibleStructs.copyStructFromFullUserArray(array,
            IommuViommuArmSmmuv3Invalidate.TYPE, arm)).hasSize(entryNum));
        expectValueOrErrno(() -> ExtensibleStructs.copyStructFromUserArray(array, IommuHwptArmSmmuv3V1.TYPE, arm,
            index, "s1ctxptr"));
        UserData data = new UserData(type, UserBuffer.of(rest), entryLen);
        expectValueOrErrno(() -> ExtensibleStructs.copyStructFromUser(data, IommuHwptArmSmmuv3.TYPE,
            IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3, "ste"));
    }

    private static void expectValueOrErrno(Runnable r) {
        try {
            r.run();
        } catch (UapiException e) {
            assertThat(e.errno()).isIn(DATA_ERRNOS);
        }
    }
}
