package org.smmuref.smmu.hw;

/**
 * The result of moving bytes through the DMA port ({@link Smmu#read} / {@link Smmu#write}).
 *
 * @param transferred how many bytes were read or written (RAZ/WI pages count: they read as zero, writes are dropped)
 * @param stoppedBy the outcome of the page that stopped the transfer, or {@code null} when every byte moved
 */
public record DmaTransfer(int transferred, DmaOutcome stoppedBy) {
    /** Whether the whole transfer completed. */
    public boolean complete() {
        return stoppedBy == null;
    }
}
