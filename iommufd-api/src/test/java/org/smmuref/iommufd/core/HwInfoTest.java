package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.PAGE;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.core.CoreFixture.u32s;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.DeviceCapabilities;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwInfo;
import org.smmuref.iommufd.uapi.IommufdConstants;

/** IOMMU_GET_HW_INFO (selftest get_hw_info). */
class HwInfoTest {
    private final CoreFixture f = new CoreFixture();
    private final int dev = f.bind(1);
    private final byte[] expected = u32s(0, MockIommu.HW_INFO_REGVAL);

    private IommuHwInfo info(int flags, int devId, int len, long uptr, int type) {
        return f.core.getHwInfo(f.ctx, Requests.getHwInfo(flags, devId, len, uptr, type, 0));
    }

    @Test
    void exact_larger_smaller_and_empty_buffers() {
        long buf = f.buffer(PAGE);
        f.mem.write(buf, filled(64, (byte) 0x5a));
        IommuHwInfo exact = info(0, dev, 8, buf, 0);
        assertThat(outFields(exact)).containsExactly(8L, Integer.toUnsignedLong(MockIommu.HW_INFO_TYPE_SELFTEST), 0L, 0L);
        assertThat(f.mem.read(buf, 9)).containsExactly(concat(expected, new byte[] {0x5a}));
        f.mem.write(buf, filled(64, (byte) 0x5a));
        assertThat(info(0, dev, 32, buf, 0).dataLen()).isEqualTo(8);
        assertThat(f.mem.read(buf, 33)).containsExactly(concat(expected, new byte[24], new byte[] {0x5a}));
        f.mem.write(buf, filled(64, (byte) 0x5a));
        assertThat(info(0, dev, 4, buf, 0).dataLen()).isEqualTo(8);
        assertThat(f.mem.read(buf, 5)).containsExactly(0, 0, 0, 0, 0x5a);
        assertThat(info(0, dev, 0, 0, 0).dataLen()).isEqualTo(8);
    }

    @Test
    void input_type_is_honoured_only_with_its_flag() {
        long buf = f.buffer(PAGE);
        assertThat(info(0, dev, 8, buf, 12345).outDataType()).isEqualTo(MockIommu.HW_INFO_TYPE_SELFTEST);
        assertErrno(Errno.EOPNOTSUPP, () -> info(IOMMU_HW_INFO_FLAG_INPUT_TYPE, dev, 8, buf, 12345));
        assertThat(info(IOMMU_HW_INFO_FLAG_INPUT_TYPE, dev, 8, buf, MockIommu.HW_INFO_TYPE_SELFTEST).dataLen())
            .isEqualTo(8);
    }

    @Test
    void generic_errnos() {
        assertErrno(Errno.EOPNOTSUPP, () -> info(2, dev, 0, 0, 0));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.getHwInfo(f.ctx, Requests.getHwInfo(0, dev, 0, 0, 0, 1)));
        assertErrno(Errno.ENOENT, () -> info(0, 99, 0, 0, 0));
        assertErrno(Errno.EFAULT, () -> info(0, dev, 8, 0x40, 0));
    }

    @Test
    void capabilities_and_pasid_width_come_from_the_device() {
        f.iommu0.addDevice(8, new DeviceCapabilities(true, 1 << 20, true, false), List.of());
        IommuHwInfo r = info(0, f.bind(8), 0, 0, 0);
        assertThat(r.outMaxPasidLog2()).isEqualTo(20);
        assertThat(r.outCapabilities()).isEqualTo(IommufdConstants.IOMMU_HW_CAP_DIRTY_TRACKING
            | IommufdConstants.IOMMU_HW_CAP_PCI_PASID_EXEC);
    }

    @Test
    void a_driver_without_hw_info_reports_type_none_and_zero_fills_the_buffer() {
        ((MockIommu.Device) f.iommu0.device(1).orElseThrow()).hasHwInfo = false;
        long buf = f.buffer(PAGE);
        f.mem.write(buf, filled(16, (byte) 1));
        assertThat(outFields(info(0, dev, 16, buf, 0))).containsExactly(0L, 0L, 0L, 0L);
        assertThat(f.mem.read(buf, 16)).containsOnly(0);
    }

    /** data_len, out_data_type, out_max_pasid_log2, out_capabilities. */
    private static List<Long> outFields(IommuHwInfo r) {
        return List.of(r.dataLenUnsigned(), Integer.toUnsignedLong(r.outDataType()), (long) r.outMaxPasidLog2(),
            r.outCapabilities());
    }

    private static byte[] filled(int n, byte value) {
        byte[] b = new byte[n];
        Arrays.fill(b, value);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
