package org.smmuref.smmu.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The v7.4 per-opcode field checks ({@code arm_vsmmu_validate_user_cmd}, {@code arm_vsmmu_validate_range}; the
 * commit "Reject unsupported bits in invalidation commands"), on commands encoded here from smmuv3.md's table.
 */
class GuestCommandsValidateTest {
    private static final GuestCommands.Limits FULL = new GuestCommands.Limits(16, true, true, true);
    private static final GuestCommands.Limits BARE = new GuestCommands.Limits(8, false, false, false);

    private static Errno check(long q0, long q1, GuestCommands.Limits limits) {
        try {
            GuestCommands.validate(q0, q1, limits);
            return null;
        } catch (IommufdException e) {
            return e.errno();
        }
    }

    private static long nhVa(long vmid, long asid, long num, long scale) {
        return 0x12 | num << 12 | scale << 20 | vmid << 32 | asid << 48;
    }

    private static long va1(long addr, boolean leaf, int ttl, int tg) {
        return addr | (leaf ? 1 : 0) | (long) ttl << 8 | (long) tg << 10;
    }

    @Test
    void eachOpcodeAcceptsItsFieldsAndNothingElse() {
        assertThat(check(0x30, 0, FULL)).isNull();
        assertThat(check(0x30 | 1L << 32, 0, FULL)).as("NSNH_ALL takes no VMID").isEqualTo(Errno.EIO);
        assertThat(check(0x10 | 7L << 32, 0, FULL)).isNull();
        assertThat(check(0x10, 1, FULL)).as("NH_ALL dword 1").isEqualTo(Errno.EIO);
        assertThat(check(0x11 | 7L << 32 | 0x1234L << 48, 0, FULL)).isNull();
        assertThat(check(0x11 | 0x1234L << 48, 0, BARE)).as("ASID beyond 8 ASID bits").isEqualTo(Errno.EIO);
        assertThat(check(0x11 | 1L << 10, 0, FULL)).as("SSec").isEqualTo(Errno.EIO);
        assertThat(check(0x05 | 0x42L << 32 | 3L << 12, 1, FULL)).isNull();
        assertThat(check(0x05 | 0x42L << 32 | 3L << 12, 1, BARE)).as("SSID without substreams").isEqualTo(Errno.EIO);
        assertThat(check(0x06 | 0x42L << 32, 1, FULL)).as("CFGI_CD_ALL has no Leaf").isEqualTo(Errno.EIO);
        assertThat(check(0x03 | 0x42L << 32, 0, FULL)).as("CFGI_STE").isEqualTo(Errno.EIO);
    }

    @Test
    void atcInvNeedsAtsAndASizeUpTo52() {
        assertThat(check(0x40 | 0x42L << 32, 52, FULL)).isNull();
        assertThat(check(0x40 | 0x42L << 32, 53, FULL)).isEqualTo(Errno.EIO);
        assertThat(check(0x40 | 0x42L << 32, 0, BARE)).as("no ATS").isEqualTo(Errno.EIO);
        assertThat(check(0x40 | 0x42L << 32 | 1L << 11 | 5L << 12 | 1L << 9, 0, FULL)).isNull();
    }

    @Test
    void rangeFieldsFollowTheRangeRules() {
        assertThat(check(nhVa(1, 2, 0, 0), va1(0x4000, true, 0, 0), FULL)).isNull();
        assertThat(check(nhVa(1, 2, 3, 0), va1(0x4000, true, 0, 0), FULL)).as("TG 0 with NUM").isEqualTo(Errno.EIO);
        assertThat(check(nhVa(1, 2, 0, 0), va1(0x4000, true, 0, 1), FULL)).as("reserved NUM=SCALE=TTL=0")
            .isEqualTo(Errno.EIO);
        assertThat(check(nhVa(1, 2, 3, 1), va1(0x4000, true, 0, 1), FULL)).isNull();
        assertThat(check(nhVa(1, 2, 0, 0), va1(0x4000, true, 3, 1), FULL)).as("TTL alone is a range hint").isNull();
        assertThat(check(nhVa(1, 2, 0, 0), va1(0x4000, true, 1, 2), FULL)).as("16K TTL 1 needs DS")
            .isEqualTo(Errno.EIO);
        assertThat(check(nhVa(1, 2, 3, 1), va1(0x4000, true, 0, 1), BARE)).as("no RIL: NUM is stray")
            .isEqualTo(Errno.EIO);
        assertThat(check(nhVa(1, 2, 0, 0) | 1L << 25, va1(0x4000, true, 0, 1), FULL)).as("SCALE bit 5 without DS")
            .isEqualTo(Errno.EIO);
        assertThat(check(nhVa(1, 2, 0, 0), va1(0x4000, true, 0, 0) | 1L << 7, FULL)).as("TTL128")
            .isEqualTo(Errno.EIO);
        assertThat(check(0x13 | 1L << 32 | 5L << 48, va1(0x4000, true, 0, 0), FULL)).as("NH_VAA has no ASID")
            .isEqualTo(Errno.EIO);
        assertThatCode(() -> GuestCommands.validate(0x13 | 1L << 32, va1(0x4000, false, 0, 0), FULL))
            .doesNotThrowAnyException();
    }
}
