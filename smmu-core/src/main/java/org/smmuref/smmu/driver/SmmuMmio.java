package org.smmuref.smmu.driver;

import java.util.Objects;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.SmmuRegisters;

/**
 * The driver's view of one SMMU's MMIO window: 32- and 64-bit register reads and writes at the offsets of
 * {@link SmmuRegisters}. Everything else the driver shares with the SMMU lives in physical memory.
 */
public interface SmmuMmio {
    /** A 32-bit read. */
    int read32(long offset);

    /** A 64-bit read. */
    long read64(long offset);

    /** A 32-bit write. */
    void write32(long offset, int value);

    /** A 64-bit write. */
    void write64(long offset, long value);

    /** The MMIO window of an SMMU device model. */
    static SmmuMmio of(Smmu smmu) {
        Objects.requireNonNull(smmu);
        return new SmmuMmio() {
            @Override
            public int read32(long offset) {
                return smmu.read32(offset);
            }

            @Override
            public long read64(long offset) {
                return smmu.read64(offset);
            }

            @Override
            public void write32(long offset, int value) {
                smmu.write32(offset, value);
            }

            @Override
            public void write64(long offset, long value) {
                smmu.write64(offset, value);
            }
        };
    }
}
