package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smmuref.smmu.hw.Bed.fault;
import static org.smmuref.smmu.hw.Bed.ok;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/** Stage-2 walks: start levels, concatenation, S2AP/XN, AF, address size, aborts and S2PTW. */
class WalkerStage2Test {
    final Bed bed = new Bed();

    @ParameterizedTest
    @CsvSource({
        // granule, IPA bits, start level, concatenated tables
        "G4K,48,0,1", "G4K,40,1,2", "G4K,41,1,4", "G4K,42,1,8", "G4K,43,1,16", "G4K,39,1,1", "G4K,34,2,16",
        "G4K,31,2,2", "G4K,25,3,16", "G16K,48,1,2", "G16K,39,2,8", "G16K,36,2,1", "G16K,29,3,16", "G64K,48,1,1",
        "G64K,46,2,16", "G64K,42,2,1", "G64K,32,3,8"})
    void every_start_level_and_concatenation_translates_the_whole_ipa_space(Granule g, int bits, int start,
                                                                            int concat) {
        PageTableBuilder b = PageTableBuilder.stage2(bed.host, bed.hostAllocator, g, bits, 48, start);
        assertThat(b.concatenatedTables()).isEqualTo(concat);
        Stage2Context c = b.stage2Context(4);
        assertThat(c.concatenatedTables()).isEqualTo(concat);
        assertThat(Stage2Context.startLevelFromSl0(g, b.sl0(), true)).isEqualTo(start);
        long top = (1L << bits) - g.pageSize();
        b.map(top, 0x5L << g.shift(), g.pageSize(), Prot.of("rw"));
        b.map(0, 0x9L << g.shift(), g.pageSize(), Prot.of("rw"));
        assertThat(ok(bed.walker.stage2(c, top + 8, Access.READ, FaultClass.IN, top + 8)).outputAddress(top + 8))
            .isEqualTo((0x5L << g.shift()) + 8);
        assertThat(ok(bed.walker.stage2(c, 16, Access.WRITE, FaultClass.IN, 16)).outputAddress(16))
            .isEqualTo((0x9L << g.shift()) + 16);
        TranslationFault f = fault(bed.walker.stage2(c, top - g.pageSize(), Access.READ, FaultClass.IN, 7));
        assertThat(f.type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(f.stage2()).isTrue();
        assertThat(f.ipa()).isEqualTo(top - g.pageSize());
        assertThat(f.inputAddress()).isEqualTo(7);
        TranslationFault range = fault(bed.walker.stage2(c, 1L << bits, Access.READ, FaultClass.IN, 1L << bits));
        assertThat(range.type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(range.level()).isEqualTo(start);
    }

    @Test
    void the_automatic_start_level_concatenates_when_it_saves_a_level() {
        assertThat(bed.s2(Granule.G4K, 40).startLevel()).isEqualTo(1);
        assertThat(bed.s2(Granule.G4K, 40).concatenatedTables()).isEqualTo(2);
        assertThat(bed.s2(Granule.G4K, 48).startLevel()).isEqualTo(0);
        assertThat(bed.s2(Granule.G16K, 48).startLevel()).isEqualTo(1);
        assertThat(bed.s2(Granule.G16K, 48).concatenatedTables()).isEqualTo(2);
        assertThat(bed.s2(Granule.G64K, 48).sl0()).isEqualTo(2);
    }

    @Test
    void inconsistent_s2t0sz_and_start_level_is_rejected() {
        assertThatThrownBy(() -> Stage2Context.of(1, 0, 64 - 44, 1, Granule.G4K, 48))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inconsistent");
        assertThatThrownBy(() -> Stage2Context.of(1, 0, 64 - 30, 1, Granule.G4K, 48))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Stage2Context.of(1, 0, 16, 0, Granule.G16K, 48))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DS");
        assertThatThrownBy(() -> Stage2Context.startLevelFromSl0(Granule.G64K, 3, true))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> Stage2Context.startLevelFromSl0(Granule.G4K, 3, false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TTST");
        assertThat(Stage2Context.startLevelFromSl0(Granule.G4K, 2, false)).isEqualTo(0);
        assertThat(Stage2Context.startLevelFromSl0(Granule.G16K, 0, false)).isEqualTo(3);
    }

    @Test
    void s2ap_and_xn_decide_the_access() {
        PageTableBuilder b = bed.s2(Granule.G4K, 40);
        String[] prots = {"", "r", "w", "rw", "rx"};
        for (int i = 0; i < prots.length; i++) {
            b.map(i * 0x1000L, 0x10_0000 + i * 0x1000L, 0x1000, Prot.of(prots[i]));
        }
        Stage2Context c = b.stage2Context(1);
        for (int i = 0; i < prots.length; i++) {
            long ipa = i * 0x1000L;
            assertThat(bed.walker.stage2(c, ipa, Access.READ, FaultClass.IN, ipa).isTranslation())
                .as("read %s", prots[i]).isEqualTo(prots[i].contains("r"));
            assertThat(bed.walker.stage2(c, ipa, Access.WRITE, FaultClass.IN, ipa).isTranslation())
                .as("write %s", prots[i]).isEqualTo(prots[i].contains("w"));
            assertThat(bed.walker.stage2(c, ipa, Access.EXEC, FaultClass.IN, ipa).isTranslation())
                .as("exec %s", prots[i]).isEqualTo(prots[i].contains("x"));
        }
        TranslationFault f = fault(bed.walker.stage2(c, 0x1000, Access.WRITE, FaultClass.IN, 0xABC));
        assertThat(f.type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(f.stage2()).isTrue();
        assertThat(f.faultClass()).isEqualTo(FaultClass.IN);
        assertThat(f.ipa()).isEqualTo(0x1000);
        assertThat(f.inputAddress()).isEqualTo(0xABC);
    }

    @Test
    void access_flag_faults_unless_s2affd_and_come_before_permission() {
        PageTableBuilder b = bed.s2(Granule.G64K, 42);
        b.map(0x10000, 0x20000, 0x10000, Prot.of("r").withAccessFlag(false));
        Stage2Context c = b.stage2Context(2);
        assertThat(fault(bed.walker.stage2(c, 0x10000, Access.WRITE, FaultClass.IN, 0)).type())
            .isEqualTo(FaultType.F_ACCESS);
        Stage2Context affd = c.withFlags(true, false);
        assertThat(bed.walker.stage2(affd, 0x10000, Access.READ, FaultClass.IN, 0).isTranslation()).isTrue();
        assertThat(fault(bed.walker.stage2(affd, 0x10000, Access.WRITE, FaultClass.IN, 0)).type())
            .isEqualTo(FaultType.F_PERMISSION);
    }

    @Test
    void outputs_beyond_s2ps_are_address_size_faults() {
        PageTableBuilder b = bed.s2(Granule.G4K, 40);
        b.map(0x1000, 1L << 44, 0x1000, Prot.of("rw"));
        Stage2Context wide = b.stage2Context(1);
        Stage2Context narrow = Stage2Context.of(1, b.ttb(), b.tsz(), b.startLevel(), Granule.G4K, 44);
        assertThat(bed.walker.stage2(wide, 0x1000, Access.READ, FaultClass.IN, 0).isTranslation()).isTrue();
        TranslationFault f = fault(bed.walker.stage2(narrow, 0x1000, Access.READ, FaultClass.IN, 0));
        assertThat(f.type()).isEqualTo(FaultType.F_ADDR_SIZE);
        assertThat(f.stage2()).isTrue();
        bed.write(b, b.ttb(), (1L << 45) | 3); // initial table entry 0 points beyond 44 bits
        assertThat(fault(bed.walker.stage2(narrow, 0x1000, Access.READ, FaultClass.IN, 0)).level()).isEqualTo(1);
    }

    @Test
    void an_abort_in_a_stage_2_walk_reports_stage_2_with_the_callers_class() {
        PageTableBuilder b = bed.s2(Granule.G4K, 40);
        b.map(0, 0, 0x1000, Prot.of("rw"));
        bed.write(b, b.tableDescriptorAddress(0, 2), 0x7000_0000L | 3);
        Stage2Context c = b.stage2Context(1);
        for (FaultClass cls : FaultClass.values()) {
            TranslationFault f = fault(bed.walker.stage2(c, 0x10, Access.READ, cls, 0x55));
            assertThat(f.type()).isEqualTo(FaultType.F_WALK_EABT);
            assertThat(f.stage2()).isTrue();
            assertThat(f.faultClass()).isEqualTo(cls);
            assertThat(f.fetchAddress()).isEqualTo(0x7000_0000L);
            assertThat(f.ipa()).isEqualTo(0x10);
            assertThat(f.ttRnW()).isEqualTo(cls == FaultClass.TT);
        }
    }

    @Test
    void s2ptw_turns_table_and_cd_fetches_from_device_memory_into_permission_faults() {
        PageTableBuilder b = bed.s2(Granule.G4K, 40);
        b.map(0x1000, 0x8000_1000L, 0x1000, Prot.of("rw").withAttr(0b0001)); // Device-nGnRE
        b.map(0x2000, 0x8000_2000L, 0x1000, Prot.of("w"));                   // no read
        Stage2Context c = b.stage2Context(1);
        Stage2Context ptw = c.withFlags(false, true);
        assertThat(bed.walker.stage2(c, 0x1000, Access.READ, FaultClass.TT, 0).isTranslation()).isTrue();
        for (FaultClass cls : new FaultClass[] {FaultClass.TT, FaultClass.CD}) {
            TranslationFault f = fault(bed.walker.stage2(ptw, 0x1000, Access.READ, cls, 0));
            assertThat(f.type()).isEqualTo(FaultType.F_PERMISSION);
            assertThat(f.faultClass()).isEqualTo(cls);
            assertThat(f.ttRnW()).isEqualTo(cls == FaultClass.TT);
        }
        assertThat(bed.walker.stage2(ptw, 0x1000, Access.READ, FaultClass.IN, 0).isTranslation()).isTrue();
        // A CD fetch is a read whatever the transaction is; a TT write is an HTTU update of a stage-1 descriptor,
        // a write at stage 2 (SMMU 3.13), refused on a read-only page with TTRnW = 0.
        assertThat(fault(bed.walker.stage2(c, 0x2000, Access.WRITE, FaultClass.CD, 0)).type())
            .isEqualTo(FaultType.F_PERMISSION);
        assertThat(fault(bed.walker.stage2(c, 0x2000, Access.READ, FaultClass.TT, 0)).type())
            .isEqualTo(FaultType.F_PERMISSION);
        assertThat(bed.walker.stage2(c, 0x2000, Access.WRITE, FaultClass.TT, 0).isTranslation()).isTrue();
        b.map(0x3000, 0x8000_3000L, 0x1000, Prot.of("r"));
        TranslationFault update = fault(bed.walker.stage2(c, 0x3000, Access.WRITE, FaultClass.TT, 0));
        assertThat(update.type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(update.ttRnW()).isFalse();
        assertThat(bed.walker.stage2(c, 0x2000, Access.WRITE, FaultClass.IN, 0).isTranslation()).isTrue();
    }
}
