package org.smmuref.smmu.hw;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * The SMMU's configuration cache: decoded {@link StreamConfig}s keyed by (StreamID, SubstreamID or none), separate
 * from the TLB.
 *
 * <p>Lookups read immutable chains without locking and allocate nothing; inserts and invalidations are serialized.
 * Every invalidation advances a generation, and an insert whose fetch began before the latest invalidation is dropped,
 * so a fetch racing with a CFGI cannot resurrect the configuration the CFGI removed. A full cache evicts one entry per
 * insert (round robin over the buckets).
 */
final class ConfigCache {
    /** The SubstreamID part of the key of a transaction without a SubstreamID. */
    static final int NO_SSID_KEY = 1 << 20;

    private record Node(long key, StreamConfig config, Node next) {
    }

    private final int capacity;
    private final AtomicReferenceArray<Node> buckets;
    private final int mask;
    private volatile long generation;
    private int size;
    private int evictCursor;

    ConfigCache(int capacity) {
        if (capacity < 1 || capacity > (1 << 24)) {
            throw new IllegalArgumentException("config cache capacity must be 1..2^24 entries, was " + capacity);
        }
        this.capacity = capacity;
        int n = Integer.highestOneBit(Math.max(16, capacity) * 2 - 1);
        this.buckets = new AtomicReferenceArray<>(n);
        this.mask = n - 1;
    }

    /** The key of (StreamID, SubstreamID); {@code ssid} &lt; 0 means no SubstreamID. */
    static long key(int streamId, int ssid) {
        return Integer.toUnsignedLong(streamId) << 21 | (ssid < 0 ? NO_SSID_KEY : ssid);
    }

    static long streamIdOf(long key) {
        return key >>> 21;
    }

    static int ssidKeyOf(long key) {
        return (int) (key & ((1 << 21) - 1));
    }

    private int index(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ h >>> 29) & mask;
    }

    long generation() {
        return generation;
    }

    StreamConfig get(long key) {
        for (Node n = buckets.get(index(key)); n != null; n = n.next) {
            if (n.key == key) {
                return n.config;
            }
        }
        return null;
    }

    synchronized int size() {
        return size;
    }

    /** Inserts unless an invalidation happened since {@code expectedGeneration}; returns whether it did. */
    synchronized boolean put(long key, StreamConfig config, long expectedGeneration) {
        if (generation != expectedGeneration) {
            return false;
        }
        int i = index(key);
        Node head = buckets.get(i);
        if (contains(head, key)) {
            head = without(head, k -> k == key, c -> true);
            size--;
        } else if (size == capacity) {
            evictOne();
            head = buckets.get(i);
        }
        buckets.set(i, new Node(key, config, head));
        size++;
        return true;
    }

    /** Drops every entry whose key and configuration both match; advances the generation. */
    synchronized int invalidate(LongPredicate keyTest, Predicate<StreamConfig> configTest) {
        generation++;
        int removed = 0;
        for (int i = 0; i <= mask; i++) {
            Node head = buckets.get(i);
            if (head == null) {
                continue;
            }
            int before = count(head);
            Node kept = without(head, keyTest, configTest);
            int after = count(kept);
            if (after != before) {
                buckets.set(i, kept);
                removed += before - after;
            }
        }
        size -= removed;
        return removed;
    }

    /** Drops everything. */
    synchronized void clear() {
        generation++;
        for (int i = 0; i <= mask; i++) {
            buckets.set(i, null);
        }
        size = 0;
    }

    private void evictOne() {
        for (int step = 0; step <= mask; step++) {
            int i = (evictCursor + step) & mask;
            Node head = buckets.get(i);
            if (head != null) {
                buckets.set(i, head.next);
                size--;
                evictCursor = i + 1;
                return;
            }
        }
    }

    private static boolean contains(Node head, long key) {
        for (Node n = head; n != null; n = n.next) {
            if (n.key == key) {
                return true;
            }
        }
        return false;
    }

    private static int count(Node head) {
        int c = 0;
        for (Node n = head; n != null; n = n.next) {
            c++;
        }
        return c;
    }

    /** A copy of the chain without the matching nodes (chains are immutable so readers never see a torn one). */
    private static Node without(Node head, LongPredicate keyTest, Predicate<StreamConfig> configTest) {
        if (head == null) {
            return null;
        }
        Node rest = without(head.next, keyTest, configTest);
        if (keyTest.test(head.key) && configTest.test(head.config)) {
            return rest;
        }
        return rest == head.next ? head : new Node(head.key, head.config, rest);
    }
}
