package org.smmuref.conformance.tck;

import java.util.List;
import org.smmuref.conformance.ConformanceTarget;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.platform.DmaRequest;
import org.smmuref.iommufd.platform.DmaResult;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.platform.Stage1Table;
import org.smmuref.iommufd.uapi.IommuHwptAlloc;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.IommuIoasAlloc;
import org.smmuref.iommufd.uapi.IommuIoasMap;
import org.smmuref.iommufd.uapi.IommuVdeviceAlloc;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommuViommuAlloc;
import org.smmuref.iommufd.uapi.IommufdConstants;

/**
 * A VMM the suites drive through the target's public interfaces only: one context (its own process) tied to a KVM VM
 * when the target has KVM, 16 MiB of
 * guest RAM at IPA {@link #GUEST_IPA} mapped into one IOAS at IOVA = IPA, scratch memory for ioctl arguments, and
 * the nesting steps of a real VMM (nest parent, vIOMMU, vDEVICE, vEVENTQ, nested HWPT, attach).
 */
public final class Vmm {
    /** Where the guest's RAM lives in the VMM's address space. */
    public static final long GUEST_VA = 0x1_0000_0000L;
    /** The guest's RAM base (IPA). */
    public static final long GUEST_IPA = 0x8000_0000L;
    /** The guest's RAM size. */
    public static final long GUEST_SIZE = 16L << 20;
    /** The VMM's scratch memory for ioctl arguments. */
    public static final long SCRATCH_VA = 0x7000_0000L;
    private static final long SCRATCH_SIZE = 1L << 20;

    /** The target. */
    public final ConformanceTarget target;
    /** Its iommufd. */
    public final Iommufd iommufd;
    /** Its platform. */
    public final ModelPlatform platform;
    /** The context fd. */
    public final int ctx;
    /** The IOAS holding guest RAM. */
    public final int ioas;
    /** The KVM VM the context is tied to (null when the target has no KVM). */
    public final org.smmuref.iommufd.KvmVmFile vm;
    private long scratchNext = SCRATCH_VA;

    Vmm(ConformanceTarget target) {
        this.target = target;
        this.iommufd = target.iommufd();
        this.platform = target.platform();
        this.ctx = platform.openContext(IommufdAbi.UPSTREAM);
        // a VMM hands KVM its VFIO files before it creates vIOMMUs; a BTM SMMU refuses a vIOMMU of an untied context
        if (target.capabilities().has(org.smmuref.conformance.Capability.KVM)) {
            this.vm = platform.createVm();
            iommufd.associateKvm(ctx, vm);
        } else {
            this.vm = null;
        }
        platform.mmap(ctx, SCRATCH_VA, SCRATCH_SIZE);
        platform.addGuestRam(ctx, GUEST_VA, GUEST_IPA, GUEST_SIZE);
        this.ioas = iommufd.ioasAlloc(ctx, new IommuIoasAlloc(IommuIoasAlloc.SIZE, 0, 0)).outIoasId();
        iommufd.ioasMap(ctx, new IommuIoasMap(IommuIoasMap.SIZE, IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA
            | IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE, ioas, 0,
            GUEST_VA, GUEST_SIZE, GUEST_IPA));
    }

    /** Closes the context (its devices are unbound, its process ends). */
    public void close() {
        platform.closeContext(ctx);
    }

    /** The StreamIDs of the devices behind the target's IOMMU. */
    public List<Integer> streamIds() {
        return platform.describe().iommus().get(target.iommu()).devices().stream()
            .map(d -> d.streamId()).toList();
    }

    /** Binds the {@code n}-th device; returns its dev_id. */
    public int bind(int n) {
        return iommufd.bindDevice(ctx, target.iommu(), streamIds().get(n));
    }

    /** A nest-parent HWPT on the IOAS. */
    public int nestParent(int dev) {
        return iommufd.hwptAlloc(ctx, new IommuHwptAlloc(IommuHwptAlloc.SIZE,
            IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, dev, ioas, 0, 0, 0, 0, 0, 0, 0)).outHwptId();
    }

    /** An ARM_SMMUV3 vIOMMU on the nest parent. */
    public int viommu(int dev, int parent) {
        return iommufd.viommuAlloc(ctx, new IommuViommuAlloc(IommuViommuAlloc.SIZE, 0,
            IommufdConstants.IOMMU_VIOMMU_TYPE_ARM_SMMUV3, dev, parent, 0, 0, 0, 0)).outViommuId();
    }

    /** A vDEVICE with virtual StreamID {@code vsid}. */
    public int vdevice(int viommu, int dev, long vsid) {
        return iommufd.vdeviceAlloc(ctx, new IommuVdeviceAlloc(IommuVdeviceAlloc.SIZE, viommu, dev, 0, vsid))
            .outVdeviceId();
    }

    /** An ARM_SMMUV3 vEVENTQ of {@code depth}; returns its event fd. */
    public int veventq(int viommu, int depth) {
        return iommufd.veventqAlloc(ctx, new IommuVeventqAlloc(IommuVeventqAlloc.SIZE, 0, viommu,
            IommufdConstants.IOMMU_VIOMMU_TYPE_ARM_SMMUV3, depth, 0, 0, 0)).outVeventqFd();
    }

    /** HWPT_ALLOC of a nested HWPT on {@code viommu} with vSTE words {@code ste}. */
    public int nested(int dev, int viommu, long[] ste) {
        long uptr = put(Le.words(ste));
        return iommufd.hwptAlloc(ctx, new IommuHwptAlloc(IommuHwptAlloc.SIZE, 0, dev, viommu, 0, 0,
            IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3, 16, uptr, 0, 0)).outHwptId();
    }

    /** HWPT_INVALIDATE on {@code viommu} with raw commands; returns entry_num. */
    public int invalidate(int viommu, long[]... commands) {
        long[] words = new long[Math.max(2, commands.length * 2)];
        for (int i = 0; i < commands.length; i++) {
            words[2 * i] = commands[i][0];
            words[2 * i + 1] = commands[i][1];
        }
        long uptr = put(Le.words(words));
        return iommufd.hwptInvalidate(ctx, new IommuHwptInvalidate(IommuHwptInvalidate.SIZE, viommu, uptr,
            IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, 16, commands.length, 0)).entryNum();
    }

    /** Copies bytes into fresh scratch memory; returns their VA. */
    public long put(byte[] bytes) {
        long va = scratchNext;
        scratchNext += (bytes.length + 15) & ~15L;
        platform.writeProcess(ctx, va, bytes);
        return va;
    }

    /** A DMA read by the {@code n}-th device. */
    public DmaResult read(int n, long iova, int length) {
        return platform.dma(DmaRequest.read(target.iommu(), streamIds().get(n), iova, length));
    }

    /**
     * The guest side of a nested setup: a 4 KB-granule stage-1 table with {@code [va, va + size)} mapped non-global
     * ("n": nG = 1, as Linux's io-pgtable maps stage 1) at {@code dataIpa}, and its CD (with {@code asid}) at {@code cdIpa}. Returns the table.
     */
    public Stage1Table guestStage1(long va, long dataIpa, long size, long cdIpa, int asid) {
        Stage1Table t = platform.createStage1Table(ctx, 12, 48, GUEST_IPA + 0x40_0000, 0x10_0000);
        platform.mapStage1(ctx, t.id(), va, dataIpa, size, "rwun");
        platform.writeContextDescriptor(ctx, t.id(), cdIpa, asid);
        return t;
    }
}
