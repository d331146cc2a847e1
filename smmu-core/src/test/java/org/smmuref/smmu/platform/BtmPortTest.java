package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.smmuref.kvm.Tlbi;
import org.smmuref.kvm.TlbiBroadcast;
import org.smmuref.smmu.hw.TlbInvalidation;
import org.smmuref.smmu.hw.TlbInvalidation.Range;

/** The mapping of every KVM broadcast TLBI record to the SMMU TLB maintenance it means. */
class BtmPortTest {
    static final int VMID = 7;

    static TlbiBroadcast tagged(Tlbi op) {
        return new TlbiBroadcast(op, op.scopedToVmid() ? VMID : 0, 0);
    }

    static Map<Tlbi, TlbInvalidation> expectations() {
        Tlbi.Range r = new Tlbi.Range(2, 1, 3, 2); // 16K granule, (3+1) * 2^(5+1) granules, TTL 2
        Map<Tlbi, TlbInvalidation> m = new LinkedHashMap<>();
        m.put(new Tlbi.Vmalle1is(), new TlbInvalidation.NhAll(VMID));
        m.put(new Tlbi.Aside1is(0x1234), new TlbInvalidation.NhAsid(VMID, 0x1234, true));
        m.put(new Tlbi.Vae1is(3, 0x7000_1000L, true),
            new TlbInvalidation.NhVa(VMID, 3, 0x7000_1000L, Range.SINGLE, true, true));
        m.put(new Tlbi.Vaae1is(0x7000_2000L, false), new TlbInvalidation.NhVaa(VMID, 0x7000_2000L, Range.SINGLE, false));
        m.put(new Tlbi.Rvae1is(5, 0x10_0000L, r, false),
            new TlbInvalidation.NhVa(VMID, 5, 0x10_0000L, new Range(14, 6, 3, 2), false, true));
        m.put(new Tlbi.Rvaae1is(0x20_0000L, r, true),
            new TlbInvalidation.NhVaa(VMID, 0x20_0000L, new Range(14, 6, 3, 2), true));
        m.put(new Tlbi.Vmalls12e1is(), new TlbInvalidation.S12Vmall(VMID));
        m.put(new Tlbi.Ipas2e1is(0x8000_3000L, true), new TlbInvalidation.S2Ipa(VMID, 0x8000_3000L, Range.SINGLE, true));
        m.put(new Tlbi.Ripas2e1is(0x8010_0000L, r, false),
            new TlbInvalidation.S2Ipa(VMID, 0x8010_0000L, new Range(14, 6, 3, 2), false));
        m.put(new Tlbi.Alle1is(), new TlbInvalidation.NsnhAll());
        return m;
    }

    @Test
    void every_kvm_broadcast_maps_to_its_smmu_invalidation() {
        expectations().forEach((op, expected) ->
            assertThat(BtmPort.map(tagged(op))).as(op.mnemonic()).isEqualTo(expected));
    }

    @Test
    void ranges_cover_the_same_bytes() {
        for (int tg = 1; tg <= 3; tg++) {
            for (int scale = 0; scale <= 3; scale++) {
                Tlbi.Range r = new Tlbi.Range(tg, scale, 31, 0);
                TlbInvalidation.NhVaa m = (TlbInvalidation.NhVaa) BtmPort.map(tagged(new Tlbi.Rvaae1is(0, r, false)));
                assertThat(m.range().bytes()).isEqualTo(r.bytes());
                assertThat(m.range().tgShift()).isEqualTo(r.granuleShift());
            }
        }
    }

    @Test
    void the_expectations_cover_every_record_of_the_sealed_tlbi_hierarchy() {
        Set<Class<?>> records = new HashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>(java.util.List.of(Tlbi.class));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (c.isRecord()) {
                records.add(c);
            } else if (c.isSealed()) {
                todo.addAll(java.util.List.of(c.getPermittedSubclasses()));
            }
        }
        Set<Class<?>> covered = new HashSet<>();
        expectations().keySet().forEach(op -> covered.add(op.getClass()));
        assertThat(covered).containsExactlyInAnyOrderElementsOf(records);
    }
}
