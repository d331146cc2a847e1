package org.smmuref.smmu.hw;

/**
 * One configuration-cache entry: the decoded STE and CD of a (StreamID, SubstreamID) and the walker contexts mapped
 * from them. It never holds a stage-2 result: CD and table IPAs stay IPAs, translated through the TLB at use.
 *
 * @param ste the decoded STE
 * @param cd the decoded CD, or {@code null} when stage 1 does not translate (Config without stage 1, S1DSS bypass)
 * @param stage1 the stage-1 context, or {@code null} when stage 1 bypasses
 * @param stage2 the stage-2 context, or {@code null} when stage 2 bypasses
 * @param tlbTags the TLB tags of the stage-1 (or nested) translations, computed once; {@code null} without stage 1
 */
record StreamConfig(Ste ste, Cd cd, Stage1Context stage1, Stage2Context stage2, Tlb.Stage1Tags tlbTags) {

    /** A configuration whose TLB tags are derived from its contexts (a stream with stage 2 is tagged by its VMID). */
    StreamConfig(Ste ste, Cd cd, Stage1Context stage1, Stage2Context stage2) {
        this(ste, cd, stage1, stage2, stage1 == null ? null : new Tlb.Stage1Tags(stage1,
            stage2 == null ? stage1.vmid() : stage2.vmid(), stage2 == null ? null : stage2.granule(), ste));
    }

    /** Whether the STE aborts every transaction (Config=0b0xx). */
    boolean aborts() {
        return ste.config() == Ste.Config.ABORT;
    }

    /** Whether the CD was fetched through stage 2 (nested STE): stage-2 invalidations of its VMID drop the entry. */
    boolean fetchedThroughStage2() {
        return cd != null && stage2 != null;
    }
}
