package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.IovaRange;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.kvm.policy.VmidLease;
import org.smmuref.kvm.policy.VmidRequest;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.TlbInvalidation;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.PageTableException;
import org.smmuref.smmu.pgtable.Prot;
import org.smmuref.smmu.pgtable.TableMemory;

/**
 * A stage-2 paging domain (plain or NEST_PARENT): 4 KB-granule VMSAv8-64 tables built with the
 * {@link PageTableBuilder} from the IOAS mappings, and its own SMMU-private VMID for devices attached to it directly.
 *
 * <p>Unmapping invalidates, then waits for one CMD_SYNC (iommufd-driver.md section 2.4): TLBI_S2_IPA over the range
 * (range commands where IDR3.RIL) for the domain's VMID and for every vIOMMU VMID on it, then TLBI_NH_ALL for each
 * vIOMMU VMID (guest stage-1 entries were computed through the old stage 2), then a full ATC invalidation of nested
 * ATS masters. Mapping needs no invalidation: the SMMU never caches a translation that faulted.
 */
public final class S2Domain implements PagingDomain {
    private final ArmSmmuV3 smmu;
    private final boolean nestParent;
    private final PageTableBuilder tables;
    private final VmidLease lease;
    private final List<NestedContext> nested = new CopyOnWriteArrayList<>();
    private boolean freed;

    S2Domain(ArmSmmuV3 smmu, boolean nestParent) {
        this.smmu = smmu;
        this.nestParent = nestParent;
        SmmuFeatures f = smmu.features();
        int oas = Math.max(32, Math.min(48, f.oasBits()));
        int ias = Math.max(32, Math.min(48, f.iasBits()));
        this.tables = PageTableBuilder.stage2(TableMemory.physical(smmu.memory()), smmu.pages(), Granule.G4K, ias,
            oas);
        this.lease = smmu.leaseVmid(VmidRequest.untied());
    }

    /** The SMMU whose tables these are. */
    ArmSmmuV3 smmu() {
        return smmu;
    }

    /** Whether the domain was allocated with NEST_PARENT. */
    public boolean nestParent() {
        return nestParent;
    }

    /** The VMID of devices attached directly (vIOMMUs on this parent have their own). */
    public int vmid() {
        return lease.vmid();
    }

    /** The domain's VMID lease (a vIOMMU on it shares it in upstream VMID mode). */
    VmidLease lease() {
        return lease;
    }

    /** The stage-2 fields every STE using this domain carries. */
    SteWords.S2Config s2Config() {
        return new SteWords.S2Config(tables.ttb(), tables.tsz(), tables.sl0(), 0,
            SmmuFeatures.oasEncoding(Math.max(32, Math.min(48, smmu.features().oasBits()))),
            smmu.features().cohacc());
    }

    /** The STE of a master attached to this domain with {@code vmid}. */
    long[] ste(int vmid, boolean ats) {
        return SteWords.s2(s2Config(), vmid, ats, nestParent && smmu.features().fwb(), false,
            smmu.attrTypesOvr());
    }

    /** A vSMMU or v1 nested domain now tags stage-1 entries over this stage 2. */
    void addNested(NestedContext context) {
        nested.add(context);
    }

    /** The context is gone (after its VMID was quiesced). */
    void removeNested(NestedContext context) {
        nested.remove(context);
    }

    @Override
    public IommuInstance owner() {
        return smmu;
    }

    @Override
    public IovaRange aperture() {
        return new IovaRange(0, (1L << tables.inputBits()) - 1);
    }

    @Override
    public long pageSizeBitmap() {
        return (1L << 12) | (1L << 21) | (1L << 30);
    }

    @Override
    public void map(long iova, long pageAddress, long length, int prot) {
        Prot p = new Prot((prot & PROT_READ) != 0, (prot & PROT_WRITE) != 0, false, false, true, true, -1);
        synchronized (smmu) {
            try {
                tables.map(iova, pageAddress, length, p);
            } catch (PageTableException e) {
                throw RangeInvalidation.refused("stage-2 map", e);
            }
        }
    }

    @Override
    public void unmap(long iova, long length) {
        synchronized (smmu) {
            try {
                tables.unmap(iova, length);
            } catch (PageTableException e) {
                throw RangeInvalidation.refused("stage-2 unmap", e);
            }
            smmu.issue(invalidation(iova, length));
        }
    }

    /** The commands (without the CMD_SYNC) that make an unmap of {@code [iova, iova + length)} visible. */
    List<long[]> invalidation(long iova, long length) {
        List<long[]> cmds = new ArrayList<>();
        // In upstream VMID mode the vIOMMUs share the domain's VMID: each VMID is invalidated once.
        Set<Integer> vmids = new LinkedHashSet<>();
        vmids.add(vmid());
        Set<Integer> nestedVmids = new LinkedHashSet<>();
        for (NestedContext n : nested) {
            vmids.add(n.vmid());
            nestedVmids.add(n.vmid());
        }
        for (int vmid : vmids) {
            cmds.addAll(s2Range(vmid, iova, length));
        }
        for (int vmid : nestedVmids) {
            cmds.add(Commands.tlbiNhAll(vmid).encode());
        }
        for (SmmuMaster m : smmu.mastersUsing(this)) {
            if (m.atsEnabled() && m.domain() != this) {
                cmds.add(Commands.atcInvAll(m.streamId()).encode());
            }
        }
        return cmds;
    }

    /** TLBI_S2_IPA commands covering the range (TLBI_S12_VMALL where per-page or range commands cannot). */
    private List<long[]> s2Range(int vmid, long iova, long length) {
        return RangeInvalidation.commands(smmu.features().ril(), iova, length,
            (addr, range) -> Commands.tlbiS2Ipa(vmid, addr, range, false).encode(),
            Commands.tlbiS12Vmall(vmid).encode());
    }

    @Override
    public void free() {
        synchronized (smmu) {
            if (freed) {
                return;
            }
            freed = true;
            // Quiesce first: nothing may stay cached under the VMID before it can be handed out again.
            lease.release(vmid -> smmu.issue(List.of(Commands.tlbiS12Vmall(vmid).encode())));
        }
    }

    /** Whether the VMID lease was given back. */
    public boolean released() {
        return lease.isReleased();
    }

    @Override
    public String toString() {
        return (nestParent ? "nest-parent " : "") + "S2 domain (VMID " + lease.vmid() + ") on SMMU " + smmu.id();
    }
}
