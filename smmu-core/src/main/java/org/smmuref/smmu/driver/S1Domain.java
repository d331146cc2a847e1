package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.List;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.TlbInvalidation;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.PageTableException;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.pgtable.TableMemory;

/**
 * A stage-1 paging domain (the kernel's {@code ARM_SMMU_DOMAIN_S1}): 4 KB-granule VMSAv8-64 stage-1 tables for the
 * TTB0 half, one ASID private to the SMMU, and a one-entry linear CD table holding {@code arm_smmu_make_s1_cd}'s CD
 * for SSID 0. The driver allocates it for flags 0 on an SMMU without stage 2 and for IOMMU_HWPT_ALLOC_PASID
 * ({@code arm_smmu_domain_alloc_paging_flags}).
 *
 * <p>Unmapping invalidates, then waits for one CMD_SYNC: TLBI_NH_VA for the ASID (VMID 0, the tag of stage-1-only
 * entries; range commands where IDR3.RIL, else per page up to {@link RangeInvalidation#MAX_PAGE_TLBIS} pages, else
 * TLBI_NH_ASID), as {@code arm_smmu_tlb_inv_range_asid} does. Freeing drops the ASID's entries before the ASID can
 * be reused.
 */
public final class S1Domain implements PagingDomain {
    /** io-pgtable's MAIR: index 0 non-cacheable, 1 write-back read/write-allocate, 2 device nGnRE, 3 inner NC. */
    static final int MAIR = 0x44 | 0xff << 8 | 0x04 << 16 | 0xf4 << 24;
    /** The attribute index of IOMMU_CACHE mappings (ARM_LPAE_MAIR_ATTR_IDX_CACHE), which iommufd always asks for. */
    static final int ATTR_IDX_CACHE = 1;
    /** The kernel's VA_BITS for a 4 KB-page arm64 kernel: stage-1 domains translate 48-bit IOVAs. */
    static final int INPUT_BITS = 48;
    private static final int CD_BYTES = 64;

    private final ArmSmmuV3 smmu;
    private final PageTableBuilder tables;
    private final int asid;
    private final long cdTable;
    private final int oasBits;
    private boolean freed;

    S1Domain(ArmSmmuV3 smmu) {
        this.smmu = smmu;
        SmmuFeatures f = smmu.features();
        this.oasBits = Math.max(32, Math.min(48, f.oasBits()));
        this.tables = PageTableBuilder.stage1(TableMemory.physical(smmu.memory()), smmu.pages(), Granule.G4K,
            INPUT_BITS, oasBits);
        this.asid = smmu.allocateAsid();
        this.cdTable = smmu.pages().allocate(CD_BYTES);
        smmu.memory().writeLongs(cdTable, CdWords.makeS1Cd(asid, tables.ttb(), tables.tsz(), Granule.G4K,
            SmmuFeatures.oasEncoding(oasBits), MAIR, f.cohacc()));
    }

    /** The ASID tagging this domain's TLB entries. */
    public int asid() {
        return asid;
    }

    /** The CD of SSID 0 as it is in memory. */
    long[] cd() {
        return smmu.memory().readLongs(cdTable, EntryWriter.QWORDS);
    }

    /**
     * The STE of a master attached to this domain ({@code arm_smmu_make_cdtable_ste} with S1DSS=SSID0): linear CD
     * table of one entry; S1STALLD where the SMMU can stall (the model's masters never enable stalls).
     */
    long[] ste() {
        int stallModel = smmu.features().stallModel();
        boolean smmuStalls = stallModel == SmmuFeatures.STALL_MODEL_STALL_AND_TERMINATE || stallModel == SmmuFeatures.STALL_MODEL_STALL_FORCED;
        return SteWords.cdTable(cdTable, 0, 0, SteWords.S1DSS_SSID0, false, smmuStalls, smmu.attrTypesOvr());
    }

    @Override
    public IommuInstance owner() {
        return smmu;
    }

    @Override
    public IovaRange aperture() {
        return new IovaRange(0, (1L << INPUT_BITS) - 1);
    }

    @Override
    public long pageSizeBitmap() {
        return (1L << 12) | (1L << 21) | (1L << 30);
    }

    @Override
    public void map(long iova, long pageAddress, long length, int prot) {
        // io-pgtable stage 1: reads cannot be denied, unprivileged, non-global (nG), AF set, IOMMU_CACHE attributes
        Prot p = new Prot(true, (prot & PROT_WRITE) != 0, false, true, false, true, ATTR_IDX_CACHE);
        synchronized (smmu) {
            try {
                tables.map(iova, pageAddress, length, p);
            } catch (PageTableException e) {
                throw RangeInvalidation.refused("stage-1 map", e);
            }
        }
    }

    @Override
    public void unmap(long iova, long length) {
        synchronized (smmu) {
            try {
                tables.unmap(iova, length);
            } catch (PageTableException e) {
                throw RangeInvalidation.refused("stage-1 unmap", e);
            }
            smmu.issue(invalidation(iova, length));
        }
    }

    /** The commands (without the CMD_SYNC) that make an unmap of {@code [iova, iova + length)} visible. */
    List<long[]> invalidation(long iova, long length) {
        return RangeInvalidation.commands(smmu.features().ril(), iova, length,
            (addr, range) -> Commands.tlbiNhVa(0, asid, addr, range, false).encode(),
            Commands.tlbiNhAsid(0, asid).encode());
    }

    @Override
    public void free() {
        synchronized (smmu) {
            if (freed) {
                return;
            }
            freed = true;
            // Nothing may stay cached under the ASID before another domain gets it.
            smmu.issue(List.of(Commands.tlbiNhAsid(0, asid).encode()));
            smmu.releaseAsid(asid);
        }
    }

    /** Whether the domain was freed (its ASID given back). */
    public boolean freed() {
        synchronized (smmu) {
            return freed;
        }
    }

    @Override
    public String toString() {
        return "S1 domain (ASID " + asid + ") on SMMU " + smmu.id();
    }
}
