package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.KernelProfile;

/** The arm-smmu-v3 driver's rules that differ per kernel release ({@link KernelProfile}). */
class KernelProfileDriverTest {
    private static final long BYPASS_VSTE = 1 | 4 << 1;

    /** The errno of {@code call}, or null when it succeeds. */
    private static Errno errno(Runnable call) {
        try {
            call.run();
            return null;
        } catch (IommufdException e) {
            return e.errno();
        }
    }

    /** A VMM of {@code profile} with a vIOMMU but no vDEVICE; returns the errno of attaching a vSTE, or null. */
    private static Errno attachWithoutVdevice(KernelProfile profile, long ste0) {
        NestingBed vmm = new NestingBed(Machines.reference(), profile).tie();
        int dev = vmm.bind(0x8);
        int viommu = vmm.viommu(dev, vmm.nestParent(dev));
        int hwpt = vmm.nested(dev, viommu, ste0, 0);
        return errno(() -> vmm.iommufd.attachDevice(vmm.ctx, dev, hwpt));
    }

    /**
     * arm_smmu_attach_prepare_vmaster: absent in v6.13 (no vDEVICE needed); from v6.15 it looks up the vSID of every
     * nested domain (ENOENT without one; the "Skip invalid vSTE" shortcut of the v8 series did not land); from v6.19
     * an abort or bypass vSTE (the guest's GBPA) attaches without a vDEVICE.
     */
    @Test
    void whichVstesNeedAVdeviceDependsOnTheRelease() {
        long s1 = NestingBed.s1Vste(0x8000_0000L)[0];
        assertThat(attachWithoutVdevice(KernelProfile.V6_13, BYPASS_VSTE)).isNull();
        assertThat(attachWithoutVdevice(KernelProfile.V6_13, s1)).isNull();
        for (KernelProfile p : new KernelProfile[] {KernelProfile.V6_15, KernelProfile.V6_17}) {
            assertThat(attachWithoutVdevice(p, BYPASS_VSTE)).as(p.name()).isEqualTo(Errno.ENOENT);
            assertThat(attachWithoutVdevice(p, s1)).as(p.name()).isEqualTo(Errno.ENOENT);
        }
        for (KernelProfile p : new KernelProfile[] {KernelProfile.V6_19, KernelProfile.V7_2, KernelProfile.V7_4}) {
            assertThat(attachWithoutVdevice(p, BYPASS_VSTE)).as(p.name()).isNull();
            assertThat(attachWithoutVdevice(p, s1)).as(p.name()).isEqualTo(Errno.ENOENT);
        }
    }

    /** v7.4 core "Iterate the cache invalidation array": entry_num 0 only probes; before, the full-array copy is EINVAL. */
    @Test
    void anEmptyArrayIsAProbeOnlyFromV74() {
        for (KernelProfile p : KernelProfile.all()) {
            NestingBed vmm = new NestingBed(Machines.reference(), p).tie();
            int dev = vmm.bind(0x8);
            int viommu = vmm.viommu(dev, vmm.nestParent(dev));
            Errno e = errno(() -> vmm.iommufd.hwptInvalidate(vmm.ctx, Requests.hwptInvalidate(viommu, 0,
                IommufdConstants.IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, 16, 0, 0)));
            assertThat(e).as(p.name()).isEqualTo(p == KernelProfile.V7_4 ? null : Errno.EINVAL);
        }
    }
}
