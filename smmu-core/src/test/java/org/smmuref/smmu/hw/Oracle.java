package org.smmuref.smmu.hw;

import java.util.Map;
import java.util.TreeMap;
import org.smmuref.smmu.pgtable.Prot;

/**
 * An independent model of one stage's mappings: a sorted map of regions with their permissions, written without
 * reference to descriptor formats, levels or the walker.
 */
final class Oracle {
    /** One mapped region. */
    record Region(long start, long size, long oa, Prot prot) {
        long last() {
            return start + size - 1;
        }
    }

    private final TreeMap<Long, Region> regions = new TreeMap<>(Long::compareUnsigned);

    /** Whether [start, start + size) overlaps a region. */
    boolean overlaps(long start, long size) {
        Map.Entry<Long, Region> below = regions.floorEntry(start + size - 1);
        return below != null && Long.compareUnsigned(below.getValue().last(), start) >= 0;
    }

    void map(long start, long size, long oa, Prot prot) {
        regions.put(start, new Region(start, size, oa, prot));
    }

    /** Removes [start, start + size), trimming regions that straddle its ends. */
    void unmap(long start, long size) {
        long last = start + size - 1;
        for (Region r : regions.values().toArray(new Region[0])) {
            if (Long.compareUnsigned(r.last(), start) < 0 || Long.compareUnsigned(r.start(), last) > 0) {
                continue;
            }
            regions.remove(r.start());
            if (Long.compareUnsigned(r.start(), start) < 0) {
                regions.put(r.start(), new Region(r.start(), start - r.start(), r.oa(), r.prot()));
            }
            if (Long.compareUnsigned(r.last(), last) > 0) {
                long cut = last + 1 - r.start();
                regions.put(last + 1, new Region(last + 1, r.size() - cut, r.oa() + cut, r.prot()));
            }
        }
    }

    Region find(long address) {
        Map.Entry<Long, Region> e = regions.floorEntry(address);
        if (e == null || Long.compareUnsigned(e.getValue().last(), address) < 0) {
            return null;
        }
        return e.getValue();
    }

    Region region(int index) {
        return regions.values().stream().skip(index).findFirst().orElse(null);
    }

    int size() {
        return regions.size();
    }

    /** Stage-1 rules, stated from the mapping request: AArch64 EL1&amp;0 regime without PAN/WXN. */
    static boolean stage1Allows(Prot p, Access a) {
        if (a.privileged()) {
            if (a.instruction()) {
                return p.exec() && !(p.user() && p.write());
            }
            return !a.write() || p.write();
        }
        if (!p.user()) {
            return false;
        }
        if (a.instruction()) {
            return p.exec();
        }
        return !a.write() || p.write();
    }

    /** Stage-2 rules. */
    static boolean stage2Allows(Prot p, Access a) {
        if (a.instruction()) {
            return p.exec();
        }
        return a.write() ? p.write() : p.read();
    }
}
