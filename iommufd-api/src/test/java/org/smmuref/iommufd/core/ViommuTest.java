package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.core.CoreFixture.u32s;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuVeventqAlloc;
import org.smmuref.iommufd.uapi.IommufdConstants;

/** VIOMMU_ALLOC, VDEVICE_ALLOC, VEVENTQ_ALLOC and vEVENT reads (selftest fixture iommufd_viommu). */
class ViommuTest {
    private final CoreFixture f = new CoreFixture();
    private final int ioas = f.ioas();
    private final int dev = f.bind(1);
    private final int parent = f.nestParent(dev, ioas);

    private int vdevice(int viommu, int devId, long virtId) {
        return f.core.vdeviceAlloc(f.ctx, Requests.vdeviceAlloc(viommu, devId, virtId)).outVdeviceId();
    }

    private IommuVeventqAlloc veventq(int viommu, int depth) {
        return f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(0, viommu, MockIommu.VEVENTQ_TYPE_SELFTEST, depth, 0));
    }

    // ------------------------------------------------------------------ vIOMMU

    @Test
    void viommu_alloc_checks_in_the_kernel_order() {
        int plain = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        int type = MockIommu.VIOMMU_TYPE_SELFTEST;
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(1, type, 99, 99, 0, 0, 0)));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(0, 0, 99, 99, 0, 0, 0)));
        assertErrno(Errno.ENOENT, () -> f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(0, type, 0, parent, 0, 0, 0)));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(0, 0xdead, dev, parent, 0, 0,
            0)));
        assertErrno(Errno.ENOENT, () -> f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(0, type, dev, 0, 0, 0, 0)));
        assertErrno(Errno.ENOENT, () -> f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(0, type, dev, ioas, 0, 0, 0)));
        assertErrno(Errno.EINVAL, () -> f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(0, type, dev, plain, 0, 0, 0)));
        // __reserved of iommu_viommu_alloc is not checked by the kernel, and neither here
        assertThat(f.core.viommuAlloc(f.ctx, Requests.viommuAlloc(0, type, dev, parent, 0, 7, 0)).outViommuId()).isPositive();
    }

    @Test
    void a_viommu_holds_its_parent_and_its_nested_hwpts_hold_it() {
        int viommu = f.viommu(dev, parent);
        int nested = f.nested(0, dev, viommu, MockIommu.IOTLB_DEFAULT);
        assertErrno(Errno.EBUSY, () -> f.destroy(parent));
        assertErrno(Errno.EBUSY, () -> f.destroy(viommu));
        f.destroy(nested);
        f.destroy(viommu);
        assertThat(f.iommu0.viommus.get(0).destroyed).isTrue();
        f.destroy(parent);
    }

    @Test
    void nested_on_a_viommu_errnos() {
        int viommu = f.viommu(dev, parent);
        long data = f.put(u32s(0));
        int other = f.core.bindDevice(f.ctx, 1, 1);
        assertErrno(Errno.EINVAL, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, other, viommu, 0,
            MockIommu.HWPT_DATA_SELFTEST, 4, data, 0, 0)));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(IOMMU_HWPT_FAULT_ID_VALID | (1 << 31),
            dev, viommu, 0, MockIommu.HWPT_DATA_SELFTEST, 4, data, 0, 0)));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, viommu)));
        assertErrno(Errno.ENOENT, () -> f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(IOMMU_HWPT_FAULT_ID_VALID, dev, viommu, 0,
            MockIommu.HWPT_DATA_SELFTEST, 4, data, -1, 0)));
        int fault = f.core.faultQueueAlloc(f.ctx, Requests.faultQueueAlloc(0)).outFaultId();
        int nested = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(IOMMU_HWPT_FAULT_ID_VALID, dev, viommu, 0,
            MockIommu.HWPT_DATA_SELFTEST, 4, data, fault, 0)).outHwptId();
        // attaching needs a vDEVICE first (the mock, like the ARM driver for S1 translate)
        assertErrno(Errno.ENOENT, () -> f.core.attachDevice(f.ctx, dev, nested));
        vdevice(viommu, dev, 0x99);
        f.core.attachDevice(f.ctx, dev, nested);
        assertErrno(Errno.EBUSY, () -> f.destroy(nested));
        f.core.replaceDevice(f.ctx, dev, parent);
        f.destroy(nested);
    }

    @Test
    void the_viommu_knows_the_contexts_kvm_vm() {
        f.platform.createVm();
        KvmVmFile vm = f.platform.createVm();
        f.core.associateKvm(f.ctx, vm);
        f.viommu(dev, parent);
        assertThat(f.iommu0.viommus.get(0).kvm()).hasValue(2);
    }

    // ------------------------------------------------------------------ vDEVICE

    @Test
    void vdevice_alloc_errnos() {
        int viommu = f.viommu(dev, parent);
        int dev2 = f.bind(2);
        int other = f.core.bindDevice(f.ctx, 1, 1);
        assertErrno(Errno.ENOENT, () -> vdevice(99, dev, 1));
        assertErrno(Errno.ENOENT, () -> vdevice(viommu, 99, 1));
        assertErrno(Errno.EINVAL, () -> vdevice(viommu, other, 1));
        vdevice(viommu, dev, 0x99);
        assertErrno(Errno.EEXIST, () -> vdevice(viommu, dev, 0x98));
        assertErrno(Errno.EEXIST, () -> vdevice(viommu, dev2, 0x99));
        int parent2 = f.nestParent(dev, ioas);
        int viommu2 = f.viommu(dev, parent2);
        assertErrno(Errno.EEXIST, () -> vdevice(viommu2, dev, 0x77));
        assertThat(vdevice(viommu2, dev2, 0x99)).isPositive();
        assertErrno(Errno.EBUSY, () -> f.destroy(viommu));
    }

    @Test
    void unbinding_a_device_tombstones_its_vdevice_until_close() {
        int viommu = f.viommu(dev, parent);
        int dev2 = f.bind(2);
        int vdev = vdevice(viommu, dev2, 0x42);
        assertThat(f.iommu0.viommus.get(0).vdevs).containsKey(0x42L);
        f.core.unbindDevice(f.ctx, dev2);
        assertThat(f.iommu0.viommus.get(0).vdevs).isEmpty();
        assertErrno(Errno.ENOENT, () -> f.destroy(vdev));
        assertThat(f.ioas()).isNotEqualTo(vdev);
        f.destroy(viommu);
        f.core.close(f.ctx);
    }

    // ------------------------------------------------------------------ vEVENTQ

    @Test
    void veventq_alloc_errnos() {
        int viommu = f.viommu(dev, parent);
        int type = MockIommu.VEVENTQ_TYPE_SELFTEST;
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(1, viommu, type, 2, 0)));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(0, viommu, type, 2, 1)));
        assertErrno(Errno.EOPNOTSUPP, () -> f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(0, viommu, 0, 2, 0)));
        assertErrno(Errno.EINVAL, () -> f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(0, viommu, type, 0, 0)));
        assertErrno(Errno.ENOENT, () -> f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(0, 99, type, 2, 0)));
        veventq(viommu, 2);
        assertErrno(Errno.EEXIST, () -> veventq(viommu, 2));
        assertThat(f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(0, viommu, type + 1, 2, 0)).outVeventqId())
            .isPositive();
    }

    @Test
    void events_carry_the_virt_id_and_consecutive_sequence_numbers() {
        int viommu = f.viommu(dev, parent);
        IommuVeventqAlloc q = veventq(viommu, 2);
        int nested = f.nested(0, dev, viommu, 0);
        vdevice(viommu, dev, 0x99);
        f.core.attachDevice(f.ctx, dev, nested);
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        mock.triggerEvent();
        mock.triggerEvent();
        ByteBuffer b = ByteBuffer.wrap(f.core.read(q.outVeventqFd(), 100)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.remaining()).isEqualTo(24);
        assertThat(new int[] {b.getInt(), b.getInt(), b.getInt()}).containsExactly(0, 0, 0x99);
        assertThat(new int[] {b.getInt(), b.getInt(), b.getInt()}).containsExactly(0, 1, 0x99);
        assertThat(f.core.read(q.outVeventqFd(), 100)).isEmpty();
    }

    @Test
    void overflow_is_reported_by_a_lost_header_and_a_sequence_gap() {
        int viommu = f.viommu(dev, parent);
        IommuVeventqAlloc q = veventq(viommu, 2);
        int nested = f.nested(0, dev, viommu, 0);
        vdevice(viommu, dev, 0x88);
        f.core.attachDevice(f.ctx, dev, nested);
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        for (int i = 0; i < 4; i++) {
            mock.triggerEvent();
        }
        // two events (seq 0, 1), then one lost header re-queued twice: it carries the last sequence number, 3
        ByteBuffer b = ByteBuffer.wrap(f.core.read(q.outVeventqFd(), 100)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.remaining()).isEqualTo(12 + 12 + 8);
        b.position(24);
        assertThat(new int[] {b.getInt(), b.getInt()}).containsExactly(IommufdConstants.IOMMU_VEVENTQ_FLAG_LOST_EVENTS, 3);
        mock.triggerEvent();
        b = ByteBuffer.wrap(f.core.read(q.outVeventqFd(), 100)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new int[] {b.getInt(), b.getInt(), b.getInt()}).containsExactly(0, 4, 0x88);
    }

    @Test
    void a_later_event_replaces_a_lost_header_still_at_the_tail_leaving_a_gap() {
        int viommu = f.viommu(dev, parent);
        IommuVeventqAlloc q = veventq(viommu, 1);
        int nested = f.nested(0, dev, viommu, 0);
        vdevice(viommu, dev, 0x7);
        f.core.attachDevice(f.ctx, dev, nested);
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        mock.triggerEvent();
        mock.triggerEvent();
        // reading only the first record makes room; the next event then drops the trailing lost header
        assertThat(f.core.read(q.outVeventqFd(), 12)).hasSize(12);
        mock.triggerEvent();
        ByteBuffer b = ByteBuffer.wrap(f.core.read(q.outVeventqFd(), 100)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.remaining()).isEqualTo(12);
        assertThat(new int[] {b.getInt(), b.getInt(), b.getInt()}).containsExactly(0, 2, 0x7);
    }

    @Test
    void sequence_numbers_wrap_from_int_max_to_0() {
        int viommu = f.viommu(dev, parent);
        IommuVeventqAlloc q = veventq(viommu, 4);
        int nested = f.nested(0, dev, viommu, 0);
        vdevice(viommu, dev, 0x5);
        f.core.attachDevice(f.ctx, dev, nested);
        Viommu core = (Viommu) coreViommu(viommu);
        core.veventqs.get(MockIommu.VEVENTQ_TYPE_SELFTEST).setNextSequence(Integer.MAX_VALUE);
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        mock.triggerEvent();
        mock.triggerEvent();
        ByteBuffer b = ByteBuffer.wrap(f.core.read(q.outVeventqFd(), 100)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(4)).isEqualTo(Integer.MAX_VALUE);
        assertThat(b.getInt(16)).isZero();
    }

    @Test
    void reads_deliver_only_whole_records() {
        int viommu = f.viommu(dev, parent);
        IommuVeventqAlloc q = veventq(viommu, 4);
        int nested = f.nested(0, dev, viommu, 0);
        vdevice(viommu, dev, 0x5);
        f.core.attachDevice(f.ctx, dev, nested);
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        mock.triggerEvent();
        mock.triggerEvent();
        assertThat(f.core.read(q.outVeventqFd(), 11)).isEmpty();
        assertThat(f.core.read(q.outVeventqFd(), 23)).hasSize(12);
        assertThat(f.core.read(q.outVeventqFd(), 12)).hasSize(12);
    }

    @Test
    void reporting_without_a_queue_of_that_type_is_eopnotsupp_to_the_driver() {
        int viommu = f.viommu(dev, parent);
        int nested = f.nested(0, dev, viommu, 0);
        vdevice(viommu, dev, 0x5);
        f.core.attachDevice(f.ctx, dev, nested);
        MockIommu.Device mock = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        assertErrno(Errno.EOPNOTSUPP, mock::triggerEvent);
    }

    @Test
    void an_open_fd_holds_the_veventq_and_the_veventq_holds_the_viommu() {
        int viommu = f.viommu(dev, parent);
        IommuVeventqAlloc q = veventq(viommu, 2);
        assertErrno(Errno.EBUSY, () -> f.destroy(q.outVeventqId()));
        assertErrno(Errno.EBUSY, () -> f.destroy(viommu));
        f.core.close(q.outVeventqFd());
        assertErrno(Errno.EBADF, () -> f.core.read(q.outVeventqFd(), 8));
        f.destroy(q.outVeventqId());
        f.destroy(viommu);
    }

    private IommufdObject coreViommu(int id) {
        return f.core.context(f.ctx).objects.getAny(id, Errno.ENOENT);
    }
}
