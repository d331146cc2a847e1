package org.smmuref.smmu.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.Granule;

/**
 * Beyond the KUnit table: between any two STEs (or CDs) the driver can build, the writer never shows the SMMU a mix
 * of old and new at a sync, ends at the target, uses at most three syncs, and writes V=0 only when more than one
 * used qword must change.
 */
class EntryWriterPropertyTest {
    private static final List<long[]> STES = stes();
    private static final List<long[]> CDS = cds();

    private static List<long[]> stes() {
        List<long[]> out = new ArrayList<>();
        out.add(SteWords.abort());
        out.add(SteWords.bypass(false));
        out.add(SteWords.bypass(true));
        for (long ptr : new long[] {0x4000_0000L, 0x8_0000_1000L}) {
            for (int s1dss = 0; s1dss < 3; s1dss++) {
                for (boolean ats : new boolean[] {false, true}) {
                    out.add(SteWords.cdTable(ptr, 2, 4, s1dss, ats, true, true));
                    out.add(SteWords.cdTable(ptr, 0, 0, s1dss, ats, false, false));
                }
            }
        }
        for (long ttb : new long[] {0x4010_0000L, 0x4020_0000L}) {
            SteWords.S2Config s2 = new SteWords.S2Config(ttb, 16, 2, 0, 5);
            for (int vmid = 1; vmid <= 2; vmid++) {
                for (boolean ats : new boolean[] {false, true}) {
                    long[] plain = SteWords.s2(s2, vmid, ats, vmid == 2, false, true);
                    out.add(plain);
                    out.add(SteWords.s2(s2, vmid, ats, false, true, true));
                    out.add(SteWords.nested(plain, 1 | 5 << 1 | 0x8000_0000L, 1 | 1 << 2 | 1 << 4 | 3 << 6));
                    out.add(SteWords.nested(plain, 1 | 5 << 1 | 0x8000_4000L | 2L << 59, 2));
                }
            }
        }
        return out;
    }

    private static List<long[]> cds() {
        List<long[]> out = new ArrayList<>();
        out.add(new long[8]);
        for (int asid : new int[] {1, 778, 1997}) {
            for (long ttb : new long[] {0x1000L, 0x7_0000_0000L}) {
                long[] cd = CdWords.s1(asid, ttb, 16, Granule.G4K, 5, 0x44);
                out.add(cd);
                out.add(CdWords.released(cd));
                out.add(CdWords.s1(asid, ttb, 25, Granule.G64K, 2, 0xFF));
            }
        }
        return out;
    }

    private static void check(List<long[]> pool, boolean ste, int a, int b) {
        long[] from = pool.get(a);
        long[] to = pool.get(b);
        EntryWriterTest.TestWriter w = new EntryWriterTest.TestWriter(from, to, ste);
        EntryWriter.Outcome outcome = EntryWriter.write(w, to);
        assertThat(w.entry).containsExactly(to);
        assertThat(w.syncs).isBetween(java.util.Arrays.equals(from, to) ? 0 : 1, 3).isEqualTo(outcome.syncs());
        if (outcome.hitless() && (from[0] & 1) != 0 && ste) {
            assertThat(w.invalidWritten).as("a hitless STE update never writes V=0").isFalse();
        }
    }

    @Test
    void everySteTransitionIsOldOrNewAtEverySync() {
        qt().withExamples(2000).forAll(integers().between(0, STES.size() - 1), integers().between(0, STES.size() - 1))
            .checkAssert((a, b) -> check(STES, true, a, b));
    }

    @Test
    void everyCdTransitionIsOldOrNewAtEverySync() {
        qt().withExamples(500).forAll(integers().between(0, CDS.size() - 1), integers().between(0, CDS.size() - 1))
            .checkAssert((a, b) -> check(CDS, false, a, b));
    }

    @Test
    void negativeControlAWriterThatIgnoresUsedBitsIsCaught() {
        int caught = 0;
        for (long[] from : STES) {
            for (long[] to : STES) {
                EntryWriterTest.TestWriter w = new EntryWriterTest.TestWriter(from, to, true);
                // Broken: claims the SMMU reads only qword 0, so qwords 1..7 are rewritten under a live entry.
                EntryWriter.Target broken = new EntryWriter.Target() {
                    @Override
                    public long[] read() {
                        return w.read();
                    }

                    @Override
                    public void writeQword(int index, long value) {
                        w.writeQword(index, value);
                    }

                    @Override
                    public long[] used(long[] entry) {
                        long[] u = new long[8];
                        u[0] = -1L;
                        for (int i = 1; i < 8; i++) {
                            u[i] = entry[i];
                        }
                        return u;
                    }

                    @Override
                    public void sync() {
                        w.sync();
                    }
                };
                try {
                    EntryWriter.write(broken, to);
                } catch (AssertionError e) {
                    caught++;
                }
            }
        }
        assertThat(caught).as("transitions where the broken writer exposed a mixed entry").isPositive();
    }
}
