package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommuViommuAlloc;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * The core's rules that differ per kernel release ({@link KernelProfile}): the command table of
 * {@code iommufd_fops_ioctl}, {@code sizeof} of the grown structs, and GET_HW_INFO's flags and capability bits.
 */
class KernelProfileCoreTest {
    /** The raw ioctl of {@code c} with a zeroed struct of the current size; null on success. */
    private static Errno raw(CoreFixture f, IommufdCommand c) {
        byte[] buf = new byte[c.size()];
        java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, c.size());
        try {
            f.core.ioctl(f.ctx, c.ioctl(), UserBuffer.wrap(buf));
            return null;
        } catch (org.smmuref.iommufd.IommufdException e) {
            return e.errno();
        }
    }

    /** iommufd_fops_ioctl's table: VEVENTQ_ALLOC came with v6.15 ("iommufd: Add IOMMUFD_CMD_VEVENTQ_ALLOC"). */
    @Test
    void a_command_the_release_lacks_is_enotty() {
        assertThat(raw(new CoreFixture(KernelProfile.V6_13), IommufdCommand.VEVENTQ_ALLOC)).isEqualTo(Errno.ENOTTY);
        assertThat(raw(new CoreFixture(KernelProfile.V6_13), IommufdCommand.IOAS_CHANGE_PROCESS))
            .as("IOAS_CHANGE_PROCESS is v6.14").isEqualTo(Errno.ENOTTY);
        assertThat(raw(new CoreFixture(KernelProfile.V6_15), IommufdCommand.VEVENTQ_ALLOC)).isNotEqualTo(Errno.ENOTTY);
        assertThat(raw(new CoreFixture(KernelProfile.V6_15), IommufdCommand.HW_QUEUE_ALLOC))
            .as("iommufd_hw_queue_alloc_ioctl is v6.17").isEqualTo(Errno.ENOTTY);
        for (KernelProfile p : List.of(KernelProfile.V6_17, KernelProfile.V6_19, KernelProfile.V7_2,
            KernelProfile.V7_4)) {
            assertThat(raw(new CoreFixture(p), IommufdCommand.HW_QUEUE_ALLOC)).as(p.name()).isNotEqualTo(Errno.ENOTTY);
        }
        CoreFixture old = new CoreFixture(KernelProfile.V6_13);
        assertErrno(Errno.ENOTTY, () -> old.core.veventqAlloc(old.ctx, Requests.veventqAlloc(0, 1, 2, 4, 0)));
    }

    /**
     * v6.17 grew iommu_viommu_alloc by data_len, __reserved and data_uptr: an older kernel's copy_struct_from_user
     * sees them as a tail that must be zero (E2BIG), and a zero tail is fine.
     */
    @Test
    void the_grown_viommu_alloc_is_e2big_on_an_older_kernel_unless_its_tail_is_zero() {
        for (KernelProfile p : List.of(KernelProfile.V6_13, KernelProfile.V6_15)) {
            CoreFixture f = new CoreFixture(p);
            int dev = f.bind(1);
            int parent = f.nestParent(dev, f.ioas());
            long data = f.put(new byte[8]);
            assertErrno(Errno.E2BIG, () -> f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(0,
                MockIommu.VIOMMU_TYPE_SELFTEST, dev, parent, 8, 0, data)));
            assertThat(f.viommu(dev, parent)).as(p + ": a zero tail").isPositive();
            IommuViommuAlloc oldSize = new IommuViommuAlloc(KernelProfile.VIOMMU_ALLOC_SIZE_V6_13, 0,
                MockIommu.VIOMMU_TYPE_SELFTEST, dev, parent, 0, 0, 0, 0);
            assertThat(f.core.viommuAlloc(f.ctx, oldSize).outViommuId()).isPositive();
        }
        CoreFixture now = new CoreFixture(KernelProfile.V6_17);
        int dev = now.bind(1);
        int parent = now.nestParent(dev, now.ioas());
        assertThat(now.core.viommuAlloc(now.ctx, Requests.viommuAlloc(0, MockIommu.VIOMMU_TYPE_SELFTEST, dev, parent,
            0, 0, 0)).outViommuId()).isPositive();
        assertThat(KernelProfile.V6_15.structSize(IommufdCommand.VIOMMU_ALLOC)).isEqualTo(24);
        assertThat(KernelProfile.V6_17.structSize(IommufdCommand.VIOMMU_ALLOC)).isEqualTo(IommuViommuAlloc.SIZE);
    }

    /** IOMMU_HW_INFO_FLAG_INPUT_TYPE came with v6.17; before, any flag is EOPNOTSUPP. */
    @Test
    void the_input_type_flag_is_eopnotsupp_before_v6_17() {
        for (KernelProfile p : KernelProfile.all()) {
            CoreFixture f = new CoreFixture(p);
            int dev = f.bind(1);
            IommuHwInfo withFlag = Requests.getHwInfo(IommufdConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE, dev, 0, 0,
                MockIommu.HW_INFO_TYPE_SELFTEST, 0);
            if (p == KernelProfile.V6_13 || p == KernelProfile.V6_15) {
                assertErrno(Errno.EOPNOTSUPP, () -> f.core.getHwInfo(f.ctx, withFlag));
            } else {
                assertThat(f.core.getHwInfo(f.ctx, withFlag).dataLen()).as(p.name()).isEqualTo(8);
            }
        }
    }

    /** v6.15 "iommufd: Extend IOMMU_GET_HW_INFO to report PASID capability": none of it before. */
    @Test
    void pasid_capabilities_and_width_are_reported_from_v6_15() {
        for (KernelProfile p : KernelProfile.all()) {
            CoreFixture f = new CoreFixture(p);
            f.iommu0.addDevice(8, new DeviceCapabilities(true, 1 << 20, true, true), List.of());
            IommuHwInfo r = f.core.getHwInfo(f.ctx, Requests.getHwInfo(0, f.bind(8), 0, 0, 0, 0));
            long pasid = IommufdConstants.IOMMU_HW_CAP_PCI_PASID_EXEC | IommufdConstants.IOMMU_HW_CAP_PCI_PASID_PRIV;
            if (p == KernelProfile.V6_13) {
                assertThat(r.outMaxPasidLog2()).isZero();
                assertThat(r.outCapabilities()).isEqualTo(IommufdConstants.IOMMU_HW_CAP_DIRTY_TRACKING);
            } else {
                assertThat(r.outMaxPasidLog2()).as(p.name()).isEqualTo(20);
                assertThat(r.outCapabilities()).isEqualTo(IommufdConstants.IOMMU_HW_CAP_DIRTY_TRACKING | pasid);
            }
        }
    }

    @Test
    void a_context_keeps_its_profile_and_the_default_is_the_newest() {
        CoreFixture f = new CoreFixture();
        assertThat(f.core.profile(f.ctx)).isEqualTo(KernelProfile.V7_4).isEqualTo(KernelProfile.latest());
        f.core.setDefaultProfile(KernelProfile.V6_17);
        int other = f.core.open();
        assertThat(f.core.profile(other)).isEqualTo(KernelProfile.V6_17);
        assertThat(f.core.profile(f.ctx)).isEqualTo(KernelProfile.V7_4);
        assertErrno(Errno.EBADF, () -> f.core.profile(99));
    }
}
