package org.smmuref.smmu.hw;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model of the Address Translation Caches of the ATS-capable endpoints behind one SMMU: what each device (StreamID)
 * cached from successful ATS translation requests, until a CMD_ATC_INV removes it. Lets driver tests check that
 * their ATC invalidations reach the device. Thread-safe.
 */
public final class Atc {

    /**
     * One cached ATS translation.
     *
     * @param streamId the device
     * @param substreamId the PASID, or {@link Smmu#NO_SUBSTREAM}
     * @param inputBase first untranslated address of the block
     * @param size block size in bytes (a power of two)
     * @param outputBase first translated address (a PA, or an IPA for split-stage ATS)
     * @param read whether reads were granted
     * @param write whether writes were granted
     */
    public record Entry(int streamId, int substreamId, long inputBase, long size, long outputBase, boolean read,
                        boolean write) {
        /** Whether {@code address} lies in this entry's block. */
        public boolean covers(long address) {
            return address - inputBase >= 0 && address - inputBase < size;
        }
    }

    private final Map<Integer, List<Entry>> byStream = new HashMap<>();

    /** Caches {@code entry} in its device's ATC, replacing an entry for the same block. */
    public synchronized void insert(Entry entry) {
        List<Entry> list = byStream.computeIfAbsent(entry.streamId(), k -> new ArrayList<>());
        list.removeIf(e -> e.substreamId() == entry.substreamId() && e.inputBase() == entry.inputBase());
        list.add(entry);
    }

    /** The device's cached translation of {@code address} for the substream, if any. */
    public synchronized Optional<Entry> lookup(int streamId, int substreamId, long address) {
        for (Entry e : byStream.getOrDefault(streamId, List.of())) {
            if (e.substreamId() == substreamId && e.covers(address)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** How many translations the device caches. */
    public synchronized int size(int streamId) {
        return byStream.getOrDefault(streamId, List.of()).size();
    }

    /**
     * Applies CMD_ATC_INV: drops the device's entries overlapping the 4 KiB * 2^Size span at Address (aligned down
     * to the span; Size &gt;= 52 means everything). With SSV and without Global only that PASID's entries go;
     * otherwise every PASID's (over-invalidation is allowed).
     *
     * @return how many entries were dropped
     */
    public synchronized int invalidate(Command.AtcInv command) {
        List<Entry> list = byStream.get(command.streamId());
        if (list == null) {
            return 0;
        }
        int shift = 12 + command.size();
        long start = shift >= 64 ? 0 : command.address() & -(1L << shift);
        long last = shift >= 64 || command.size() >= 52 ? -1L : start + (1L << shift) - 1;
        boolean allSpace = command.size() >= 52;
        int removed = 0;
        for (Iterator<Entry> it = list.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            boolean pasidMatches = !command.ssv() || command.global() || e.substreamId() == command.substreamId();
            long eLast = e.inputBase() + e.size() - 1;
            boolean overlaps = allSpace
                || Long.compareUnsigned(e.inputBase(), last) <= 0 && Long.compareUnsigned(eLast, start) >= 0;
            if (pasidMatches && overlaps) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }
}
