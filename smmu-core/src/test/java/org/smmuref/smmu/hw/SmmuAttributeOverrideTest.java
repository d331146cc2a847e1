package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * STE.PRIVCFG and INSTCFG replace the transaction's PnU and InD before translation when IDR1.ATTR_PERMS_OVR = 1
 * (SMMU section 5.2 STE, 13.1.2): the permission check, on the walk and on every later TLB hit, and the event record
 * see the overridden attributes; INSTCFG leaves writes alone; without ATTR_PERMS_OVR the fields are RES0.
 */
class SmmuAttributeOverrideTest {
    static final int SID = 5;
    static final long VA = 0x7700_0000L;

    /** A stage-1 stream: VA privileged read/write only (EL0 no access), not executable; STE with the overrides. */
    static SmmuBed bed(SmmuFeatures f, long privCfg, long instCfg) {
        SmmuBed bed = new SmmuBed(f);
        PageTableBuilder s1 = bed.s1();
        s1.map(VA, SmmuBed.TARGET, 0x1000, Prot.of("rwn"));
        bed.writeCd(SmmuBed.CDS, SmmuBed.cd(s1, 3));
        Map<String, Long> ste = SmmuBed.s1Ste(SmmuBed.CDS, 1);
        ste.put("PRIVCFG", privCfg);
        ste.put("INSTCFG", instCfg);
        bed.writeSte(SID, ste);
        return bed;
    }

    static boolean ok(SmmuBed bed, Access a) {
        return bed.smmu.translate(SID, Smmu.NO_SUBSTREAM, VA + 0x40, a).proceeds()
            && bed.smmu.translateAddress(SID, Smmu.NO_SUBSTREAM, VA + 0x40, a) != Smmu.NO_ADDRESS;
    }

    static final SmmuFeatures OVR = SmmuFeatures.reference().build();

    @Test
    void privcfg_privileged_lets_an_unprivileged_device_reach_a_privileged_page() {
        SmmuBed incoming = bed(OVR, 0b00, 0b00);
        assertThat(ok(incoming, Access.READ)).isFalse();
        incoming.events();
        SmmuBed b = bed(OVR, 0b11, 0b00);
        for (int round = 0; round < 2; round++) { // walk, then TLB / micro-TLB hits
            assertThat(ok(b, Access.READ)).as("round %d", round).isTrue();
            assertThat(ok(b, Access.WRITE)).as("round %d", round).isTrue();
        }
        SmmuBed user = bed(OVR, 0b10, 0b00);
        for (int round = 0; round < 2; round++) {
            assertThat(ok(user, Access.PRIV_READ)).as("PRIVCFG=unprivileged, round %d", round).isFalse();
        }
        EventRecord e = user.events().get(0);
        assertThat(e.type()).isEqualTo(EventType.F_PERMISSION);
        assertThat(e.privileged()).as("the record shows the overridden PnU").isFalse();
        SmmuBed reserved = bed(OVR, 0b01, 0b00);
        assertThat(ok(reserved, Access.PRIV_READ)).as("0b01 behaves as 0b00").isTrue();
        assertThat(ok(reserved, Access.READ)).isFalse();
    }

    @Test
    void instcfg_instruction_makes_reads_fetches_and_leaves_writes_alone() {
        SmmuBed b = bed(OVR, 0b00, 0b11);
        for (int round = 0; round < 2; round++) {
            assertThat(ok(b, Access.PRIV_READ)).as("a read fetched from an XN page, round %d", round).isFalse();
            assertThat(ok(b, Access.PRIV_WRITE)).as("writes stay data, round %d", round).isTrue();
        }
        SmmuBed data = bed(OVR, 0b00, 0b10);
        assertThat(ok(data, new Access(false, true, true))).as("INSTCFG=data: a fetch reads as data").isTrue();
    }

    @Test
    void without_attr_perms_ovr_the_fields_are_res0() {
        SmmuFeatures plain = SmmuFeatures.reference().attrPermsOvr(false).build();
        assertThat(plain.idr(1) >>> 26 & 1).isZero();
        assertThat(OVR.idr(1) >>> 26 & 1).isOne();
        SmmuBed b = bed(plain, 0b11, 0b11);
        assertThat(ok(b, Access.READ)).isFalse();
        assertThat(ok(b, Access.PRIV_READ)).isTrue();
    }
}
