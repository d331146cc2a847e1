package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smmuref.smmu.platform.Machines.errno;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuHwptInvalidateArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuIovaRange;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.policy.UserVmidOverride;
import org.smmuref.smmu.driver.CdWords;
import org.smmuref.smmu.driver.SteWords;
import org.smmuref.smmu.driver.V1NestedDomain;
import org.smmuref.smmu.hw.Access;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.DmaTransfer;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The v1 (March 2023) nesting ABI through the iommufd service against the ARM driver: only a context opened with
 * {@link IommufdAbi#V1_2023} takes the 48-byte v1 data on a nest-parent HWPT and the 40-byte v1 invalidation entries;
 * the user-chosen VMID stays refused; a default context answers exactly as upstream.
 */
class V1AbiContextTest {
    private static final int SID = 0x8;
    private static final int ASID = 7;
    private static final long DMA_VA = 0x2000_0000L;
    private static final long CD_IPA = NestingBed.GUEST_IPA;
    private static final long DATA_IPA = NestingBed.GUEST_IPA + 0x10_0000;
    private static final long TABLES_IPA = NestingBed.GUEST_IPA + 0x20_0000;
    private static final int NH_VA = 0x12;
    private static final int NH_ASID = 0x11;

    /** A VMM on the reference machine whose guest has one CD (ASID 7) and stage-1 tables mapping two pages. */
    private static final class Guest {
        final NestingBed vmm;
        final PageTableBuilder s1;
        final int dev;
        final int parent;

        Guest(IommufdAbi abi) {
            vmm = new NestingBed(Machines.reference(), abi).tie();
            s1 = PageTableBuilder.stage1(vmm.guest.tableMemory(), new PageAllocator(TABLES_IPA, 1 << 20),
                Granule.G4K, 48, 48);
            s1.map(DMA_VA, DATA_IPA, 0x2000, Prot.of("rwun"));
            vmm.guest.writeLongs(CD_IPA, CdWords.s1(ASID, s1.ttb(), s1.tsz(), Granule.G4K, 5, 0xFF));
            dev = vmm.bind(SID);
            parent = vmm.nestParent(dev);
        }

        boolean translates(long va) {
            return vmm.platform.translate(0, SID, va, Access.READ).proceeds();
        }

        /** Private VMIDs allocated plus pins on the VM: the VMID leases the policy handed out. */
        int privateVmidsInUse() {
            return vmm.platform.driver(0).vmids().smmuPrivate().allocated()
                + vmm.platform.vm(vmm.vmFile()).pinCount();
        }
    }

    /** Stage 1 with a linear CD table of one CD at {@link #CD_IPA}, S1DSS 0. */
    private static IommuHwptArmSmmuv3V1 stage1(long flags, int s2vmid) {
        return new IommuHwptArmSmmuv3V1(flags, s2vmid, 0, CD_IPA, 0, 0, 0);
    }

    private static IommuHwptInvalidateArmSmmuv3V1 inv(long flags, int opcode, int asid, int granule, long start,
                                                      long last) {
        return new IommuHwptInvalidateArmSmmuv3V1(flags, opcode, List.of(0, 0, 0), asid, 0, granule,
            new IommuIovaRange(start, last));
    }

    @Test
    void aV1NestedHwptFromTheV1FieldsCarriesDmaThroughBothStages() {
        Guest g = new Guest(IommufdAbi.V1_2023);
        int vmidsBefore = g.privateVmidsInUse();
        int nested = g.vmm.nestedV1(g.dev, g.parent, new IommuHwptArmSmmuv3V1(0, 0, 0, CD_IPA, 0, 0, 1));
        assertThat(g.vmm.iommufd.attachDevice(g.vmm.ctx, g.dev, nested)).isEqualTo(nested);

        V1NestedDomain domain = (V1NestedDomain) g.vmm.platform.driver(0).master(SID).orElseThrow().domain();
        assertThat(g.privateVmidsInUse()).as("its VMID comes from the policy").isEqualTo(vmidsBefore + 1);
        long[] ste = g.vmm.platform.driver(0).ste(SID);
        assertThat((ste[0] >>> 1) & 7).isEqualTo(SteWords.CFG_NESTED);
        assertThat(ste[0] & 0x000F_FFFF_FFFF_FFC0L).as("S1ContextPtr = s1ctxptr").isEqualTo(CD_IPA);
        assertThat(ste[1] & 3).as("S1DSS = s1dss").isEqualTo(1);
        assertThat(ste[2] & 0xFFFF).as("S2VMID").isEqualTo(domain.vmid());

        byte[] payload = "v1 nested DMA".getBytes(StandardCharsets.US_ASCII);
        DmaTransfer w = g.vmm.platform.dmaWrite(0, SID, DMA_VA + 0x40, payload);
        assertThat(w.complete()).as("%s", w).isTrue();
        assertThat(g.vmm.guest.read(DATA_IPA + 0x40, payload.length)).isEqualTo(payload);
        assertThat(g.vmm.platform.translate(0, SID, DMA_VA + 0x1008, Access.READ).physicalAddress())
            .isEqualTo(g.vmm.guest.pa(DATA_IPA + 0x1008));

        // Destroying the HWPT (after the device left) gives the VMID back and frees the parent.
        g.vmm.iommufd.detachDevice(g.vmm.ctx, g.dev);
        g.vmm.iommufd.destroy(g.vmm.ctx, Requests.destroy(nested));
        assertThat(domain.released()).isTrue();
        assertThat(g.privateVmidsInUse()).isEqualTo(vmidsBefore);
        g.vmm.iommufd.destroy(g.vmm.ctx, Requests.destroy(g.parent));
    }

    @Test
    void v1InvalidationEntriesRemoveStaleTranslationsFromTheSmmu() {
        Guest g = new Guest(IommufdAbi.V1_2023);
        int nested = g.vmm.nestedV1(g.dev, g.parent, stage1(0, 0));
        g.vmm.iommufd.attachDevice(g.vmm.ctx, g.dev, nested);
        assertThat(g.translates(DMA_VA)).isTrue();
        assertThat(g.translates(DMA_VA + 0x1000)).isTrue();

        // The guest unmaps both pages; the SMMU still holds the cached translations until it invalidates.
        g.s1.unmap(DMA_VA, 0x2000);
        assertThat(g.translates(DMA_VA)).as("stale").isTrue();
        assertThat(g.translates(DMA_VA + 0x1000)).as("stale").isTrue();

        assertThat(g.vmm.invalidateV1(nested, inv(IommufdConstants.IOMMU_SMMUV3_CMDQ_TLBI_VA_LEAF, NH_VA, ASID, 4096,
            DMA_VA, DMA_VA + 0xFFF))).isEqualTo(1);
        assertThat(g.translates(DMA_VA)).as("invalidated page").isFalse();
        assertThat(g.translates(DMA_VA + 0x1000)).as("the other page is still cached").isTrue();

        assertThat(g.vmm.invalidateV1(nested, inv(0, NH_ASID, ASID, 0, 0, 0))).isEqualTo(1);
        assertThat(g.translates(DMA_VA + 0x1000)).as("after NH_ASID").isFalse();

        // The v1 rules through the ioctl: an unsupported opcode is EIO with entry_num at its index.
        assertThatThrownBy(() -> g.vmm.invalidateV1(nested, inv(0, NH_ASID, ASID, 0, 0, 0), inv(0, 0x28, 0, 0, 0, 0)))
            .isInstanceOfSatisfying(IommufdException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EIO);
                assertThat(e.reply(org.smmuref.iommufd.uapi.IommuHwptInvalidate.class).orElseThrow().entryNum())
                    .isEqualTo(1);
            });
    }

    @Test
    void aUserChosenVmidIsRefusedForIsolationAndLeavesNothingBehind() {
        Guest g = new Guest(IommufdAbi.V1_2023);
        int vmidsBefore = g.privateVmidsInUse();
        assertThatThrownBy(() -> g.vmm.nestedV1(g.dev, g.parent, stage1(UserVmidOverride.FLAG_VMID, 3)))
            .isInstanceOfSatisfying(IommufdException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP);
                assertThat(e.getMessage()).contains("VMID space is global to the SMMU");
            });
        assertThat(errno(() -> g.vmm.nestedV1(g.dev, g.parent, stage1(0, 9)))).as("s2vmid without the flag")
            .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> g.vmm.nestedV1(g.dev, g.parent, stage1(UserVmidOverride.FLAG_VMID, 0))))
            .as("the flag with s2vmid 0").isEqualTo(Errno.EOPNOTSUPP);

        assertThat(g.privateVmidsInUse()).as("no VMID taken").isEqualTo(vmidsBefore);
        // No HWPT stayed: the next object takes the lowest free id, and the parent has no user left.
        int next = g.vmm.iommufd.ioasAlloc(g.vmm.ctx, Requests.ioasAlloc(0)).outIoasId();
        assertThat(next).isEqualTo(g.parent + 1);
        g.vmm.iommufd.destroy(g.vmm.ctx, Requests.destroy(g.parent));
    }

    @Test
    void aV1ContextStillChecksTheParentAndTheV1DataAndKeepsTheUpstreamPath() {
        Guest g = new Guest(IommufdAbi.V1_2023);
        int plain = g.vmm.iommufd.hwptAlloc(g.vmm.ctx, Requests.hwptAlloc(0, g.dev, g.vmm.ioas)).outHwptId();
        assertThat(errno(() -> g.vmm.nestedV1(g.dev, plain, stage1(0, 0)))).as("not a nest parent")
            .isEqualTo(Errno.EINVAL);
        long vsteData = g.vmm.put(NestingBed.le(NestingBed.s1Vste(CD_IPA)[0], 0));
        assertThat(errno(() -> g.vmm.iommufd.hwptAlloc(g.vmm.ctx, Requests.hwptAlloc(0, g.dev, g.parent, 0,
            IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3, 16, vsteData, 0, 0)))).as("the 16-byte upstream vSTE")
            .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> g.vmm.nestedV1(g.dev, g.parent, new IommuHwptArmSmmuv3V1(0, 0, 0, CD_IPA + 8, 0, 0,
            0)))).as("unaligned s1ctxptr").isEqualTo(Errno.EINVAL);

        // The vIOMMU path is unchanged in a v1 context.
        int viommu = g.vmm.viommu(g.dev, g.parent);
        g.vmm.vdevice(viommu, g.dev, 0x42);
        long[] vste = NestingBed.s1Vste(CD_IPA);
        int upstream = g.vmm.nested(g.dev, viommu, vste[0], vste[1]);
        g.vmm.iommufd.attachDevice(g.vmm.ctx, g.dev, upstream);
        assertThat(g.translates(DMA_VA)).isTrue();
        assertThat(g.vmm.invalidate(viommu, Commands.tlbiNhAsid(0, ASID).encode())).isEqualTo(1);
    }

    @Test
    void theSameRequestsInADefaultContextFailAsUpstream() {
        Guest g = new Guest(IommufdAbi.UPSTREAM);
        int vmidsBefore = g.privateVmidsInUse();
        assertThat(errno(() -> g.vmm.nestedV1(g.dev, g.parent, stage1(0, 0))))
            .as("a nest-parent pt_id with ARM data").isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> g.vmm.nestedV1(g.dev, g.parent, stage1(UserVmidOverride.FLAG_VMID, 3))))
            .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(g.privateVmidsInUse()).isEqualTo(vmidsBefore);

        // v1 entries: on the parent EINVAL (neither nested nor a vIOMMU); on an upstream nested HWPT EOPNOTSUPP
        // (ARM invalidates through the vIOMMU); on the vIOMMU EINVAL (type 2 is not its data type).
        IommuHwptInvalidateArmSmmuv3V1 entry = inv(0, NH_ASID, ASID, 0, 0, 0);
        assertThat(errno(() -> g.vmm.invalidateV1(g.parent, entry))).isEqualTo(Errno.EINVAL);
        int viommu = g.vmm.viommu(g.dev, g.parent);
        int upstream = g.vmm.nested(g.dev, viommu, 1 | 4 << 1, 0);
        assertThat(errno(() -> g.vmm.invalidateV1(upstream, entry))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> g.vmm.invalidateV1(viommu, entry))).isEqualTo(Errno.EINVAL);

        // Nothing was left on the parent by the refused allocations: once the vIOMMU and its HWPT go, it goes.
        g.vmm.iommufd.destroy(g.vmm.ctx, Requests.destroy(upstream));
        g.vmm.iommufd.destroy(g.vmm.ctx, Requests.destroy(viommu));
        g.vmm.iommufd.destroy(g.vmm.ctx, Requests.destroy(g.parent));
    }
}
