package org.smmuref.smmu.hw;

/**
 * A translation fault as a value, with every field the event record needs besides the stream and access.
 *
 * @param type the fault event
 * @param stage2 whether stage 2 reported it (event S2 bit)
 * @param faultClass CLASS: what was being translated (CD fetch, stage-1 table walk, input address)
 * @param inputAddress the transaction's input address (event InputAddr)
 * @param ipa the IPA being translated when {@code stage2}: the CD address, the S1 descriptor address or the
 *     transaction's IPA; 0 (unknown) for stage-1 faults
 * @param fetchAddress the PA of the descriptor fetch that aborted, for {@link FaultType#F_WALK_EABT}; else 0
 * @param ttRnW TTRnW for CLASS=TT faults: true when the faulting walk access was a read (always, without HTTU)
 * @param level the lookup level at which the fault was found (diagnostic; -1 before any descriptor was read)
 */
public record TranslationFault(FaultType type, boolean stage2, FaultClass faultClass, long inputAddress, long ipa,
                               long fetchAddress, boolean ttRnW, int level) implements TranslationResult {

    /** This fault as seen from a transaction at {@code address}: the stage-2 walker does not know the VA. */
    public TranslationFault withInputAddress(long address) {
        return address == inputAddress ? this
            : new TranslationFault(type, stage2, faultClass, address, ipa, fetchAddress, ttRnW, level);
    }
}
