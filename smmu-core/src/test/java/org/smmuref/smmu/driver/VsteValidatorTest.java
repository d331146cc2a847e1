package org.smmuref.smmu.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;

/** Section 2.2, bit by bit: the masks, every Config, every EATS, V=0. */
class VsteValidatorTest {
    private static final long S1 = 1 | 5 << 1;

    private static void eio(long q0, long q1) {
        assertThatThrownBy(() -> VsteValidator.validate(q0, q1)).isInstanceOfSatisfying(IommufdException.class,
            e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    }

    @Test
    void theMasksAreTheUapiConstants() {
        assertThat(SteWords.NESTING_ALLOWED_0).isEqualTo(IommufdConstants.STRTAB_STE_0_NESTING_ALLOWED);
        assertThat(SteWords.NESTING_ALLOWED_1).isEqualTo(IommufdConstants.STRTAB_STE_1_NESTING_ALLOWED);
    }

    @Test
    void everySingleBitOutsideTheMasksIsEio() {
        int refused = 0;
        for (int bit = 0; bit < 64; bit++) {
            long b = 1L << bit;
            if ((SteWords.NESTING_ALLOWED_0 & b) == 0) {
                eio(S1 | b, 0);
                refused++;
            }
            if ((SteWords.NESTING_ALLOWED_1 & b) == 0) {
                eio(S1, b);
                refused++;
            }
        }
        // qword0: bits 52..58; qword1: all but S1DSS/S1CIR/S1COR/S1CSH (8), S1STALLD (1), EATS (2).
        assertThat(refused).isEqualTo(7 + 64 - 11);
    }

    @Test
    void everyAllowedFieldAtItsMaximumIsAccepted() {
        VsteValidator.Vste v = VsteValidator.validate(SteWords.NESTING_ALLOWED_0 & ~(7L << 1) | 5 << 1,
            SteWords.NESTING_ALLOWED_1 & ~(2L << 28));
        assertThat(v.config()).isEqualTo(5);
        assertThat(v.enableAts()).isTrue();
        assertThat(v.ste1() & (3L << 28)).as("EATS is not stored").isZero();
    }

    @Test
    void onlyAbortBypassAndStage1ConfigsAreAccepted() {
        for (int cfg = 0; cfg < 8; cfg++) {
            long q0 = 1 | (long) cfg << 1;
            if (cfg == 0 || cfg == 4 || cfg == 5) {
                assertThat(VsteValidator.validate(q0, 0).config()).isEqualTo(cfg);
            } else {
                eio(q0, 0);
            }
        }
    }

    @Test
    void eatsMayOnlyBeAbsentOrFullAts() {
        assertThat(VsteValidator.validate(S1, 0).enableAts()).isFalse();
        assertThat(VsteValidator.validate(S1, 1L << 28).enableAts()).isTrue();
        eio(S1, 2L << 28);
        eio(S1, 3L << 28);
        // ATS means nothing without stage 1: accepted, not enabled.
        assertThat(VsteValidator.validate(1 | 4 << 1, 1L << 28).enableAts()).isFalse();
        assertThat(VsteValidator.validate(1, 1L << 28).enableAts()).isFalse();
    }

    @Test
    void anInvalidVsteIsZeroWhateverElseItHolds() {
        VsteValidator.Vste v = VsteValidator.validate(-2L, -1L);
        assertThat(v.ste0()).isZero();
        assertThat(v.ste1()).isZero();
        assertThat(v.config()).isEqualTo(SteWords.CFG_ABORT);
    }
}
