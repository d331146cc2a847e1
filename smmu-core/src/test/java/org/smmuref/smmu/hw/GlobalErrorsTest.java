package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GERROR / GERRORN against smmuv3.md section 1: bit positions and the toggle protocol. */
class GlobalErrorsTest {

    @Test
    void gerrorBitPositionsMatchTheRegisterTable() {
        assertThat(GlobalErrors.CMDQ_ERR).isEqualTo(0);
        assertThat(GlobalErrors.EVENTQ_ABT_ERR).isEqualTo(2);
        assertThat(GlobalErrors.PRIQ_ABT_ERR).isEqualTo(3);
        assertThat(GlobalErrors.MSI_CMDQ_ABT_ERR).isEqualTo(4);
        assertThat(GlobalErrors.MSI_EVENTQ_ABT_ERR).isEqualTo(5);
        assertThat(GlobalErrors.MSI_PRIQ_ABT_ERR).isEqualTo(6);
        assertThat(GlobalErrors.MSI_GERROR_ABT_ERR).isEqualTo(7);
        assertThat(GlobalErrors.SFM_ERR).isEqualTo(8);
        assertThat(GlobalErrors.CMDQP_ERR).isEqualTo(9);
        assertThat(GlobalErrors.DPT_ERR).isEqualTo(10);
        // Bit 1 and bits above 10 are not errors.
        assertThat(GlobalErrors.DEFINED_BITS).isEqualTo(0b111_1111_1101);
    }

    @Test
    void gerrorBit1IsNotAnError() {
        assertThatThrownBy(() -> new GlobalErrors().raise(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GlobalErrors().raise(11)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void errorIsActiveWhileGerrorDiffersFromGerrorn() {
        GlobalErrors g = new GlobalErrors();
        List<Integer> raised = new ArrayList<>();
        g.addRaiseListener(raised::add);

        assertThat(g.raise(GlobalErrors.SFM_ERR)).isTrue();
        assertThat(g.gerror()).isEqualTo(1 << 8);
        assertThat(g.isActive(GlobalErrors.SFM_ERR)).isTrue();
        // Raising an active error does not toggle GERROR back (that would deactivate it).
        assertThat(g.raise(GlobalErrors.SFM_ERR)).isFalse();
        assertThat(g.gerror()).isEqualTo(1 << 8);
        assertThat(raised).containsExactly(GlobalErrors.SFM_ERR);

        // Software acknowledges by toggling GERRORN to match.
        assertThat(g.writeGerrorn(g.gerror())).isEqualTo(1 << 8);
        assertThat(g.active()).isZero();

        // A second occurrence toggles GERROR again: now GERROR[8] = 0 and GERRORN[8] = 1.
        assertThat(g.raise(GlobalErrors.SFM_ERR)).isTrue();
        assertThat(g.gerror() & (1 << 8)).isZero();
        assertThat(g.isActive(GlobalErrors.SFM_ERR)).isTrue();
    }

    @Test
    void gerrornTogglesOfInactiveErrorsAreIgnored() {
        GlobalErrors g = new GlobalErrors();
        g.raise(GlobalErrors.CMDQ_ERR);
        int acknowledged = g.writeGerrorn(GlobalErrors.DEFINED_BITS);
        assertThat(acknowledged).isEqualTo(1 << GlobalErrors.CMDQ_ERR);
        assertThat(g.gerrorn()).isEqualTo(1 << GlobalErrors.CMDQ_ERR);
        assertThat(g.active()).isZero();
    }
}
