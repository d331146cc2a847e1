package org.smmuref.bench;

/**
 * The bare baseline for a TLB hit: an open-addressing {@code long -> long} hash table with linear probing.
 *
 * <p>It does the least work any cache keyed by a 64-bit tag could do, so a TLB hit is measured against it.
 */
public final class LongLongProbe {
    private static final long EMPTY = Long.MIN_VALUE;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private int size;

    /** A table with room for {@code capacity} keys at a load factor of at most one half. */
    public LongLongProbe(int capacity) {
        int slots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
        keys = new long[slots];
        values = new long[slots];
        mask = slots - 1;
        java.util.Arrays.fill(keys, EMPTY);
    }

    private static int spread(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** Stores {@code key -> value}; the key must not be {@link Long#MIN_VALUE}. */
    public void put(long key, long value) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("Long.MIN_VALUE is the empty marker");
        }
        int i = spread(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == EMPTY) {
            if (++size > keys.length / 2) {
                throw new IllegalStateException("table full");
            }
        }
        keys[i] = key;
        values[i] = value;
    }

    /** The value of {@code key}, or {@code missing} when absent. */
    public long get(long key, long missing) {
        int i = spread(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return missing;
            }
            i = (i + 1) & mask;
        }
    }
}
