package org.smmuref.smmu.pgtable;

import java.util.function.LongUnaryOperator;
import org.smmuref.smmu.hw.PhysicalMemory;

/**
 * The memory that holds translation tables, addressed the way the tables' own pointers are: physical addresses for
 * host-built tables, IPAs for a guest's stage-1 tables (the guest writes through its stage-2 mapping).
 */
public interface TableMemory {
    /** Reads the 64-bit descriptor at {@code address}. */
    long readLong(long address);

    /** Writes the 64-bit descriptor at {@code address} (single-copy atomic, as a walker may read it concurrently). */
    void writeLong(long address, long value);

    /**
     * Atomically replaces the descriptor at {@code address} if it still equals {@code expected}: software's side of
     * the race with hardware AF / dirty-state updates (the kernel's cmpxchg64 / set_bit on a PTE).
     *
     * @throws UnsupportedOperationException when this table memory offers no atomic update
     */
    default boolean compareAndSetLong(long address, long expected, long value) {
        throw new UnsupportedOperationException("this table memory has no atomic descriptor update");
    }

    /** Tables addressed by physical address. */
    static TableMemory physical(PhysicalMemory memory) {
        return translated(memory, LongUnaryOperator.identity());
    }

    /** Tables addressed by IPA, reached through {@code ipaToPa} (for instance a guest's view of its RAM). */
    static TableMemory translated(PhysicalMemory memory, LongUnaryOperator ipaToPa) {
        return new TableMemory() {
            @Override
            public long readLong(long address) {
                return memory.readLong(ipaToPa.applyAsLong(address));
            }

            @Override
            public void writeLong(long address, long value) {
                memory.writeLong(ipaToPa.applyAsLong(address), value);
            }

            @Override
            public boolean compareAndSetLong(long address, long expected, long value) {
                return memory.compareAndSetLong(ipaToPa.applyAsLong(address), expected, value);
            }
        };
    }
}
