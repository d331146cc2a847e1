package org.smmuref.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The broadcast TLBI value types: mnemonics, range arithmetic and field validation. */
class TlbiTest {

    @Test
    void mnemonics_name_the_leaf_forms() {
        assertThat(new Tlbi.Vae1is(1, 0, false).mnemonic()).isEqualTo("VAE1IS");
        assertThat(new Tlbi.Vae1is(1, 0, true).mnemonic()).isEqualTo("VALE1IS");
        assertThat(new Tlbi.Vaae1is(0, true).mnemonic()).isEqualTo("VAALE1IS");
        assertThat(new Tlbi.Ipas2e1is(0, true).mnemonic()).isEqualTo("IPAS2LE1IS");
        assertThat(new Tlbi.Ipas2e1is(0, false).mnemonic()).isEqualTo("IPAS2E1IS");
        Tlbi.Range r = new Tlbi.Range(1, 0, 0, 0);
        assertThat(new Tlbi.Rvae1is(1, 0, r, false).mnemonic()).isEqualTo("RVAE1IS");
        assertThat(new Tlbi.Rvaae1is(0, r, false).mnemonic()).isEqualTo("RVAAE1IS");
        assertThat(new Tlbi.Ripas2e1is(0, r, false).mnemonic()).isEqualTo("RIPAS2E1IS");
        assertThat(new Tlbi.Vmalls12e1is().mnemonic()).isEqualTo("VMALLS12E1IS");
        assertThat(new Tlbi.Alle1is().scopedToVmid()).isFalse();
        assertThat(new Tlbi.Vmalle1is().scopedToVmid()).isTrue();
    }

    @Test
    void range_covers_num_plus_one_times_two_to_the_five_scale_plus_one_granules() {
        assertThat(new Tlbi.Range(1, 0, 0, 0).bytes()).isEqualTo(2L * 4096);
        assertThat(new Tlbi.Range(1, 1, 1, 0).bytes()).isEqualTo(2L * 64 * 4096);
        assertThat(new Tlbi.Range(2, 0, 31, 2).bytes()).isEqualTo(32L * 2 * 16384);
        assertThat(new Tlbi.Range(3, 3, 31, 3).bytes()).isEqualTo(32L * (1L << 16) * 65536);
        assertThat(new Tlbi.Range(3, 0, 0, 0).granuleShift()).isEqualTo(16);
    }

    @Test
    void out_of_range_fields_are_rejected() {
        assertThatThrownBy(() -> new Tlbi.Range(0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("TG");
        assertThatThrownBy(() -> new Tlbi.Range(1, 4, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Tlbi.Range(1, 0, 32, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Tlbi.Range(1, 0, 0, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Tlbi.Aside1is(0x10000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Tlbi.Ipas2e1is(1L << 52, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Tlbi.Rvaae1is(0x800, new Tlbi.Range(1, 0, 0, 0), false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not aligned to the 4 KB granule");
        assertThatThrownBy(() -> new Tlbi.Ripas2e1is(0x1000, new Tlbi.Range(3, 0, 0, 0), false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 KB");
        assertThatThrownBy(() -> new TlbiBroadcast(new Tlbi.Vmalle1is(), 0, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VMID 0");
        assertThat(new TlbiBroadcast(new Tlbi.Alle1is(), 0, TlbiBroadcast.HOST).vmid()).isZero();
    }
}
