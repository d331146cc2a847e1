package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.smmu.hw.Bed.fault;
import static org.smmuref.smmu.hw.Bed.ok;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/** Stage-1 walks: granules, levels, descriptor decoding, every fault type and the permission model. */
class WalkerStage1Test {
    final Bed bed = new Bed();

    private Stage1Context ctx(PageTableBuilder b, int ips) {
        return Stage1Context.of(b.ttbHalf(), ips, 3, 0);
    }

    @ParameterizedTest
    @CsvSource({"G4K,48,0", "G4K,39,1", "G4K,30,2", "G16K,48,0", "G16K,47,1", "G16K,36,2", "G64K,48,1", "G64K,42,2",
        "G64K,29,3"})
    void walks_from_the_start_level_the_input_size_implies(Granule g, int bits, int start) {
        PageTableBuilder b = bed.s1(g, bits, 48);
        assertThat(b.startLevel()).isEqualTo(start);
        long va = (1L << bits) - g.pageSize();
        b.map(va, 0x1234L << g.shift(), g.pageSize(), Prot.of("rw"));
        Translation t = ok(bed.walker.stage1(ctx(b, 48), va + 0x18, Access.PRIV_READ));
        assertThat(t.outputAddress(va + 0x18)).isEqualTo((0x1234L << g.shift()) + 0x18);
        assertThat(t.level()).isEqualTo(3);
        assertThat(t.sizeShift()).isEqualTo(g.shift());
    }

    @ParameterizedTest
    @CsvSource({"G4K,1,30", "G4K,2,21", "G16K,2,25", "G64K,2,29"})
    void maps_blocks_at_the_legal_levels(Granule g, int level, int shift) {
        PageTableBuilder b = bed.s1(g, 48, 48);
        long va = 3L << shift;
        long pa = 5L << shift;
        b.map(va, pa, 1L << shift, Prot.of("rw"));
        Translation t = ok(bed.walker.stage1(ctx(b, 48), va + 0x1008, Access.PRIV_WRITE));
        assertThat(t.level()).isEqualTo(level);
        assertThat(t.sizeShift()).isEqualTo(shift);
        assertThat(t.outputAddress(va + 0x1008)).isEqualTo(pa + 0x1008);
    }

    @Test
    void a_64k_level_1_block_and_52_bit_output_need_lpa() {
        PageTableBuilder b = bed.s1(Granule.G64K, 52, 52);
        long va = 1L << 42;
        long pa = 0xF_0000_0000_0000L | (3L << 42); // OA[51:48] = 0xF, held in descriptor bits [15:12]
        b.map(va, pa, 1L << 42, Prot.of("rw"));
        Stage1Context c = ctx(b, 52);
        Translation t = ok(bed.walker.stage1(c, va + 0x10000, Access.PRIV_READ));
        assertThat(t.level()).isEqualTo(1);
        assertThat(t.outputAddress(va + 0x10000)).isEqualTo(pa + 0x10000);
        // LPA is the implementation's (OAS 52), not the stream's: with a 48-bit IPS the block stays legal and its
        // output beyond the IPS is an address-size fault (Arm ARM D8.3).
        Stage1Context narrow = Stage1Context.of(TtbHalf.of(b.ttb(), 16, Granule.G64K), 48, 3, 0);
        assertThat(fault(bed.walker.stage1(narrow, va, Access.PRIV_READ)).type()).isEqualTo(FaultType.F_ADDR_SIZE);
        // An SMMU with a 48-bit OAS has no LPA: a 64K level-1 block is illegal.
        Walker noLpa = new Walker(bed.memory, new Walker.Implementation(48, false));
        assertThat(fault(noLpa.stage1(narrow, va, Access.PRIV_READ)).type()).isEqualTo(FaultType.F_TRANSLATION);
    }

    @ParameterizedTest
    @CsvSource({"G4K,0", "G16K,1", "G64K,1", "G4K,3"})
    void a_block_at_an_illegal_level_is_a_translation_fault(Granule g, int level) {
        PageTableBuilder b = bed.s1(g, 48, 48);
        long va = 0;
        b.map(va, 0, g.pageSize(), Prot.of("rw"));
        long desc;
        long address;
        if (level == 3) {
            address = b.leafDescriptorAddress(va);
            desc = bed.read(b, address) & ~2L; // 0b01 at level 3 is reserved
        } else {
            address = level == b.startLevel() ? b.ttb() : b.tableDescriptorAddress(va, level);
            desc = (1L << 10) | 1; // a block with AF
        }
        bed.write(b, address, desc);
        // On an SMMU with a 48-bit OAS (no LPA: the 64K level-1 block is illegal there).
        Walker noLpa = new Walker(bed.memory, new Walker.Implementation(48, false));
        TranslationFault f = fault(noLpa.stage1(ctx(b, 48), va, Access.PRIV_READ));
        assertThat(f.type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(f.level()).isEqualTo(level);
        assertThat(f.stage2()).isFalse();
        assertThat(f.faultClass()).isEqualTo(FaultClass.IN);
    }

    @Test
    void invalid_descriptor_and_out_of_range_address_are_translation_faults() {
        PageTableBuilder b = bed.s1(Granule.G4K, 39, 48);
        Stage1Context c = ctx(b, 48);
        assertThat(fault(bed.walker.stage1(c, 0x1000, Access.READ)).type()).isEqualTo(FaultType.F_TRANSLATION);
        b.map(0, 0, 0x1000, Prot.of("rwu"));
        assertThat(ok(bed.walker.stage1(c, 0x10, Access.READ)).outputAddress(0x10)).isEqualTo(0x10);
        TranslationFault f = fault(bed.walker.stage1(c, 1L << 39, Access.READ));
        assertThat(f.type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(f.level()).isEqualTo(-1);
    }

    @Test
    void va_bit_55_selects_ttb1_and_epd_disables_a_half() {
        PageTableBuilder lower = bed.s1(Granule.G4K, 48, 48);
        PageTableBuilder upper = PageTableBuilder.stage1Upper(bed.host, bed.hostAllocator, Granule.G16K, 47, 48);
        long high = 0xFFFF_8000_0000_0000L + 0x4000;
        lower.map(0x4000, 0x10_0000, 0x1000, Prot.of("r"));
        upper.map(high, 0x20_0000, 0x4000, Prot.of("r"));
        Stage1Context c = Stage1Context.of(lower.ttbHalf(), 48, 1, 0).withTtb1(upper.ttbHalf());
        assertThat(ok(bed.walker.stage1(c, 0x4008, Access.PRIV_READ)).outputAddress(0x4008)).isEqualTo(0x10_0008);
        Translation t = ok(bed.walker.stage1(c, high + 8, Access.PRIV_READ));
        assertThat(t.outputAddress(high + 8)).isEqualTo(0x20_0008);
        assertThat(t.inputBase()).isEqualTo(high);
        // Upper bits must all be ones for TTB1 (47-bit half: bits [63:47]).
        assertThat(fault(bed.walker.stage1(c, 0xFFFF_0000_0000_4000L, Access.PRIV_READ)).type())
            .isEqualTo(FaultType.F_TRANSLATION);
        Stage1Context noUpper = c.withTtb1(TtbHalf.disabled());
        assertThat(fault(bed.walker.stage1(noUpper, high, Access.PRIV_READ)).type()).isEqualTo(FaultType.F_TRANSLATION);
        Stage1Context noLower = c.withTtb0(new TtbHalf(lower.ttb(), 16, Granule.G4K, true, false, false));
        assertThat(fault(bed.walker.stage1(noLower, 0x4008, Access.PRIV_READ)).type())
            .isEqualTo(FaultType.F_TRANSLATION);
    }

    @Test
    void tbi_ignores_the_top_byte_only_when_enabled() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x7000, 0x9000, 0x1000, Prot.of("r"));
        long tagged = 0x5A00_0000_0000_7010L;
        Stage1Context plain = ctx(b, 48);
        assertThat(fault(bed.walker.stage1(plain, tagged, Access.PRIV_READ)).type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(fault(bed.engine.translate(plain, null, tagged, Access.PRIV_READ)).type())
            .isEqualTo(FaultType.F_TRANSLATION);
        Stage1Context tbi = plain.withTtb0(b.ttbHalf().withTbi(true));
        assertThat(ok(bed.walker.stage1(tbi, tagged, Access.PRIV_READ)).outputAddress(tagged)).isEqualTo(0x9010);
        // A TLB entry filled through a TBI context is not usable for a tagged address without TBI.
        assertThat(ok(bed.engine.translate(tbi, null, tagged, Access.PRIV_READ)).outputAddress(tagged)).isEqualTo(0x9010);
        assertThat(fault(bed.engine.translate(plain, null, tagged, Access.PRIV_READ)).type())
            .isEqualTo(FaultType.F_TRANSLATION);
    }

    @Test
    void outputs_beyond_ips_are_address_size_faults_for_leaves_and_tables() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x1000, 1L << 40, 0x1000, Prot.of("r"));
        Stage1Context c40 = ctx(b, 40);
        TranslationFault leaf = fault(bed.walker.stage1(c40, 0x1000, Access.PRIV_READ));
        assertThat(leaf.type()).isEqualTo(FaultType.F_ADDR_SIZE);
        assertThat(leaf.level()).isEqualTo(3);
        assertThat(ok(bed.walker.stage1(ctx(b, 42), 0x1000, Access.PRIV_READ)).outputAddress(0x1000))
            .isEqualTo(1L << 40);
        // A table descriptor at level 0 pointing beyond 40 bits.
        bed.write(b, b.ttb() + 8, (1L << 41) | 3);
        TranslationFault table = fault(bed.walker.stage1(c40, 1L << 39, Access.PRIV_READ));
        assertThat(table.type()).isEqualTo(FaultType.F_ADDR_SIZE);
        assertThat(table.level()).isEqualTo(0);
    }

    @Test
    void access_flag_faults_come_before_permission_faults_unless_affd() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x2000, 0x3000, 0x1000, Prot.of("r").withAccessFlag(false));
        Stage1Context c = ctx(b, 48);
        assertThat(fault(bed.walker.stage1(c, 0x2000, Access.PRIV_READ)).type()).isEqualTo(FaultType.F_ACCESS);
        assertThat(fault(bed.walker.stage1(c, 0x2000, Access.PRIV_WRITE)).type()).isEqualTo(FaultType.F_ACCESS);
        Stage1Context affd = c.withAffd(true);
        assertThat(ok(bed.walker.stage1(affd, 0x2000, Access.PRIV_READ)).outputAddress(0x2000)).isEqualTo(0x3000);
        assertThat(fault(bed.walker.stage1(affd, 0x2000, Access.PRIV_WRITE)).type()).isEqualTo(FaultType.F_PERMISSION);
    }

    @Test
    void ap_bits_decide_read_write_and_unprivileged_access() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x0000, 0x10000, 0x1000, Prot.of("rw"));   // AP=00
        b.map(0x1000, 0x11000, 0x1000, Prot.of("rwu"));  // AP=01
        b.map(0x2000, 0x12000, 0x1000, Prot.of("r"));    // AP=10
        b.map(0x3000, 0x13000, 0x1000, Prot.of("ru"));   // AP=11
        Stage1Context c = ctx(b, 48);
        boolean[][] expected = {
            // priv read, priv write, user read, user write
            {true, true, false, false}, {true, true, true, true}, {true, false, false, false}, {true, false, true, false}};
        Access[] accesses = {Access.PRIV_READ, Access.PRIV_WRITE, Access.READ, Access.WRITE};
        for (int page = 0; page < 4; page++) {
            for (int a = 0; a < 4; a++) {
                TranslationResult r = bed.walker.stage1(c, page * 0x1000L, accesses[a]);
                assertThat(r.isTranslation()).as("page %d %s", page, accesses[a]).isEqualTo(expected[page][a]);
                if (!r.isTranslation()) {
                    assertThat(fault(r).type()).isEqualTo(FaultType.F_PERMISSION);
                    assertThat(fault(r).stage2()).isFalse();
                    assertThat(fault(r).faultClass()).isEqualTo(FaultClass.IN);
                }
            }
        }
    }

    @Test
    void execute_permissions_follow_pxn_uxn_and_user_writable_implies_pxn() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x0000, 0x10000, 0x1000, Prot.of("rx"));    // priv exec only
        b.map(0x1000, 0x11000, 0x1000, Prot.of("rxu"));   // both
        b.map(0x2000, 0x12000, 0x1000, Prot.of("rwxu"));  // EL0-writable: never privileged-executable
        b.map(0x3000, 0x13000, 0x1000, Prot.of("rwu"));
        Stage1Context c = ctx(b, 48);
        Access privExec = new Access(false, true, true);
        assertThat(bed.walker.stage1(c, 0x0000, privExec).isTranslation()).isTrue();
        assertThat(bed.walker.stage1(c, 0x0000, Access.EXEC).isTranslation()).isFalse();
        assertThat(bed.walker.stage1(c, 0x1000, privExec).isTranslation()).isTrue();
        assertThat(bed.walker.stage1(c, 0x1000, Access.EXEC).isTranslation()).isTrue();
        assertThat(bed.walker.stage1(c, 0x2000, privExec).isTranslation()).isFalse();
        assertThat(bed.walker.stage1(c, 0x2000, Access.EXEC).isTranslation()).isTrue();
        assertThat(bed.walker.stage1(c, 0x3000, Access.EXEC).isTranslation()).isFalse();
    }

    @Test
    void pan_denies_privileged_data_access_to_user_memory_but_not_fetches() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x1000, 0x11000, 0x1000, Prot.of("rxu"));
        b.map(0x2000, 0x12000, 0x1000, Prot.of("rw"));
        Stage1Context pan = ctx(b, 48).withPanWxn(true, false);
        assertThat(fault(bed.walker.stage1(pan, 0x1000, Access.PRIV_READ)).type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(bed.walker.stage1(pan, 0x1000, Access.READ).isTranslation()).isTrue();
        assertThat(bed.walker.stage1(pan, 0x1000, new Access(false, true, true)).isTranslation()).isTrue();
        assertThat(bed.walker.stage1(pan, 0x2000, Access.PRIV_WRITE).isTranslation()).isTrue();
        assertThat(bed.walker.stage1(ctx(b, 48), 0x1000, Access.PRIV_READ).isTranslation()).isTrue();
    }

    @Test
    void wxn_makes_writable_memory_non_executable() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x1000, 0x11000, 0x1000, Prot.of("rwx"));
        b.map(0x2000, 0x12000, 0x1000, Prot.of("rx"));
        Access privExec = new Access(false, true, true);
        Stage1Context wxn = ctx(b, 48).withPanWxn(false, true);
        assertThat(bed.walker.stage1(ctx(b, 48), 0x1000, privExec).isTranslation()).isTrue();
        assertThat(fault(bed.walker.stage1(wxn, 0x1000, privExec)).type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(bed.walker.stage1(wxn, 0x2000, privExec).isTranslation()).isTrue();
    }

    @Test
    void hierarchical_attributes_restrict_the_leaf_unless_had() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x1000, 0x11000, 0x1000, Prot.of("rwxu"));
        long l2 = b.tableDescriptorAddress(0x1000, 2);
        long table = bed.read(b, l2);
        Stage1Context c = ctx(b, 48);
        Stage1Context had = c.withTtb0(b.ttbHalf().withHad(true));
        bed.write(b, l2, table | (1L << 62)); // APTable[1]: no write below
        assertThat(fault(bed.walker.stage1(c, 0x1000, Access.WRITE)).type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(bed.walker.stage1(c, 0x1000, Access.READ).isTranslation()).isTrue();
        assertThat(bed.walker.stage1(had, 0x1000, Access.WRITE).isTranslation()).isTrue();
        bed.write(b, l2, table | (1L << 61)); // APTable[0]: no EL0 access below
        assertThat(fault(bed.walker.stage1(c, 0x1000, Access.READ)).type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(bed.walker.stage1(c, 0x1000, Access.PRIV_WRITE).isTranslation()).isTrue();
        bed.write(b, l2, table | (1L << 60)); // UXNTable
        assertThat(bed.walker.stage1(c, 0x1000, Access.EXEC).isTranslation()).isFalse();
        assertThat(bed.walker.stage1(had, 0x1000, Access.EXEC).isTranslation()).isTrue();
        bed.write(b, l2, table | (1L << 59)); // PXNTable, on read-only user memory so that EL1 could execute it
        long leaf = b.leafDescriptorAddress(0x1000);
        bed.write(b, leaf, bed.read(b, leaf) | (1L << 7));
        assertThat(bed.walker.stage1(c, 0x1000, new Access(false, true, true)).isTranslation()).isFalse();
        assertThat(bed.walker.stage1(had, 0x1000, new Access(false, true, true)).isTranslation()).isTrue();
    }

    @Test
    void the_el2_regime_has_one_privilege_level_and_only_global_entries() {
        PageTableBuilder b = bed.s1(Granule.G4K, 48, 48);
        b.map(0x1000, 0x11000, 0x1000, Prot.of("rwn")); // nG and AP[1]=0 are ignored at EL2
        Stage1Context el2 = ctx(b, 48).withWorld(StreamWorld.NS_EL2);
        Translation t = ok(bed.walker.stage1(el2, 0x1000, Access.WRITE));
        assertThat(t.global()).isTrue();
        Stage1Context el1 = ctx(b, 48);
        assertThat(fault(bed.walker.stage1(el1, 0x1000, Access.WRITE)).type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(ok(bed.walker.stage1(el1, 0x1000, Access.PRIV_WRITE)).global()).isFalse();
        assertThat(ok(bed.walker.stage1(el1.withWorld(StreamWorld.NS_EL2_E2H), 0x1000, Access.PRIV_WRITE)).global())
            .isFalse();
    }

    @ParameterizedTest
    @EnumSource(Granule.class)
    void a_descriptor_fetch_outside_ram_is_a_walk_external_abort(Granule g) {
        PageTableBuilder b = bed.s1(g, 48, 48);
        b.map(0, 0, g.pageSize(), Prot.of("r"));
        long leaf = b.leafDescriptorAddress(0);
        long hole = 0x7000_0000L;
        int level = 3;
        long l2 = b.tableDescriptorAddress(0, 2);
        bed.write(b, l2, hole | 3); // next table lies in no RAM
        TranslationFault f = fault(bed.walker.stage1(Stage1Context.of(b.ttbHalf(), 48, 1, 0), 0, Access.READ));
        assertThat(f.type()).isEqualTo(FaultType.F_WALK_EABT);
        assertThat(f.stage2()).isFalse();
        assertThat(f.faultClass()).isEqualTo(FaultClass.TT);
        assertThat(f.fetchAddress()).isEqualTo(hole);
        assertThat(f.level()).isEqualTo(level);
        assertThat(leaf).isNotEqualTo(-1L);
    }
}
