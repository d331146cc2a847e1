package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smmuref.smmu.hw.Bed.fault;
import static org.smmuref.smmu.hw.Bed.ok;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/** Nested walks and the engine: S2 faults on table addresses (CLASS=TT), on the output (CLASS=IN), on CD fetches. */
class NestedTranslationTest {
    static final long VA = 0x8080604567L;
    static final long IPA = 0x1_2345_6000L;
    static final long PA = 0x3_0000_0000L;

    final Bed bed = new Bed();
    PageTableBuilder s2;
    PageTableBuilder s1;
    Stage1Context c1;
    Stage2Context c2;

    @BeforeEach
    void build() {
        s2 = bed.s2(Granule.G4K, 40);
        s2.map(Bed.GUEST_TABLES_IPA, Bed.GUEST_TABLES_PA, Bed.REGION, Prot.of("rw"));
        s1 = bed.guestS1(Granule.G4K, 48, 40);
        s1.map(VA & ~0xFFFL, IPA, 0x1000, Prot.of("rw"));
        s2.map(IPA, PA, 0x1000, Prot.of("rw"));
        c1 = Stage1Context.of(s1.ttbHalf(), 40, 7, 0);
        c2 = s2.stage2Context(3);
    }

    @Test
    void translates_va_to_pa_through_both_stages_and_caches_the_combined_entry() {
        Translation t = ok(bed.engine.translate(c1, c2, VA, Access.PRIV_WRITE));
        assertThat(t.outputAddress(VA)).isEqualTo(PA + 0x567);
        assertThat(t.ipa(VA)).isEqualTo(IPA + 0x567);
        Translation again = ok(bed.engine.translate(c1, c2, VA, Access.PRIV_READ));
        assertThat(again).isSameAs(t);
        assertThat(ok(bed.walker.nested(c1, c2, VA, Access.PRIV_READ)).outputAddress(VA)).isEqualTo(PA + 0x567);
        // The TLB holds the combined VA entry; the walk cache the stage-2 translations the walk used: the 2 MiB block
        // holding all four stage-1 tables, and the output page.
        assertThat(bed.tlb.size()).isEqualTo(1);
        assertThat(bed.engine.walkCached(3, Granule.G4K, s1.ttb()).sizeShift()).isEqualTo(21); // cached at the TTB page
        assertThat(bed.engine.walkCached(3, Granule.G4K, IPA).outputAddress(IPA)).isEqualTo(PA);
        assertThat(bed.engine.walkCached(4, Granule.G4K, IPA)).as("another VMID").isNull();
        // Any TLB invalidation empties the walk cache (over-invalidation); the next walk refills it.
        bed.tlb.invalidate(new TlbInvalidation.NhAll(9));
        assertThat(bed.engine.walkCached(3, Granule.G4K, IPA)).isNull();
        assertThat(ok(bed.engine.translate(c1, c2, VA, Access.PRIV_READ)).outputAddress(VA)).isEqualTo(PA + 0x567);
    }

    @Test
    void an_unmapped_stage_1_table_ipa_is_a_stage_2_fault_of_class_tt_at_the_descriptor_ipa() {
        long leafIpa = s1.leafDescriptorAddress(VA);
        s2.unmap(leafIpa & ~0xFFFL, 0x1000);
        TranslationFault f = fault(bed.walker.nested(c1, c2, VA, Access.PRIV_READ));
        assertThat(f.type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(f.stage2()).isTrue();
        assertThat(f.faultClass()).isEqualTo(FaultClass.TT);
        assertThat(f.ipa()).isEqualTo(leafIpa);
        assertThat(f.inputAddress()).isEqualTo(VA);
        assertThat(f.ttRnW()).isTrue();
        assertThat(fault(bed.engine.translate(c1, c2, VA, Access.PRIV_READ))).isEqualTo(f);
    }

    @Test
    void the_ttb_itself_is_translated_by_stage_2() {
        Stage1Context moved = c1.withTtb0(TtbHalf.of(0x7000_0000L, 16, Granule.G4K));
        TranslationFault f = fault(bed.engine.translate(moved, c2, VA, Access.PRIV_READ));
        assertThat(f.stage2()).isTrue();
        assertThat(f.faultClass()).isEqualTo(FaultClass.TT);
        assertThat(f.ipa()).isEqualTo(0x7000_0000L + ((VA >>> 39) & 0x1FF) * 8);
    }

    @Test
    void s2ptw_and_s2_read_permission_guard_stage_1_table_reads() {
        long leafIpa = s1.leafDescriptorAddress(VA) & ~0xFFFL;
        s2.unmap(leafIpa, 0x1000);
        s2.map(leafIpa, leafIpa - Bed.GUEST_TABLES_IPA + Bed.GUEST_TABLES_PA, 0x1000, Prot.of("rw").withAttr(0));
        assertThat(bed.walker.nested(c1, c2, VA, Access.PRIV_READ).isTranslation()).isTrue();
        TranslationFault f = fault(bed.walker.nested(c1, c2.withFlags(false, true), VA, Access.PRIV_READ));
        assertThat(f.type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(f.stage2()).isTrue();
        assertThat(f.faultClass()).isEqualTo(FaultClass.TT);
        s2.unmap(leafIpa, 0x1000);
        s2.map(leafIpa, leafIpa - Bed.GUEST_TABLES_IPA + Bed.GUEST_TABLES_PA, 0x1000, Prot.of("w"));
        TranslationFault noRead = fault(bed.walker.nested(c1, c2, VA, Access.PRIV_WRITE));
        assertThat(noRead.type()).isEqualTo(FaultType.F_PERMISSION);
        assertThat(noRead.faultClass()).isEqualTo(FaultClass.TT);
    }

    @Test
    void aborts_report_the_stage_that_was_reading() {
        long leafIpa = s1.leafDescriptorAddress(VA) & ~0xFFFL;
        // The stage-1 descriptor's IPA maps to a PA outside RAM: the stage-1 read aborts (S2=0, CLASS=TT).
        s2.unmap(leafIpa, 0x1000);
        s2.map(leafIpa, 0x7000_0000L, 0x1000, Prot.of("rw"));
        TranslationFault s1Abort = fault(bed.walker.nested(c1, c2, VA, Access.PRIV_READ));
        assertThat(s1Abort.type()).isEqualTo(FaultType.F_WALK_EABT);
        assertThat(s1Abort.stage2()).isFalse();
        assertThat(s1Abort.faultClass()).isEqualTo(FaultClass.TT);
        assertThat(s1Abort.fetchAddress()).isEqualTo(0x7000_0000L + (s1.leafDescriptorAddress(VA) & 0xFFF));
        // A stage-2 table read aborts while translating the stage-1 table address: S2=1, CLASS=TT.
        long s2Table = s2.tableDescriptorAddress(leafIpa, 2);
        bed.memory.writeLong(s2Table, 0x7100_0000L | 3);
        TranslationFault s2Abort = fault(bed.walker.nested(c1, c2, VA, Access.PRIV_READ));
        assertThat(s2Abort.type()).isEqualTo(FaultType.F_WALK_EABT);
        assertThat(s2Abort.stage2()).isTrue();
        assertThat(s2Abort.faultClass()).isEqualTo(FaultClass.TT);
    }

    @Test
    void the_stage_1_output_is_checked_against_ips_then_translated_by_stage_2_with_class_in() {
        s1.map(0x1000, 0x2000_0000L, 0x1000, Prot.of("r"));
        TranslationFault missing = fault(bed.engine.translate(c1, c2, 0x1010, Access.PRIV_READ));
        assertThat(missing.type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(missing.stage2()).isTrue();
        assertThat(missing.faultClass()).isEqualTo(FaultClass.IN);
        assertThat(missing.ipa()).isEqualTo(0x2000_0010L);
        assertThat(missing.inputAddress()).isEqualTo(0x1010);
        Stage1Context narrow = c1.withIps(36);
        s1.map(0x2000, 0x10_0000_0000L, 0x1000, Prot.of("r"));
        TranslationFault size = fault(bed.engine.translate(narrow, c2, 0x2000, Access.PRIV_READ));
        assertThat(size.type()).isEqualTo(FaultType.F_ADDR_SIZE);
        assertThat(size.stage2()).isFalse();
    }

    @Test
    void permissions_are_the_intersection_and_a_hit_reports_the_failing_stage() {
        s1.map(0x1000, IPA, 0x1000, Prot.of("r"));        // stage 1 read-only over a stage-2 RW page
        s1.map(0x2000, 0x1_0000_0000L, 0x1000, Prot.of("rw"));
        s2.map(0x1_0000_0000L, PA + 0x10000, 0x1000, Prot.of("r")); // stage 2 read-only under a stage-1 RW page
        for (int round = 0; round < 2; round++) { // the walk, then the TLB hit
            assertThat(bed.engine.translate(c1, c2, 0x1000, Access.PRIV_READ).isTranslation()).isTrue();
            TranslationFault s1Deny = fault(bed.engine.translate(c1, c2, 0x1000, Access.PRIV_WRITE));
            assertThat(s1Deny.stage2()).isFalse();
            assertThat(s1Deny.type()).isEqualTo(FaultType.F_PERMISSION);
            assertThat(bed.engine.translate(c1, c2, 0x2000, Access.PRIV_READ).isTranslation()).isTrue();
            TranslationFault s2Deny = fault(bed.engine.translate(c1, c2, 0x2008, Access.PRIV_WRITE));
            assertThat(s2Deny.stage2()).isTrue();
            assertThat(s2Deny.faultClass()).isEqualTo(FaultClass.IN);
            assertThat(s2Deny.ipa()).isEqualTo(0x1_0000_0008L);
            assertThat(s2Deny.type()).isEqualTo(FaultType.F_PERMISSION);
        }
    }

    @Test
    void combined_entries_take_the_smaller_block_of_either_stage() {
        PageTableBuilder big = bed.guestS1(Granule.G4K, 48, 40);
        big.map(0x4000_0000L, 0x2_0000_0000L, 0x4000_0000L, Prot.of("rw")); // a 1 GiB stage-1 block
        s2.map(0x2_0020_0000L, 0x5_0000_0000L, 0x20_0000, Prot.of("rw")); // a 2 MiB stage-2 block inside it
        Stage1Context c = Stage1Context.of(big.ttbHalf(), 40, 9, 0);
        long va = 0x4020_1234L;
        Translation t = ok(bed.engine.translate(c, c2, va, Access.PRIV_READ));
        assertThat(t.sizeShift()).isEqualTo(21);
        assertThat(t.outputAddress(va)).isEqualTo(0x5_0000_1234L);
        assertThat(t.inputBase()).isEqualTo(0x4020_0000L);
    }

    @Test
    void cd_fetches_translate_at_stage_2_with_class_cd() {
        TranslationFault f = fault(bed.engine.translateTableIpa(c2, 0x9000_0040L, FaultClass.CD, 0x1234));
        assertThat(f.type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(f.stage2()).isTrue();
        assertThat(f.faultClass()).isEqualTo(FaultClass.CD);
        assertThat(f.ipa()).isEqualTo(0x9000_0040L);
        assertThat(f.inputAddress()).isEqualTo(0x1234);
        Translation t = ok(bed.engine.translateTableIpa(c2, Bed.GUEST_TABLES_IPA + 0x40, FaultClass.CD, 0));
        assertThat(t.outputAddress(Bed.GUEST_TABLES_IPA + 0x40)).isEqualTo(Bed.GUEST_TABLES_PA + 0x40);
        assertThatThrownBy(() -> bed.engine.translateTableIpa(c2, 0, FaultClass.IN, 0))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_stage_2_only_input_beyond_ias_is_a_stage_1_address_size_fault() {
        TranslationFault f = fault(bed.engine.translate(null, c2, 1L << 48, Access.READ));
        assertThat(f.type()).isEqualTo(FaultType.F_ADDR_SIZE);
        assertThat(f.stage2()).isFalse();
        assertThat(f.faultClass()).isEqualTo(FaultClass.IN);
        TranslationFault beyondS2 = fault(bed.engine.translate(null, c2, 1L << 44, Access.READ));
        assertThat(beyondS2.type()).isEqualTo(FaultType.F_TRANSLATION);
        assertThat(beyondS2.stage2()).isTrue();
        assertThatThrownBy(() -> bed.engine.translate(null, null, 0, Access.READ))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bed.engine.translate(c1.withWorld(StreamWorld.NS_EL2_E2H), c2, 0, Access.READ))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stage_2_invalidation_needs_a_stage_1_flush_to_reach_combined_entries() {
        assertThat(bed.engine.translate(c1, c2, VA, Access.PRIV_READ).isTranslation()).isTrue();
        s2.unmap(IPA, 0x1000);
        bed.tlb.invalidate(new TlbInvalidation.S2Ipa(3, IPA, TlbInvalidation.Range.SINGLE, true));
        // TLBI_S2_IPA need not hit the combined VA entry: the stale hit is architecturally allowed...
        assertThat(bed.engine.translate(c1, c2, VA, Access.PRIV_READ).isTranslation()).isTrue();
        // ...and the NH_ALL that software pairs with it removes it.
        bed.tlb.invalidate(new TlbInvalidation.NhAll(3));
        TranslationFault f = fault(bed.engine.translate(c1, c2, VA, Access.PRIV_READ));
        assertThat(f.stage2()).isTrue();
        assertThat(f.ipa()).isEqualTo(IPA + 0x567);
    }
}
