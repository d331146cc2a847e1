package org.smmuref.smmu.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.Granule;

/**
 * The KUnit cases of {@code arm-smmu-v3-test.c} (iommufd-driver.md section 5): at every sync the entry, masked with
 * the bits its current configuration uses, equals the initial or the target entry; an invalid entry seen at a sync
 * makes the transition non-hitless; the sync counts are the kernel's.
 */
class EntryWriterTest {
    private static final long CD_TABLE = 0xF0F0F0F0F0C0L; // 0xF0F0F0F0F0F0 masked to S1ContextPtr [55:6]
    private static final int S1CDMAX = 0x1F;
    private static final int S1FMT_64K_L2 = 2;
    private static final SteWords.S2Config S2 = new SteWords.S2Config(0xdaedbeefdeadbeefL & 0x00FF_FFFF_FFFF_FFF0L,
        4, 3, 2, 1);

    /** The KUnit test writer: records syncs and checks every intermediate state. */
    static final class TestWriter implements EntryWriter.Target {
        final long[] entry;
        final long[] init;
        final long[] target;
        final Function<long[], long[]> used;
        final boolean ste;
        int syncs;
        boolean invalidWritten;

        TestWriter(long[] init, long[] target, boolean ste) {
            this.entry = init.clone();
            this.init = init.clone();
            this.target = target.clone();
            this.ste = ste;
            this.used = ste ? SteWords::used : CdWords::used;
        }

        @Override
        public long[] read() {
            return entry.clone();
        }

        @Override
        public void writeQword(int index, long value) {
            entry[index] = value;
        }

        @Override
        public long[] used(long[] e) {
            return used.apply(e);
        }

        @Override
        public long[] updateSafe(long[] current, long[] t) {
            return ste ? SteWords.updateSafe(current, t) : EntryWriter.Target.super.updateSafe(current, t);
        }

        @Override
        public void sync() {
            syncs++;
            if (entry[0] == 0) {
                invalidWritten = true;
                return;
            }
            // Bits that may change while in use (MEV, EATS) are no part of "old or new configuration".
            long[] u = used.apply(entry);
            long[] safe = updateSafe(init, target);
            for (int i = 0; i < u.length; i++) {
                u[i] &= ~safe[i];
            }
            assertThat(matches(u, init) || matches(u, target))
                .as("entry %s at sync %d mixes %s and %s", hex(entry), syncs, hex(init), hex(target)).isTrue();
        }

        private boolean matches(long[] u, long[] expected) {
            for (int i = 0; i < u.length; i++) {
                if ((entry[i] & u[i]) != (expected[i] & u[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    private static void expect(long[] from, long[] to, int syncs, boolean hitless, boolean ste) {
        TestWriter w = new TestWriter(from, to, ste);
        EntryWriter.write(w, to);
        assertThat(w.entry).as("final entry").containsExactly(to);
        assertThat(w.syncs).as("syncs").isEqualTo(syncs);
        assertThat(!w.invalidWritten).as("hitless").isEqualTo(hitless);
    }

    private static void ste(long[] from, long[] to, int syncs) {
        expect(from, to, syncs, true, true);
    }

    private static void bothWays(long[] a, long[] b, int syncs) {
        ste(a, b, syncs);
        ste(b, a, syncs);
    }

    private static long[] cdtable(int s1dss, boolean ats) {
        return SteWords.cdTable(CD_TABLE, S1FMT_64K_L2, S1CDMAX, s1dss, ats, true, true);
    }

    private static long[] s2(boolean ats) {
        return SteWords.s2(S2, 0, ats, false, false, true);
    }

    @Test
    void bypassAndAbort() {
        bothWays(SteWords.bypass(true), SteWords.abort(), 2);
    }

    @Test
    void cdtableAndAbort() {
        bothWays(cdtable(SteWords.S1DSS_SSID0, true), SteWords.abort(), 2);
    }

    @Test
    void cdtableAndBypass() {
        bothWays(cdtable(SteWords.S1DSS_SSID0, true), SteWords.bypass(true), 3);
    }

    @Test
    void cdtableS1dssChangeIsOneSync() {
        bothWays(cdtable(SteWords.S1DSS_SSID0, true), cdtable(SteWords.S1DSS_BYPASS, true), 1);
    }

    @Test
    void s1dssBypassAndSteBypass() {
        bothWays(cdtable(SteWords.S1DSS_BYPASS, true), SteWords.bypass(true), 2);
    }

    @Test
    void s2AndAbortAndBypass() {
        ste(s2(true), SteWords.abort(), 2);
        ste(SteWords.abort(), s2(true), 2);
        ste(s2(true), SteWords.bypass(true), 2);
        ste(SteWords.bypass(true), s2(true), 2);
    }

    @Test
    void s1AndS2() {
        bothWays(cdtable(SteWords.S1DSS_SSID0, true), s2(true), 3);
    }

    @Test
    void s1AndS2WithStall() {
        long[] s1 = SteWords.cdTable(CD_TABLE, S1FMT_64K_L2, S1CDMAX, SteWords.S1DSS_SSID0, false, false, true);
        long[] s2 = SteWords.s2(S2, 0, false, false, true, true);
        bothWays(s1, s2, 3);
    }

    @Test
    void changingTwoUsedQwordsIsNotHitless() {
        long[] a = SteWords.cdTable(CD_TABLE, S1FMT_64K_L2, S1CDMAX, SteWords.S1DSS_SSID0, false, true, true);
        long[] b = SteWords.cdTable(0x4B4B4B4B40L, S1FMT_64K_L2, S1CDMAX, SteWords.S1DSS_BYPASS, false, true, true);
        expect(a, b, 3, false, true);
    }

    private static long[] nestedFixture() {
        long[] n = cdtable(SteWords.S1DSS_BYPASS, true);
        SteWords.CONFIG.set(n, SteWords.CFG_NESTED);
        SteWords.MEV.set(n, 1);
        long[] s2 = SteWords.stage2Words(s2(false));
        System.arraycopy(s2, 2, n, 2, 6);
        return n;
    }

    @Test
    void nestedS1dssBypassToS1BypassTakesAnExtraSyncForEatsAndMev() {
        ste(nestedFixture(), s2(false), 3);
    }

    @Test
    void plainS2ToNestedIsTwoSyncs() {
        ste(s2(false), nestedFixture(), 2);
    }

    private static long[] s1Cd(int asid) {
        // arm_smmu_test_make_s1_cd builds with arm_smmu_make_s1_cd
        return CdWords.makeS1Cd(asid, 0x1234_5000L, 16, Granule.G4K, 5, 0x44, true);
    }

    @Test
    void cdS1ClearIsTwoSyncsAndNotHitless() {
        expect(new long[8], s1Cd(1997), 2, false, false);
        expect(s1Cd(1997), new long[8], 2, false, false);
    }

    @Test
    void cdAsidChangeIsOneHitlessSync() {
        expect(s1Cd(778), s1Cd(1997), 1, true, false);
        expect(s1Cd(1997), s1Cd(778), 1, true, false);
    }

    @Test
    void cdSvaReleaseIsTwoHitlessSyncs() {
        expect(s1Cd(1997), CdWords.released(s1Cd(1997)), 2, true, false);
        expect(CdWords.released(s1Cd(1997)), s1Cd(1997), 2, true, false);
    }

    @Test
    void aTargetWithBitsItsConfigIgnoresIsRefused() {
        long[] bad = SteWords.abort();
        bad[3] = 0x1000;
        TestWriter w = new TestWriter(SteWords.bypass(false), bad, true);
        assertThatThrownBy(() -> EntryWriter.write(w, bad)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("qword 3");
    }

    @Test
    void nestingMasksAreTheKernels() {
        assertThat(SteWords.NESTING_ALLOWED_0).isEqualTo(0xf80fffffffffffffL);
        assertThat(SteWords.NESTING_ALLOWED_1).isEqualTo(0x380000ffL);
    }

    private static String hex(long[] e) {
        return Arrays.stream(e).mapToObj(Long::toHexString).toList().toString();
    }
}
