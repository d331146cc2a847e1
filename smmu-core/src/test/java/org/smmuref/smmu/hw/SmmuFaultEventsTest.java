package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.EventRecord.EventClass;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * Every fault class of the spec's event table, end to end: the stream is configured through memory and the command
 * queue, a DMA is refused, and the exact event record is read back from event-queue memory. Translation faults are
 * checked in S1-only, S2-only and nested configurations with their S2 / CLASS / IPA; then the R / A rules.
 */
class SmmuFaultEventsTest {
    static final int SID = 0x21;
    static final long VA = 0x8080604567L;
    static final long PAGE = VA & ~0xFFFL;
    static final long TARGET_IPA = SmmuBed.GUEST_IPA + SmmuBed.GUEST_SIZE;
    static final long NOWHERE = 0x2_0000_0000L; // a PA below the OAS where no memory is
    static final Prot RW = Prot.of("rwu");

    enum Mode { S1, S2, NESTED }

    SmmuBed bed = new SmmuBed();
    PageTableBuilder s1;
    PageTableBuilder s2;

    /** Configures SID in {@code mode} with VA's page mapped by {@code p1} at stage 1 and {@code p2} at stage 2. */
    void setup(Mode mode, Prot p1, Prot p2, Consumer<Map<String, Long>> cdEdit, Consumer<Map<String, Long>> steEdit) {
        Map<String, Long> ste;
        if (mode == Mode.S1) {
            s1 = bed.s1();
            s1.map(PAGE, SmmuBed.TARGET, 0x1000, p1);
            Map<String, Long> cd = SmmuBed.cd(s1, 4);
            cdEdit.accept(cd);
            bed.writeCd(SmmuBed.CDS, cd);
            ste = SmmuBed.s1Ste(SmmuBed.CDS, 2);
        } else if (mode == Mode.S2) {
            s2 = bed.s2();
            s2.map(PAGE, SmmuBed.TARGET, 0x1000, p2);
            ste = SmmuBed.s2Ste(s2, 2);
        } else {
            s2 = bed.s2();
            SmmuBed.mapGuestWindow(s2);
            s2.map(TARGET_IPA, SmmuBed.TARGET, 0x1000, p2);
            s1 = bed.guestS1();
            s1.map(PAGE, TARGET_IPA, 0x1000, p1);
            Map<String, Long> cd = SmmuBed.cd(s1, 4);
            cdEdit.accept(cd);
            bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, cd);
            ste = SmmuBed.nestedSte(s2, 2, SmmuBed.GUEST_CDS_IPA);
        }
        steEdit.accept(ste);
        bed.writeSte(SID, ste);
        bed.submitSync(Commands.cfgiSte(SID));
    }

    void setup(Mode mode, Prot p1, Prot p2) {
        setup(mode, p1, p2, m -> { }, m -> { });
    }

    DmaOutcome dma(long address, Access access) {
        return bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, address, access);
    }

    static EventRecord.Builder fault(EventType type, Access access, boolean s2, EventClass cls) {
        return EventRecord.builder(type).streamId(SID).access(access).stage(s2, cls).inputAddr(VA);
    }

    /** The DMA aborts and the queue holds exactly {@code expected}. */
    void expectAbort(DmaOutcome o, EventRecord expected) {
        assertThat(o).isInstanceOf(DmaOutcome.Aborted.class);
        assertThat(((DmaOutcome.Aborted) o).event()).isEqualTo(expected);
        assertThat(bed.event()).isEqualTo(expected);
    }

    void expectAbort(EventRecord expected) {
        expectAbort(dma(VA, Access.READ), expected);
    }

    // ------------------------------------------------------------------------------------ configuration errors

    @Test
    void c_bad_streamid_is_recorded_only_with_recinvsid() {
        int outside = 1 << SmmuBed.STRTAB_LOG2;
        expectAbort(bed.smmu.translate(outside, Smmu.NO_SUBSTREAM, VA, Access.READ),
            EventRecord.of(EventType.C_BAD_STREAMID, outside));
        bed = new SmmuBed(SmmuFeatures.reference().build(), Smmu.Options.DEFAULT, SmmuRegisters.CR2_PTM);
        DmaOutcome o = bed.smmu.translate(outside, Smmu.NO_SUBSTREAM, VA, Access.READ);
        assertThat(o).isInstanceOfSatisfying(DmaOutcome.Aborted.class, a -> assertThat(a.event()).isNull());
        assertThat(bed.events()).isEmpty();
    }

    @Test
    void f_ste_fetch_carries_the_fetch_address() {
        bed.writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN);
        bed.smmu.write64(SmmuRegisters.STRTAB_BASE, NOWHERE);
        bed.writeCr0(SmmuRegisters.CR0_EVENTQEN | SmmuRegisters.CR0_CMDQEN | SmmuRegisters.CR0_SMMUEN);
        expectAbort(EventRecord.builder(EventType.F_STE_FETCH).streamId(SID).fetchAddr(NOWHERE + SID * 64L).build());
    }

    @Test
    void c_bad_ste_for_an_invalid_ste() {
        bed.writeSte(SID, Map.of("V", 0L, "Config", 0b100L));
        expectAbort(EventRecord.of(EventType.C_BAD_STE, SID));
        bed.writeSte(SID, Map.of("V", 1L, "Config", 0b110L)); // stage 2 without a legal S2T0SZ / S2AA64
        bed.submitSync(Commands.cfgiSte(SID));
        expectAbort(EventRecord.of(EventType.C_BAD_STE, SID));
    }

    @Test
    void config_abort_and_bypass() {
        bed.writeSte(SID, Map.of("V", 1L, "Config", 0b000L));
        assertThat(dma(VA, Access.READ)).isInstanceOfSatisfying(DmaOutcome.Aborted.class,
            a -> assertThat(a.event()).isNull());
        bed.writeSte(SID, Map.of("V", 1L, "Config", 0b100L));
        bed.submitSync(Commands.cfgiSte(SID));
        assertThat(dma(VA, Access.READ)).isEqualTo(new DmaOutcome.Bypassed(VA));
        // Stage-1 bypass of an input above the IAS: a stage-1 address-size fault (S2=0, CLASS=IN).
        long high = 1L << 50;
        expectAbort(dma(high, Access.READ), EventRecord.builder(EventType.F_ADDR_SIZE).streamId(SID)
            .access(Access.READ).stage(false, EventClass.IN).inputAddr(high).build());
        assertThat(bed.events()).isEmpty();
    }

    @Test
    void f_stream_disabled_and_c_bad_substreamid() {
        s1 = bed.s1();
        s1.map(PAGE, SmmuBed.TARGET, 0x1000, RW);
        bed.writeCd(SmmuBed.CDS + 64, SmmuBed.cd(s1, 4));
        Map<String, Long> ste = SmmuBed.s1Ste(SmmuBed.CDS, 2);
        ste.put("S1CDMax", 2L); // 4 CDs, S1DSS=0b00: transactions without a SubstreamID are terminated
        bed.writeSte(SID, ste);
        bed.submitSync(Commands.cfgiSte(SID));
        expectAbort(EventRecord.of(EventType.F_STREAM_DISABLED, SID));
        assertThat(bed.smmu.translate(SID, 1, VA, Access.READ).physicalAddress()).isEqualTo(SmmuBed.TARGET + 0x567);
        expectAbort(bed.smmu.translate(SID, 5, VA, Access.READ),
            EventRecord.builder(EventType.C_BAD_SUBSTREAMID).streamId(SID).substreamId(5).build());
    }

    @Test
    void f_cd_fetch_and_c_bad_cd() {
        bed.writeSte(SID, SmmuBed.s1Ste(NOWHERE, 2));
        expectAbort(EventRecord.builder(EventType.F_CD_FETCH).streamId(SID).fetchAddr(NOWHERE).build());
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 2));
        bed.writeCd(SmmuBed.CDS, Map.of("V", 0L));
        bed.submitSync(Commands.cfgiSte(SID));
        expectAbort(EventRecord.of(EventType.C_BAD_CD, SID));
    }

    @Test
    void nested_cd_fetch_faults_report_class_cd() {
        s2 = bed.s2();
        s2.map(SmmuBed.GUEST_CDS_IPA, NOWHERE, 0x1000, Prot.of("rw"));
        s2.map(SmmuBed.GUEST_CDS_IPA + 0x1000, SmmuBed.GUEST_PA + 0x1000, 0x1000, Prot.of("w"));
        long unmapped = SmmuBed.GUEST_CDS_IPA + 0x2000;
        // The PA of the CD aborts: F_CD_FETCH with the stage-2 output address.
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 2, SmmuBed.GUEST_CDS_IPA));
        expectAbort(EventRecord.builder(EventType.F_CD_FETCH).streamId(SID).fetchAddr(NOWHERE).build());
        // The CD's IPA is not mapped at stage 2: F_TRANSLATION with S2=1, CLASS=CD, IPA = the CD address.
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 2, unmapped));
        bed.submitSync(Commands.cfgiSte(SID));
        expectAbort(fault(EventType.F_TRANSLATION, Access.READ, true, EventClass.CD).ipa(unmapped).build());
        // Stage 2 denies reading the CD: F_PERMISSION with S2=1, CLASS=CD.
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 2, SmmuBed.GUEST_CDS_IPA + 0x1000));
        bed.submitSync(Commands.cfgiSte(SID));
        expectAbort(fault(EventType.F_PERMISSION, Access.READ, true, EventClass.CD)
            .ipa(SmmuBed.GUEST_CDS_IPA + 0x1000).build());
    }

    // ------------------------------------------------------------------------------------ F_WALK_EABT

    @Test
    void f_walk_eabt_stage1_only() {
        setup(Mode.S1, RW, RW, cd -> cd.put("TTB0", NOWHERE), ste -> { });
        long index0 = (VA >>> 39) & 0x1FF;
        expectAbort(fault(EventType.F_WALK_EABT, Access.READ, false, EventClass.TT).fetchAddr(NOWHERE + index0 * 8)
            .build());
    }

    @Test
    void f_walk_eabt_stage2_only() {
        setup(Mode.S2, RW, RW, cd -> { }, ste -> ste.put("S2TTB", NOWHERE));
        long index0 = (VA >>> 39) & 0x1FF;
        expectAbort(fault(EventType.F_WALK_EABT, Access.READ, true, EventClass.IN).fetchAddr(NOWHERE + index0 * 8)
            .build());
    }

    @Test
    void f_walk_eabt_nested_stage2_walk_of_the_cd_and_stage1_table_fetch() {
        setup(Mode.NESTED, RW, RW, cd -> { }, ste -> ste.put("S2TTB", NOWHERE));
        long index0 = (SmmuBed.GUEST_CDS_IPA >>> 39) & 0x1FF;
        expectAbort(fault(EventType.F_WALK_EABT, Access.READ, true, EventClass.CD)
            .fetchAddr(NOWHERE + index0 * 8).build());
        // Stage 2 maps the guest's table pages to where no memory is: the stage-1 descriptor read aborts.
        bed = new SmmuBed();
        s2 = bed.s2();
        s2.map(SmmuBed.GUEST_IPA, SmmuBed.GUEST_PA, 0x1000, Prot.of("rw"));
        s2.map(SmmuBed.GUEST_TABLES_IPA, NOWHERE, 0x0040_0000L, Prot.of("rw"));
        s1 = bed.guestS1();
        s1.map(PAGE, TARGET_IPA, 0x1000, RW);
        bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, 4));
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 2, SmmuBed.GUEST_CDS_IPA));
        long l0 = s1.ttb() + ((VA >>> 39) & 0x1FF) * 8;
        expectAbort(fault(EventType.F_WALK_EABT, Access.READ, false, EventClass.TT)
            .fetchAddr(l0 - SmmuBed.GUEST_TABLES_IPA + NOWHERE).build());
    }

    // ------------------------------------------------------------------------------------ F_TRANSLATION

    @Test
    void f_translation_in_each_configuration() {
        setup(Mode.S1, RW, RW);
        long other = VA + 0x10_0000;
        expectAbort(dma(other, Access.READ), fault(EventType.F_TRANSLATION, Access.READ, false, EventClass.IN)
            .inputAddr(other).build());
        bed = new SmmuBed();
        setup(Mode.S2, RW, RW);
        expectAbort(dma(other, Access.READ), fault(EventType.F_TRANSLATION, Access.READ, true, EventClass.IN)
            .inputAddr(other).ipa(other).build());
        bed = new SmmuBed();
        setup(Mode.NESTED, RW, RW);
        expectAbort(dma(other, Access.READ), fault(EventType.F_TRANSLATION, Access.READ, false, EventClass.IN)
            .inputAddr(other).build());
        // The stage-1 output IPA is not mapped at stage 2: S2=1, CLASS=IN, IPA = that IPA.
        s1.map(other & ~0xFFFL, TARGET_IPA + 0x1000, 0x1000, RW);
        bed.submitSync(Commands.tlbiNhVa(2, 4, other & ~0xFFFL, false));
        expectAbort(dma(other, Access.READ), fault(EventType.F_TRANSLATION, Access.READ, true, EventClass.IN)
            .inputAddr(other).ipa(TARGET_IPA + 0x1000).build());
    }

    @Test
    void f_translation_nested_stage1_table_not_mapped_at_stage2() {
        s2 = bed.s2();
        s2.map(SmmuBed.GUEST_IPA, SmmuBed.GUEST_PA, 0x1000, Prot.of("rw")); // the CD page only
        s1 = bed.guestS1();
        s1.map(PAGE, TARGET_IPA, 0x1000, RW);
        bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, 4));
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 2, SmmuBed.GUEST_CDS_IPA));
        long l0 = s1.ttb() + ((VA >>> 39) & 0x1FF) * 8;
        expectAbort(fault(EventType.F_TRANSLATION, Access.READ, true, EventClass.TT).ipa(l0).build());
    }

    // ------------------------------------------------------------------------------------ F_ADDR_SIZE

    @Test
    void f_addr_size_stage1_output_above_ips() {
        s1 = bed.s1();
        s1.map(PAGE, 0x1_0000_0000L, 0x1000, RW);
        Map<String, Long> cd = SmmuBed.cd(s1, 4);
        cd.put("IPS", 0L); // 32 bits
        bed.writeCd(SmmuBed.CDS, cd);
        bed.writeSte(SID, SmmuBed.s1Ste(SmmuBed.CDS, 2));
        expectAbort(fault(EventType.F_ADDR_SIZE, Access.READ, false, EventClass.IN).build());
    }

    @Test
    void f_addr_size_stage2_input_above_ias_and_output_above_s2ps() {
        setup(Mode.S2, RW, RW);
        long high = 1L << 50;
        expectAbort(dma(high, Access.READ), fault(EventType.F_ADDR_SIZE, Access.READ, false, EventClass.IN)
            .inputAddr(high).build());
        bed = new SmmuBed();
        s2 = bed.s2();
        s2.map(PAGE, 0x1_0000_0000L, 0x1000, Prot.of("rw"));
        Map<String, Long> ste = SmmuBed.s2Ste(s2, 2);
        ste.put("S2PS", 0L); // 32 bits
        bed.writeSte(SID, ste);
        expectAbort(fault(EventType.F_ADDR_SIZE, Access.READ, true, EventClass.IN).ipa(VA).build());
    }

    @Test
    void f_addr_size_nested_stage1_output_above_ips() {
        setup(Mode.NESTED, RW, RW, cd -> cd.put("IPS", 0L), ste -> { });
        long other = VA + 0x20_0000;
        s1.map(other & ~0xFFFL, 0x1_0000_0000L, 0x1000, RW);
        expectAbort(dma(other, Access.READ), fault(EventType.F_ADDR_SIZE, Access.READ, false, EventClass.IN)
            .inputAddr(other).build());
    }

    // ------------------------------------------------------------------------------------ F_ACCESS

    @Test
    void f_access_in_each_configuration() {
        Prot noAf = RW.withAccessFlag(false);
        setup(Mode.S1, noAf, RW);
        expectAbort(fault(EventType.F_ACCESS, Access.READ, false, EventClass.IN).build());
        bed = new SmmuBed();
        setup(Mode.S2, RW, Prot.of("rw").withAccessFlag(false));
        expectAbort(fault(EventType.F_ACCESS, Access.READ, true, EventClass.IN).ipa(VA).build());
        bed = new SmmuBed();
        setup(Mode.NESTED, RW, Prot.of("rw").withAccessFlag(false));
        expectAbort(fault(EventType.F_ACCESS, Access.READ, true, EventClass.IN).ipa(TARGET_IPA).build());
        bed = new SmmuBed();
        setup(Mode.NESTED, noAf, RW);
        expectAbort(fault(EventType.F_ACCESS, Access.READ, false, EventClass.IN).build());
    }

    // ------------------------------------------------------------------------------------ F_PERMISSION

    @Test
    void f_permission_in_each_configuration() {
        Prot readOnly = Prot.of("ru");
        setup(Mode.S1, readOnly, RW);
        expectAbort(dma(VA, Access.WRITE), fault(EventType.F_PERMISSION, Access.WRITE, false, EventClass.IN).build());
        // Denied on a TLB hit too (the read caches the entry; the write must not use it).
        assertThat(dma(VA, Access.READ).proceeds()).isTrue();
        expectAbort(dma(VA, Access.WRITE), fault(EventType.F_PERMISSION, Access.WRITE, false, EventClass.IN).build());
        assertThat(bed.smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, VA, Access.WRITE)).isEqualTo(Smmu.NO_ADDRESS);
        assertThat(bed.event()).isEqualTo(fault(EventType.F_PERMISSION, Access.WRITE, false, EventClass.IN).build());
        bed = new SmmuBed();
        setup(Mode.S2, RW, Prot.of("r"));
        expectAbort(dma(VA, Access.WRITE), fault(EventType.F_PERMISSION, Access.WRITE, true, EventClass.IN).ipa(VA)
            .build());
        bed = new SmmuBed();
        setup(Mode.NESTED, readOnly, RW);
        expectAbort(dma(VA, Access.WRITE), fault(EventType.F_PERMISSION, Access.WRITE, false, EventClass.IN).build());
        bed = new SmmuBed();
        setup(Mode.NESTED, RW, Prot.of("r"));
        expectAbort(dma(VA, Access.WRITE), fault(EventType.F_PERMISSION, Access.WRITE, true, EventClass.IN)
            .ipa(TARGET_IPA).build());
        // A hit on the now-cached translation checks again and reports the same fault.
        assertThat(dma(VA, Access.READ).proceeds()).isTrue();
        expectAbort(dma(VA, Access.WRITE), fault(EventType.F_PERMISSION, Access.WRITE, true, EventClass.IN)
            .ipa(TARGET_IPA).build());
    }

    /**
     * The DMA port's address-only form against {@link Smmu#translate} on two identically configured devices: the same
     * sequence of accesses (misses, hits, denied hits, PAN, WXN, an unignored top byte, an unmapped page) must give
     * the same addresses and record the same events, in every configuration.
     */
    @Test
    void translate_address_answers_and_records_exactly_like_translate() {
        Access[] accesses = {Access.READ, Access.READ, Access.WRITE, Access.EXEC, Access.PRIV_READ, Access.PRIV_WRITE,
            Access.WRITE, Access.READ};
        long[] addresses = {VA, VA + 8, VA, VA, VA, VA, 0xAB00_0080_8060_4567L, PAGE + 0x10_0000L};
        for (Mode mode : Mode.values()) {
            for (String variant : new String[] {"rw", "read-only", "PAN", "WXN", "TBI0"}) {
                Prot p1 = variant.equals("read-only") ? Prot.of("ru") : Prot.of("rwxu");
                Prot p2 = variant.equals("read-only") && mode != Mode.S1 ? Prot.of("r") : Prot.of("rwx");
                Consumer<Map<String, Long>> cdEdit = cd -> {
                    if (!variant.equals("rw") && !variant.equals("read-only")) {
                        cd.put(variant, 1L);
                    }
                };
                SmmuBed[] beds = {new SmmuBed(), new SmmuBed()};
                for (SmmuBed b : beds) {
                    bed = b;
                    setup(mode, p1, p2, cdEdit, ste -> { });
                }
                for (int i = 0; i < accesses.length; i++) {
                    DmaOutcome o = beds[0].smmu.translate(SID, Smmu.NO_SUBSTREAM, addresses[i], accesses[i]);
                    long a = beds[1].smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, addresses[i], accesses[i]);
                    String what = mode + " " + variant + " step " + i + " " + accesses[i];
                    assertThat(a).as(what).isEqualTo(o.proceeds() ? o.physicalAddress() : Smmu.NO_ADDRESS);
                    assertThat(beds[1].events()).as(what).isEqualTo(beds[0].events());
                }
            }
        }
    }

    @Test
    void f_permission_nested_stage1_table_read_denied_at_stage2_sets_ttrnw() {
        s2 = bed.s2();
        s2.map(SmmuBed.GUEST_IPA, SmmuBed.GUEST_PA, 0x1000, Prot.of("rw"));
        s2.map(SmmuBed.GUEST_TABLES_IPA, SmmuBed.GUEST_PA + 0x0010_0000L, 0x0040_0000L, Prot.of("w"));
        s1 = bed.guestS1();
        s1.map(PAGE, TARGET_IPA, 0x1000, RW);
        bed.writeGuestCd(SmmuBed.GUEST_CDS_IPA, SmmuBed.cd(s1, 4));
        bed.writeSte(SID, SmmuBed.nestedSte(s2, 2, SmmuBed.GUEST_CDS_IPA));
        long l0 = s1.ttb() + ((VA >>> 39) & 0x1FF) * 8;
        expectAbort(dma(VA, Access.WRITE), fault(EventType.F_PERMISSION, Access.WRITE, true, EventClass.TT).ipa(l0)
            .tableRead(true).build());
    }

    // ------------------------------------------------------------------------------------ R / A / S2R / MEV

    @Test
    void cd_r0_aborts_silently_and_a0_completes_as_raz_wi() {
        setup(Mode.S1, RW, RW, cd -> cd.put("R", 0L), ste -> { });
        long other = VA + 0x10_0000;
        assertThat(dma(other, Access.READ)).isInstanceOfSatisfying(DmaOutcome.Aborted.class,
            a -> assertThat(a.event()).isNull());
        assertThat(bed.events()).isEmpty();

        bed = new SmmuBed();
        setup(Mode.S1, RW, RW, cd -> cd.put("A", 0L), ste -> { });
        EventRecord expected = fault(EventType.F_TRANSLATION, Access.READ, false, EventClass.IN).inputAddr(other)
            .build();
        assertThat(dma(other, Access.READ)).isEqualTo(new DmaOutcome.RazWi(expected));
        assertThat(bed.event()).isEqualTo(expected);
        byte[] buf = {1, 2, 3, 4};
        DmaTransfer t = bed.smmu.read(SID, Smmu.NO_SUBSTREAM, other, buf, 0, 4);
        assertThat(t.complete()).isTrue();
        assertThat(buf).containsOnly(0);
        bed.events();

        bed = new SmmuBed();
        setup(Mode.S1, RW, RW, cd -> { cd.put("A", 0L); cd.put("R", 0L); }, ste -> { });
        assertThat(dma(other, Access.WRITE)).isEqualTo(new DmaOutcome.RazWi(null));
        assertThat(bed.events()).isEmpty();
    }

    @Test
    void s2r0_aborts_stage2_faults_without_a_record_and_a0_does_not_apply_to_stage2() {
        setup(Mode.NESTED, RW, Prot.of("r"), cd -> cd.put("A", 0L), ste -> ste.put("S2R", 0L));
        assertThat(dma(VA, Access.WRITE)).isInstanceOfSatisfying(DmaOutcome.Aborted.class,
            a -> assertThat(a.event()).isNull());
        assertThat(bed.events()).isEmpty();
    }

    @Test
    void mev_merges_identical_records() {
        setup(Mode.S1, RW, RW, cd -> { }, ste -> ste.put("MEV", 1L));
        long other = VA + 0x10_0000;
        dma(other, Access.READ);
        dma(other + 8, Access.READ);
        assertThat(bed.events()).hasSize(1);
        bed = new SmmuBed();
        setup(Mode.S1, RW, RW);
        dma(other, Access.READ);
        dma(other + 8, Access.READ);
        assertThat(bed.events()).hasSize(2);
    }
}
