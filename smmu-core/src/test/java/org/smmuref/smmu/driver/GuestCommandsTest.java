package org.smmuref.smmu.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.TlbInvalidation;

/** Section 2.6's conversion table: every opcode, the VMID rewrite, NSNH_ALL demotion, vSID to pSID. */
class GuestCommandsTest {
    private static final int VMID = 0x1234;
    private static final Set<Integer> ACCEPTED = Set.of(0x10, 0x11, 0x12, 0x13, 0x30, 0x40, 0x05, 0x06);

    private static long[] convert(long[] cmd) {
        return GuestCommands.convert(cmd[0], cmd[1], VMID, vsid -> {
            if (vsid == 0x42) {
                return 0x8;
            }
            throw new IommufdException(Errno.EIO, "unknown vSID");
        });
    }

    @Test
    void everyOpcodeOutsideTheAllowedListIsEio() {
        for (int op = 0; op < 256; op++) {
            long[] cmd = {op | 0x42L << 32, 0};
            if (ACCEPTED.contains(op)) {
                assertThat(convert(cmd)).hasSize(2);
            } else {
                assertThatThrownBy(() -> convert(cmd)).as("opcode 0x%x", op)
                    .isInstanceOfSatisfying(IommufdException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
            }
        }
    }

    @Test
    void stage1TlbisKeepEverythingButTheVmid() {
        long[] guest = Commands.tlbiNhVa(0x77, 9, 0x1234_5000L, new TlbInvalidation.Range(12, 3, 7, 3), true)
            .encode();
        long[] host = convert(guest);
        assertThat(host).containsExactly(
            Commands.tlbiNhVa(VMID, 9, 0x1234_5000L, new TlbInvalidation.Range(12, 3, 7, 3), true).encode());
        assertThat(convert(Commands.tlbiNhAsid(0xFFFF, 3).encode()))
            .containsExactly(Commands.tlbiNhAsid(VMID, 3).encode());
        assertThat(convert(Commands.tlbiNhAll(1).encode())).containsExactly(Commands.tlbiNhAll(VMID).encode());
        assertThat(convert(Commands.tlbiNhVaa(0, 0x8000, false).encode()))
            .containsExactly(Commands.tlbiNhVaa(VMID, 0x8000, false).encode());
    }

    @Test
    void nsnhAllBecomesNhAllOfTheVmidWithQword1Cleared() {
        long[] guest = Commands.tlbiNsnhAll().encode();
        guest[1] = -1L;
        assertThat(convert(guest)).containsExactly(Commands.tlbiNhAll(VMID).encode());
    }

    @Test
    void streamCommandsGetThePhysicalSid() {
        assertThat(convert(Commands.cfgiCd(0x42, 7, true).encode()))
            .containsExactly(Commands.cfgiCd(0x8, 7, true).encode());
        assertThat(convert(Commands.cfgiCdAll(0x42).encode())).containsExactly(Commands.cfgiCdAll(0x8).encode());
        assertThat(convert(Commands.atcInvAll(0x42).encode())).containsExactly(Commands.atcInvAll(0x8).encode());
        assertThatThrownBy(() -> convert(Commands.cfgiCdAll(0x43).encode()))
            .isInstanceOfSatisfying(IommufdException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    }
}
