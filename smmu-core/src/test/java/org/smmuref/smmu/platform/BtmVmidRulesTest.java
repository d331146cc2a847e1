package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.smmu.platform.Machines.errno;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwInfoArmSmmuv3;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.policy.KvmPinned;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.CdWords;
import org.smmuref.smmu.hw.Granule;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.pgtable.PageAllocator;
import org.smmuref.smmu.pgtable.PageTableBuilder;
import org.smmuref.smmu.pgtable.Prot;

/**
 * The two rules a BTM SMMU adds to vIOMMU allocation, end to end with DMA (issue 11, Isolation):
 * <ul>
 *   <li>one nest parent per VM and SMMU: the VM's one KVM VMID must not tag two stage-2 tables, since "TTBs in the
 *       same VMID are equivalent" ({@code smmuv3.md} section 7.1) and a device under one parent would hit the other
 *       parent's cached translations; a second parent is EBUSY ({@link KvmPinned#SECOND_STAGE2});</li>
 *   <li>a nesting context must be tied to KVM (the 2021 review's rule): an untied vIOMMU on a BTM SMMU is EINVAL
 *       ({@link KvmPinned#NO_VM}) instead of silently falling back to a private VMID that the guest's own broadcast
 *       TLBIs, while GET_HW_INFO reports BTM, would never hit.</li>
 * </ul>
 */
class BtmVmidRulesTest {
    private static final long VA = 0x4000_0000L;
    private static final int ASID = 7;
    private static final long CD_IPA = NestingBed.GUEST_IPA;
    private static final long DATA_IPA = NestingBed.GUEST_IPA + 0x10_0000;
    private static final long TABLES_IPA = NestingBed.GUEST_IPA + 0x20_0000;
    private static final long SECOND_RAM_VA = 0x3_0000_0000L;

    /** Guest stage 1 (VA to DATA_IPA, one CD with ASID 7) and a secret page in one guest RAM. */
    private static void guestImage(GuestMemory ram, String secret) {
        PageTableBuilder s1 = PageTableBuilder.stage1(ram.tableMemory(), new PageAllocator(TABLES_IPA, 1 << 20),
            Granule.G4K, 48, 48);
        s1.map(VA, DATA_IPA, 0x1000, Prot.of("rwun"));
        ram.writeLongs(CD_IPA, CdWords.s1(ASID, s1.ttb(), s1.tsz(), Granule.G4K, 5, 0xFF));
        ram.write(DATA_IPA, bytes(secret));
    }

    private static byte[] bytes(String s) {
        return Arrays.copyOf(s.getBytes(StandardCharsets.US_ASCII), 16);
    }

    private static byte[] read(SmmuPlatform p, int sid, long address) {
        byte[] dst = new byte[16];
        p.dmaRead(0, sid, address, dst);
        return dst;
    }

    /** One VMM, one VM, two IOASes with different RAM at the same IPAs: a nest parent on each. */
    private static final class TwoIoases {
        final SmmuPlatform platform;
        final NestingBed vmm;
        final GuestMemory second;
        final int ioas2;
        final int d1;
        final int d2;
        final int p1;
        final int p2;
        final int v1;

        TwoIoases(SmmuPlatform platform) {
            this.platform = platform;
            vmm = new NestingBed(platform).tie();
            guestImage(vmm.guest, "IOAS one secret");
            second = platform.guestMemory(SECOND_RAM_VA, NestingBed.GUEST_IPA, NestingBed.GUEST_SIZE);
            guestImage(second, "IOAS two secret");
            ioas2 = vmm.iommufd.ioasAlloc(vmm.ctx, Requests.ioasAlloc(0)).outIoasId();
            vmm.iommufd.ioasMap(vmm.ctx, Requests.ioasMap(IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA
                | IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE, ioas2, 0,
                second.vaBase(), NestingBed.GUEST_SIZE, NestingBed.GUEST_IPA));
            d1 = vmm.bind(0x8);
            d2 = vmm.bind(0x9);
            p1 = vmm.nestParent(d1);
            p2 = vmm.iommufd.hwptAlloc(vmm.ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, d2,
                ioas2)).outHwptId();
            v1 = vmm.viommu(d1, p1);
            vmm.vdevice(v1, d1, 0x10);
            vmm.iommufd.attachDevice(vmm.ctx, d1, vmm.nested(d1, v1, NestingBed.s1Vste(CD_IPA)[0], 0));
        }

        /**
         * The VMM tries the second vIOMMU on the second parent and, if the driver takes it, puts device 2 under it;
         * otherwise device 2 goes onto the second parent directly. Returns the errno of the refusal, or null.
         */
        Errno secondViommu() {
            try {
                int v2 = vmm.viommu(d2, p2);
                vmm.vdevice(v2, d2, 0x11);
                vmm.iommufd.attachDevice(vmm.ctx, d2, vmm.nested(d2, v2, NestingBed.s1Vste(CD_IPA)[0], 0));
                return null;
            } catch (IommufdException e) {
                vmm.iommufd.attachDevice(vmm.ctx, d2, p2);
                return e.errno();
            }
        }
    }

    @Test
    void underBtmASecondNestParentOfOneVmOnOneSmmuIsEbusyAndNoDeviceReadsTheOtherIoas() {
        TwoIoases t = new TwoIoases(Machines.reference());
        assertThat(read(t.platform, 0x8, VA)).as("device 1 reads IOAS one").isEqualTo(bytes("IOAS one secret"));
        Vm vm = t.platform.vm(t.vmm.vmFile());
        int pins = vm.pinCount();

        Errno refused = t.secondViommu();
        // Device 2 reads through whatever it got: a nested STE over parent 2, or parent 2 itself (IOVA = IPA).
        byte[] seen = read(t.platform, 0x9, refused == null ? VA : DATA_IPA);
        assertThat(new String(seen, StandardCharsets.US_ASCII).trim()).as("what device 2 reads")
            .isNotEqualTo("IOAS one secret");
        assertThat(seen).isEqualTo(bytes("IOAS two secret"));
        assertThat(refused).as("KvmPinned's one-table-per-VM rule").isEqualTo(Errno.EBUSY);
        assertThat(vm.pinCount()).as("the refused vIOMMU left no pin").isEqualTo(pins);
    }

    @Test
    void theRefusalSaysWhyAndASecondViommuOnTheSameParentIsFine() {
        TwoIoases t = new TwoIoases(Machines.reference());
        IommufdException e = org.junit.jupiter.api.Assertions.assertThrows(IommufdException.class,
            () -> t.vmm.viommu(t.d2, t.p2));
        assertThat(e.errno()).isEqualTo(Errno.EBUSY);
        assertThat(e.getMessage()).contains(KvmPinned.SECOND_STAGE2);
        // Same VM, same parent: one table, one VMID.
        int again = t.vmm.viommu(t.d1, t.p1);
        assertThat(again).isPositive();
        // Once the first parent's vIOMMUs are gone, the second parent may be used.
        t.vmm.iommufd.destroy(t.vmm.ctx, Requests.destroy(again));
        t.vmm.iommufd.detachDevice(t.vmm.ctx, t.d1);
        t.vmm.iommufd.close(t.vmm.ctx);
        assertThat(t.platform.driver(0).vmids().kvmPinned().orElseThrow()
            .stage2Of(t.platform.vm(t.vmm.vmFile()))).isEmpty();
    }

    @Test
    void withoutBtmEachParentsViommuHasItsOwnPrivateVmidAndDmaStaysApart() {
        TwoIoases t = new TwoIoases(Machines.machine(VmidPolicyConfig.Mode.FORCE_PRIVATE, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().build()));
        assertThat(read(t.platform, 0x8, VA)).isEqualTo(bytes("IOAS one secret"));
        assertThat(t.secondViommu()).isNull();
        assertThat(read(t.platform, 0x9, VA)).isEqualTo(bytes("IOAS two secret"));
    }

    @Test
    void anUntiedViommuOnABtmSmmuIsEinvalWhileGetHwInfoReportsBtm() {
        SmmuPlatform platform = Machines.reference();
        NestingBed untied = new NestingBed(platform);
        int d = untied.bind(0x8);
        long uptr = untied.put(new byte[64]);
        untied.iommufd.getHwInfo(untied.ctx, Requests.getHwInfo(0, d, 64, uptr, 0, 0));
        int idr0 = IommuHwInfoArmSmmuv3.decode(platform.vmmMemory().read(uptr, 40)).idr().get(0);
        assertThat(idr0 & (1 << 5)).as("GET_HW_INFO reports IDR0.BTM").isNotZero();
        int p = untied.nestParent(d);
        int privateBefore = platform.driver(0).vmids().smmuPrivate().allocated();
        IommufdException e = org.junit.jupiter.api.Assertions.assertThrows(IommufdException.class,
            () -> untied.viommu(d, p));
        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
        assertThat(e.getMessage()).contains(KvmPinned.NO_VM);
        assertThat(platform.driver(0).vmids().smmuPrivate().allocated()).as("no private fallback")
            .isEqualTo(privateBefore);

        // Tied, the same VMM gets the VM's pinned KVM VMID.
        untied.tie();
        int v = untied.viommu(d, p);
        assertThat(v).isPositive();
        assertThat(platform.vm(untied.vmFile()).isPinned()).isTrue();
    }

    @Test
    void anUntiedViommuIsFineWhereBtmIsOff() {
        NestingBed b = new NestingBed(Machines.machine(VmidPolicyConfig.Mode.FORCE_PRIVATE, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().build()));
        int d = b.bind(0x8);
        assertThat(b.viommu(d, b.nestParent(d))).isPositive();
        assertThat(errno(() -> b.viommu(d, 999))).isEqualTo(Errno.ENOENT);
    }
}
