package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.smmu.platform.Machines.errno;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommuHwInfoArmSmmuv3;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.SteWords;
import org.smmuref.smmu.hw.SmmuFeatures;

/** The driver's errnos of iommufd-driver.md section 2 through the ioctls: paging, vIOMMU, nested HWPT, attach. */
class ArmDriverErrnoTest {
    private static final int ARM_DATA = IommufdConstants.IOMMU_HWPT_DATA_ARM_SMMUV3;

    private final NestingBed vmm = new NestingBed(Machines.reference()).tie();
    private final int dev = vmm.bind(0x8);
    private final int parent = vmm.nestParent(dev);
    private final int viommu = vmm.viommu(dev, parent);

    private int nestedRaw(int flags, int dataType, int len, long uptr) {
        return vmm.iommufd.hwptAlloc(vmm.ctx, Requests.hwptAlloc(flags, dev, viommu, 0, dataType, len, uptr, 0, 0))
            .outHwptId();
    }

    @Test
    void nestedDataMustBeTheSixteenByteVste() {
        long uptr = vmm.put(NestingBed.le(NestingBed.s1Vste(0x8000_0000L)[0], 0));
        assertThat(errno(() -> nestedRaw(0, 1, 16, uptr))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> nestedRaw(0, ARM_DATA, 15, uptr))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> nestedRaw(0, ARM_DATA, 17, uptr))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> nestedRaw(0, ARM_DATA, 16, 0xdead_0000L))).isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> nestedRaw(IommufdConstants.IOMMU_HWPT_ALLOC_PASID, ARM_DATA, 16, uptr)))
            .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(nestedRaw(0, ARM_DATA, 16, uptr)).isPositive();
    }

    @Test
    void illegalVstesAreEioThroughTheIoctl() {
        assertThat(errno(() -> vmm.nested(dev, viommu, 1 | 6 << 1, 0))).as("S2 translate").isEqualTo(Errno.EIO);
        assertThat(errno(() -> vmm.nested(dev, viommu, 1 | 7 << 1, 0))).as("nested").isEqualTo(Errno.EIO);
        assertThat(errno(() -> vmm.nested(dev, viommu, 1 | 5 << 1, 1L << 19))).as("MEV").isEqualTo(Errno.EIO);
        assertThat(errno(() -> vmm.nested(dev, viommu, 1 | 5 << 1, 0xFFFFL << 32))).as("S2VMID-like bits in q1")
            .isEqualTo(Errno.EIO);
        assertThat(errno(() -> vmm.nested(dev, viommu, 1 | 5 << 1, 2L << 28))).as("EATS S1CHK").isEqualTo(Errno.EIO);
    }

    @Test
    void stage1NeedsAVdeviceButAbortAndBypassDoNot() {
        int s1 = vmm.nested(dev, viommu, NestingBed.s1Vste(0x8000_0000L)[0], 0);
        assertThat(errno(() -> vmm.iommufd.attachDevice(vmm.ctx, dev, s1))).isEqualTo(Errno.ENOENT);
        assertThat(vmm.platform.driver(0).ste(0x8)).as("the old STE stays").containsExactly(SteWords.abort());

        int bypass = vmm.nested(dev, viommu, 1 | 4 << 1, 0);
        vmm.iommufd.attachDevice(vmm.ctx, dev, bypass);
        long[] ste = vmm.platform.driver(0).ste(0x8);
        assertThat((ste[0] >>> 1) & 7).as("guest bypass = parent stage 2 only").isEqualTo(SteWords.CFG_S2_TRANS);
        int abort = vmm.nested(dev, viommu, 0x1234_5678_0000L, -1L);
        vmm.iommufd.attachDevice(vmm.ctx, dev, abort);
        assertThat(vmm.platform.driver(0).ste(0x8)).as("V=0 -> abort").containsExactly(SteWords.abort());

        vmm.vdevice(viommu, dev, 0x42);
        vmm.iommufd.attachDevice(vmm.ctx, dev, s1);
        assertThat((vmm.platform.driver(0).ste(0x8)[0] >>> 1) & 7).isEqualTo(SteWords.CFG_NESTED);
    }

    @Test
    void everythingMustSitOnOneSmmu() {
        SmmuPlatform two = Machines.machine(VmidPolicyConfig.Mode.AUTO, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().build(), SmmuFeatures.reference().build());
        NestingBed b = new NestingBed(two).tie();
        int d0 = b.bind(0x8);
        int d1 = b.iommufd.bindDevice(b.ctx, 1, 0x8);
        int p0 = b.nestParent(d0);
        assertThat(errno(() -> b.viommu(d1, p0))).as("parent on another SMMU").isEqualTo(Errno.EINVAL);
        int v0 = b.viommu(d0, p0);
        assertThat(errno(() -> b.nested(d1, v0, 1 | 4 << 1, 0))).isEqualTo(Errno.EINVAL);
        int n0 = b.nested(d0, v0, 1 | 4 << 1, 0);
        assertThat(errno(() -> b.iommufd.attachDevice(b.ctx, d1, n0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> b.vdevice(v0, d1, 1))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void pagingDomainsTakeNoDataNoDirtyTrackingAndNestOnlyWithBothStages() {
        int ioas = vmm.ioas;
        assertThat(errno(() -> vmm.iommufd.hwptAlloc(vmm.ctx, Requests.hwptAlloc(
            IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dev, ioas)))).isEqualTo(Errno.EOPNOTSUPP);
        long uptr = vmm.put(new byte[16]);
        assertThat(errno(() -> vmm.iommufd.hwptAlloc(vmm.ctx, Requests.hwptAlloc(0, dev, ioas, 0, ARM_DATA, 16,
            uptr, 0, 0)))).isEqualTo(Errno.EOPNOTSUPP);

        SmmuPlatform s2only = Machines.machine(VmidPolicyConfig.Mode.AUTO, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().s1p(false).hyp(false).build());
        NestingBed b = new NestingBed(s2only).tie();
        int d = b.bind(0x8);
        assertThat(errno(() -> b.nestParent(d))).isEqualTo(Errno.EOPNOTSUPP);
        int plain = b.iommufd.hwptAlloc(b.ctx, Requests.hwptAlloc(0, d, b.ioas)).outHwptId();
        assertThat(errno(() -> b.viommu(d, plain))).isEqualTo(Errno.EOPNOTSUPP);
    }

    /**
     * The ARM SMMUv3 vIOMMU has no HW queue ops without a Tegra241 CMDQV (arm_vsmmu_ops has no get_hw_queue_size),
     * so iommufd_hw_queue_alloc_ioctl answers a well-formed CMDQV queue request with EOPNOTSUPP.
     */
    @Test
    void hwQueueAllocIsEopnotsuppWithoutCmdqv() {
        int parent = vmm.nestParent(dev);
        int viommu = vmm.viommu(dev, parent);
        assertThat(errno(() -> vmm.iommufd.hwQueueAlloc(vmm.ctx, Requests.hwQueueAlloc(0, viommu,
            IommufdConstants.IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV, 0, 0, 1 << 12)))).isEqualTo(Errno.EOPNOTSUPP);
    }

    /**
     * Without HTTU the SMMU cannot track dirty state: arm_smmu_capable answers IOMMU_CAP_DIRTY_TRACKING with
     * arm_smmu_dbm_capable (FEAT_HD), so iommufd_hwpt_paging_alloc refuses DIRTY_TRACKING with EOPNOTSUPP, and its
     * domains have no dirty_ops, so iopt_set_dirty_tracking and iommu_read_and_clear_dirty are EOPNOTSUPP too.
     */
    @Test
    void dirtyTrackingIsEopnotsuppWithoutHttu() {
        int ioas = vmm.ioas;
        assertThat(errno(() -> vmm.iommufd.hwptAlloc(vmm.ctx, Requests.hwptAlloc(
            IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dev, ioas)))).isEqualTo(Errno.EOPNOTSUPP);
        int plain = vmm.iommufd.hwptAlloc(vmm.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        assertThat(errno(() -> vmm.iommufd.hwptSetDirtyTracking(vmm.ctx, Requests.setDirtyTracking(
            IommufdConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE, plain)))).isEqualTo(Errno.EOPNOTSUPP);
        long bitmap = vmm.put(new byte[8]);
        assertThat(errno(() -> vmm.iommufd.hwptGetDirtyBitmap(vmm.ctx, Requests.getDirtyBitmap(plain, 0, 0,
            1 << 12, 1 << 12, bitmap)))).isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    void viommuTypesOtherThanArmAreRefused() {
        assertThat(errno(() -> vmm.iommufd.viommuAlloc(vmm.ctx, Requests.viommuAlloc(0, 2, dev, parent, 0, 0,
            0)))).isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    void hwInfoIsTheRawIdrsBtmIncludedWhateverThePolicyDecided() {
        IommuHwInfoArmSmmuv3 on = hwInfo(vmm);
        SmmuFeatures f = vmm.platform.smmu(0).features();
        assertThat(on.idr()).containsExactly(f.idr(0), f.idr(1), f.idr(2), f.idr(3), f.idr(4), f.idr(5));
        assertThat(on.flags()).isZero();

        NestingBed off = new NestingBed(Machines.machine(VmidPolicyConfig.Mode.FORCE_PRIVATE,
            ArmSmmuV3Options.DEFAULT, SmmuFeatures.reference().build()));
        // arm_smmu_hw_info copies IDR0 as read: BTM stays set although this policy never uses it
        assertThat(hwInfo(off).idr().get(0)).isEqualTo(f.idr(0));
        assertThat(f.idr(0) & (1 << 5)).as("the reference SMMU has BTM").isNotZero();

        int d = off.bind(0x8);
        long uptr = off.put(new byte[64]);
        assertThat(errno(() -> off.iommufd.getHwInfo(off.ctx, Requests.getHwInfo(
            IommufdConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE, d, 64, uptr, 1, 0)))).isEqualTo(Errno.EOPNOTSUPP);
    }

    private static IommuHwInfoArmSmmuv3 hwInfo(NestingBed b) {
        int d = b.bind(0x9);
        long uptr = b.put(new byte[64]);
        IommuHwInfo reply = b.iommufd.getHwInfo(b.ctx, Requests.getHwInfo(0, d, 64, uptr, 0, 0));
        assertThat(reply.dataLen()).isEqualTo(40);
        assertThat(reply.inDataType()).as("out_data_type, the union with in_data_type").isEqualTo(2);
        return IommuHwInfoArmSmmuv3.decode(b.platform.vmmMemory().read(uptr, 40));
    }

    /** KvmPinned refuses a destroyed VM: the context's reference keeps the VM, not its right to a VMID. */
    @Test
    void aContextTiedToAVmWhoseFileWasClosedGetsNoVmid() {
        NestingBed b = new NestingBed(Machines.reference());
        KvmVmFile vm = b.platform.createVm();
        b.iommufd.associateKvm(b.ctx, vm);
        vm.close();
        int d = b.bind(0x8);
        int p = b.nestParent(d);
        assertThat(errno(() -> b.viommu(d, p))).isEqualTo(Errno.EINVAL);
    }
}
