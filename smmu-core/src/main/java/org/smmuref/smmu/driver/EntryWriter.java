package org.smmuref.smmu.driver;

import java.util.Arrays;
import java.util.Objects;

/**
 * The generic STE/CD update sequence of iommufd-driver.md section 5: it moves a live 64-byte entry to a target value
 * so that the SMMU, which may fetch the entry at any sync point, only ever sees the old or the new configuration,
 * never a mix of the two.
 *
 * <p>Per qword the writer computes which bits the hardware currently ignores (the complement of the current entry's
 * used bits, widened by the bits that are safe to change while used); those may be changed freely. A qword whose used
 * bits must still change afterwards is "critical". With one critical qword the update is hitless (unused bits, sync,
 * the critical qword, sync, the rest, sync); with more it is disruptive (qword 0 := 0 so V=0, sync, qwords 1..7,
 * sync, qword 0, sync). Each step syncs only if it changed something.
 */
public final class EntryWriter {
    /** Qwords in an STE or a CD. */
    public static final int QWORDS = 8;

    /** What the writer needs to know about the kind of entry and where it lives. */
    public interface Target {
        /** The entry as it is now (8 qwords). */
        long[] read();

        /** Writes one qword of the live entry (single-copy atomic). */
        void writeQword(int index, long value);

        /** The bits the hardware reads for a configuration equal to {@code entry}. */
        long[] used(long[] entry);

        /** Bits that may change while in use when moving from {@code current} to {@code target} (none by default). */
        default long[] updateSafe(long[] current, long[] target) {
            return new long[QWORDS];
        }

        /** Makes the writes so far visible to the SMMU (CFGI_STE / CFGI_CD + CMD_SYNC). */
        void sync();
    }

    /** How an update went. */
    public record Outcome(boolean hitless, int syncs) {
    }

    private EntryWriter() {
    }

    /**
     * Moves the entry behind {@code t} to {@code target}.
     *
     * @throws IllegalArgumentException if {@code target} sets bits that its own configuration does not use (a
     *     driver bug the kernel WARNs about: such bits could never be sequenced safely)
     */
    public static Outcome write(Target t, long[] target) {
        Objects.requireNonNull(target);
        if (target.length != QWORDS) {
            throw new IllegalArgumentException("an entry has " + QWORDS + " qwords, not " + target.length);
        }
        long[] entry = t.read();
        long[] curUsed = t.used(entry);
        long[] targetUsed = t.used(target);
        long[] safe = t.updateSafe(entry, target);
        long[] unusedUpdate = new long[QWORDS];
        int criticalMask = 0;
        for (int i = 0; i < QWORDS; i++) {
            if ((target[i] & ~targetUsed[i]) != 0) {
                throw new IllegalArgumentException(String.format(
                    "target qword %d sets bits 0x%x its configuration does not use", i, target[i] & ~targetUsed[i]));
            }
            // Safe bits only matter when both configurations use them; otherwise the unused rule sequences them.
            long cur = curUsed[i] & ~(safe[i] & targetUsed[i] & curUsed[i]);
            unusedUpdate[i] = (entry[i] & cur) | (target[i] & ~cur);
            if ((unusedUpdate[i] & targetUsed[i]) != target[i]) {
                criticalMask |= 1 << i;
            }
        }
        int syncs = 0;
        boolean hitless = true;
        if (Integer.bitCount(criticalMask) == 1) {
            int critical = Integer.numberOfTrailingZeros(criticalMask);
            unusedUpdate[critical] = entry[critical];
            syncs += set(t, unusedUpdate, 0, QWORDS);
            syncs += set(t, target, critical, 1);
            syncs += set(t, target, 0, QWORDS);
        } else if (criticalMask != 0) {
            hitless = false;
            long[] invalid = t.read();
            invalid[0] = 0;
            syncs += set(t, invalid, 0, 1);
            syncs += set(t, target, 1, QWORDS - 1);
            syncs += set(t, target, 0, 1);
        } else {
            syncs += set(t, target, 0, QWORDS);
        }
        return new Outcome(hitless, syncs);
    }

    /** Writes qwords {@code [start, start + len)} that differ, then syncs once if any did; returns the syncs. */
    private static int set(Target t, long[] values, int start, int len) {
        long[] now = t.read();
        boolean changed = false;
        for (int i = start; i < start + len; i++) {
            if (now[i] != values[i]) {
                t.writeQword(i, values[i]);
                changed = true;
            }
        }
        if (changed) {
            t.sync();
            return 1;
        }
        return 0;
    }

    /** A copy of an 8-qword entry, checked for length. */
    static long[] copy(long[] entry) {
        if (entry.length != QWORDS) {
            throw new IllegalArgumentException("an entry has " + QWORDS + " qwords, not " + entry.length);
        }
        return Arrays.copyOf(entry, QWORDS);
    }
}
