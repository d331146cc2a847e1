package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.smmu.platform.Machines.errno;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.driver.S1Domain;
import org.smmuref.smmu.driver.S2Domain;
import org.smmuref.smmu.hw.SmmuFeatures;

/** Driver rules of issue 11 checked through the ioctls against the kernel's arm-smmu-v3 functions named below. */
class ArmDriverFidelityTest {
    /** IIDR of an Arm MMU-700 r1p1: ProductID 0x487 [31:20], Variant 1 [19:16], Revision 1 [15:12], Arm 0x43b. */
    private static final int IIDR_MMU_700 = 0x487 << 20 | 1 << 16 | 1 << 12 | 0x43b;

    /** One SMMU with {@code features}, StreamID 0x8 without and 0x9 with the firmware's CANWBS flag. */
    private static SmmuPlatform machine(SmmuFeatures features) {
        return new SmmuPlatform(new PlatformConfig(Machines.RAM, List.of(new PlatformConfig.SmmuConfig(features,
            List.of(new MasterSpec(0x8, false, false), new MasterSpec(0x9, false, true)), ArmSmmuV3Options.DEFAULT)),
            Machines.KVM, new VmidPolicyConfig(VmidPolicyConfig.Mode.FORCE_PRIVATE)));
    }

    private static Errno viommuErrno(NestingBed b, int streamId) {
        int dev = b.bind(streamId);
        int parent = b.nestParent(dev);
        return errno(() -> b.viommu(dev, parent));
    }

    @Test
    void without_s2fwb_a_viommu_needs_a_canwbs_device_and_cohacc_does_not_count() {
        // arm_smmu_get_viommu_size: !arm_smmu_master_canwbs(master) && !S2FWB -> no vIOMMU
        SmmuFeatures noFwb = SmmuFeatures.reference().fwb(false).cohacc(true).build();
        NestingBed b = new NestingBed(machine(noFwb));
        assertThat(viommuErrno(b, 0x8)).isEqualTo(Errno.EOPNOTSUPP);
        int dev = b.bind(0x9);
        assertThat(b.viommu(dev, b.nestParent(dev))).isPositive();
    }

    @Test
    void with_s2fwb_a_viommu_needs_no_canwbs() {
        NestingBed b = new NestingBed(machine(SmmuFeatures.reference().cohacc(false).build()));
        int dev = b.bind(0x8);
        assertThat(b.viommu(dev, b.nestParent(dev))).isPositive();
    }

    @Test
    void an_mmu_700_forces_cmd_sync_and_gets_no_viommu() {
        // arm_smmu_device_iidr_probe sets ARM_SMMU_OPT_CMDQ_FORCE_SYNC; arm_smmu_get_viommu_size refuses it
        SmmuPlatform platform = machine(SmmuFeatures.reference().iidr(IIDR_MMU_700).build());
        assertThat(platform.driver(0).cmdqForceSync()).isTrue();
        assertThat(viommuErrno(new NestingBed(platform), 0x9)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(machine(SmmuFeatures.reference().build()).driver(0).cmdqForceSync()).isFalse();
    }

    /** DMA of 8 bytes at {@code iova} from StreamID 0x8; null if it faulted. */
    private static byte[] read(NestingBed b, long iova) {
        byte[] out = new byte[8];
        return b.platform.dmaRead(0, 0x8, iova, out).complete() ? out : null;
    }

    @Test
    void flags_0_on_an_smmu_without_stage_2_is_a_stage_1_domain_that_translates_and_invalidates() {
        // arm_smmu_domain_alloc_paging_flags: no TRANS_S2 -> ARM_SMMU_DOMAIN_S1
        SmmuPlatform platform = machine(SmmuFeatures.reference().s2p(false).hyp(false).build());
        NestingBed b = new NestingBed(platform);
        int dev = b.bind(0x8);
        int hwpt = b.iommufd.hwptAlloc(b.ctx, Requests.hwptAlloc(0, dev, b.ioas)).outHwptId();
        b.iommufd.attachDevice(b.ctx, dev, hwpt);
        S1Domain domain = (S1Domain) platform.driver(0).master(0x8).orElseThrow().domain();
        assertThat(domain.asid()).isPositive();
        b.guest.write(NestingBed.GUEST_IPA + 0x40, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThat(read(b, NestingBed.GUEST_IPA + 0x40)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        // the unmap's TLBI_NH_VA must remove the cached translation
        b.iommufd.ioasUnmap(b.ctx, Requests.ioasUnmap(b.ioas, NestingBed.GUEST_IPA, NestingBed.GUEST_SIZE));
        assertThat(read(b, NestingBed.GUEST_IPA + 0x40)).isNull();
        assertThat(errno(() -> b.nestParent(dev))).isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    void pasid_is_an_allowed_flag_and_asks_for_a_stage_1_domain() {
        // arm_smmu_domain_alloc_paging_flags: IOMMU_HWPT_ALLOC_PASID is in PAGING_FLAGS and needs TRANS_S1
        NestingBed b = new NestingBed(machine(SmmuFeatures.reference().build()));
        int dev = b.bind(0x8);
        int hwpt = b.iommufd.hwptAlloc(b.ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_PASID, dev,
            b.ioas)).outHwptId();
        b.iommufd.attachDevice(b.ctx, dev, hwpt);
        assertThat(b.platform.driver(0).master(0x8).orElseThrow().domain()).isInstanceOf(S1Domain.class);
        b.guest.write(NestingBed.GUEST_IPA, new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
        assertThat(read(b, NestingBed.GUEST_IPA)).containsExactly(9, 9, 9, 9, 9, 9, 9, 9);
        assertThat(errno(() -> b.iommufd.hwptAlloc(b.ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_PASID
            | IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, dev, b.ioas)))).isEqualTo(Errno.EOPNOTSUPP);
        // a plain allocation on an SMMU with stage 2 stays stage 2 here (smmuref's documented choice)
        int plain = b.iommufd.hwptAlloc(b.ctx, Requests.hwptAlloc(0, dev, b.ioas)).outHwptId();
        b.iommufd.attachDevice(b.ctx, dev, plain);
        assertThat(b.platform.driver(0).master(0x8).orElseThrow().domain()).isInstanceOf(S2Domain.class);

        NestingBed s2only = new NestingBed(machine(SmmuFeatures.reference().s1p(false).hyp(false).build()));
        int d = s2only.bind(0x8);
        assertThat(errno(() -> s2only.iommufd.hwptAlloc(s2only.ctx, Requests.hwptAlloc(
            IommufdConstants.IOMMU_HWPT_ALLOC_PASID, d, s2only.ioas)))).isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    void destroying_a_stage_1_domain_gives_its_asid_back() {
        SmmuPlatform platform = machine(SmmuFeatures.reference().build());
        NestingBed b = new NestingBed(platform);
        int dev = b.bind(0x8);
        int first = b.iommufd.hwptAlloc(b.ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_PASID, dev,
            b.ioas)).outHwptId();
        b.iommufd.attachDevice(b.ctx, dev, first);
        int asid = ((S1Domain) platform.driver(0).master(0x8).orElseThrow().domain()).asid();
        b.iommufd.detachDevice(b.ctx, dev);
        b.iommufd.destroy(b.ctx, Requests.destroy(first));
        int second = b.iommufd.hwptAlloc(b.ctx, Requests.hwptAlloc(IommufdConstants.IOMMU_HWPT_ALLOC_PASID, dev,
            b.ioas)).outHwptId();
        b.iommufd.attachDevice(b.ctx, dev, second);
        assertThat(((S1Domain) platform.driver(0).master(0x8).orElseThrow().domain()).asid()).isEqualTo(asid);
    }

    @Test
    void implementations_with_a_nesting_erratum_get_no_nest_parent() {
        // arm_smmu_device_iidr_probe: MMU-600 before r2 (erratum 1209401), MMU-700 before r1p1 (2268618, 2812531)
        int mmu600r1p0 = 0x483 << 20 | 1 << 16 | 0x43b;
        int mmu600r2p0 = 0x483 << 20 | 2 << 16 | 0x43b;
        int mmu700r1p0 = 0x487 << 20 | 1 << 16 | 0x43b;
        for (int iidr : new int[] {mmu600r1p0, mmu700r1p0}) {
            NestingBed b = new NestingBed(machine(SmmuFeatures.reference().iidr(iidr).build()));
            int dev = b.bind(0x9);
            assertThat(errno(() -> b.nestParent(dev))).as("IIDR 0x%x", iidr).isEqualTo(Errno.EOPNOTSUPP);
        }
        NestingBed fixed = new NestingBed(machine(SmmuFeatures.reference().iidr(mmu600r2p0).build()));
        int dev = fixed.bind(0x9);
        assertThat(fixed.viommu(dev, fixed.nestParent(dev))).isPositive();
        // the MMU-700 r1p1 of the force-sync case keeps nesting: only CMDQ_FORCE_SYNC refuses its vIOMMU
        NestingBed r1p1 = new NestingBed(machine(SmmuFeatures.reference().iidr(IIDR_MMU_700).build()));
        assertThat(r1p1.nestParent(r1p1.bind(0x9))).isPositive();
    }

    @Test
    void the_default_platform_marks_its_devices_canwbs() {
        assertThat(PlatformConfig.defaults().smmus().get(0).devices()).allSatisfy(d -> assertThat(d.canwbs())
            .isTrue());
        assertThat(Optional.of(new MasterSpec(1, false)).map(MasterSpec::canwbs)).contains(false);
    }
}
