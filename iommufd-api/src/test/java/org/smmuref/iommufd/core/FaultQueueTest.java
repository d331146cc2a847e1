package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.spi.PageFault;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuFaultAlloc;
import org.smmuref.iommufd.uapi.IommuHwptPgfault;

/**
 * Fault queues that receive faults (fault.c, eventq.c): a driver's report through {@code IopfReporter}, the
 * {@code iommu_hwpt_pgfault} records read from the fd, the {@code iommu_hwpt_page_response} written back, the
 * automatic INVALID answers, and the read / write / poll errnos. Records are checked against their own little
 * encoder of the uAPI layout (u32 flags, dev_id, pasid, grpid, perm, __reserved, u64 addr, u32 length, cookie).
 */
class FaultQueueTest {
    static final int RECORD = 40;
    static final int RESPONSE = 8;
    CoreFixture f;
    int ioas;
    int dev;
    MockIommu.Device device;
    int faultId;
    int faultFd;
    int hwpt;

    @BeforeEach
    void world() {
        f = new CoreFixture();
        ioas = f.ioas();
        dev = f.bind(1);
        device = (MockIommu.Device) f.iommu0.device(1).orElseThrow();
        IommuFaultAlloc q = f.core.faultQueueAlloc(f.ctx, Requests.faultQueueAlloc(0));
        faultId = q.outFaultId();
        faultFd = q.outFaultFd();
        hwpt = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(IOMMU_HWPT_FAULT_ID_VALID, dev, ioas, 0, 0, 0, 0,
            faultId, 0)).outHwptId();
        f.core.attachDevice(f.ctx, dev, hwpt);
    }

    /** The oracle's encoding of one record. */
    static byte[] record(int flags, int devId, int pasid, int grpid, int perm, long addr, int cookie) {
        return ByteBuffer.allocate(RECORD).order(ByteOrder.LITTLE_ENDIAN).putInt(flags).putInt(devId).putInt(pasid)
            .putInt(grpid).putInt(perm).putInt(0).putLong(addr).putInt(0).putInt(cookie).array();
    }

    static byte[] responses(int... cookieCodePairs) {
        ByteBuffer b = ByteBuffer.allocate(cookieCodePairs.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : cookieCodePairs) {
            b.putInt(v);
        }
        return b.array();
    }

    private void report(int flags, int grpid, long addr) {
        f.core.reportPageFault(device, new PageFault(flags, 0, grpid, PageFault.PERM_WRITE, addr));
    }

    @Test
    void a_group_is_delivered_when_its_last_page_arrives_iommu_report_device_fault() {
        report(0, 5, 0x1000);
        assertThat(f.core.read(faultFd, 4 * RECORD)).as("a partial group waits").isEmpty();
        assertThat(f.core.poll(faultFd)).isEqualTo(IommufdCore.EPOLLOUT);
        report(PageFault.FLAG_LAST_PAGE, 5, 0x2000);
        assertThat(f.core.poll(faultFd)).isEqualTo(IommufdCore.EPOLLOUT | IommufdCore.EPOLLIN
            | IommufdCore.EPOLLRDNORM);
        byte[] read = f.core.read(faultFd, 4 * RECORD);
        byte[] expected = new byte[2 * RECORD];
        System.arraycopy(record(0, dev, 0, 5, PageFault.PERM_WRITE, 0x1000, 1), 0, expected, 0, RECORD);
        System.arraycopy(record(PageFault.FLAG_LAST_PAGE, dev, 0, 5, PageFault.PERM_WRITE, 0x2000, 1), 0, expected,
            RECORD, RECORD);
        assertThat(read).isEqualTo(expected);
        assertThat(IommuHwptPgfault.decode(java.util.Arrays.copyOf(read, RECORD)).cookie()).isEqualTo(1);
    }

    @Test
    void a_written_response_reaches_the_driver_iommufd_fault_fops_write() {
        f.core.reportPageFault(device, new PageFault(PageFault.FLAG_LAST_PAGE | PageFault.FLAG_PASID_VALID, 7, 3,
            PageFault.PERM_READ, 0x5000));
        byte[] read = f.core.read(faultFd, RECORD);
        assertThat(read).isEqualTo(record(PageFault.FLAG_LAST_PAGE | PageFault.FLAG_PASID_VALID, dev, 7, 3,
            PageFault.PERM_READ, 0x5000, 1));
        assertThat(f.core.write(faultFd, responses(1, PageFault.RESP_SUCCESS))).isEqualTo(RESPONSE);
        assertThat(device.pageResponses).singleElement().isEqualTo(new int[] {7, 3, PageFault.RESP_SUCCESS});
        // the cookie is gone once answered
        assertErrno(Errno.EINVAL, () -> f.core.write(faultFd, responses(1, PageFault.RESP_SUCCESS)));
    }

    @Test
    void cookies_start_at_1_and_reuse_the_lowest_free_xa_alloc() {
        report(PageFault.FLAG_LAST_PAGE, 1, 0x1000);
        report(PageFault.FLAG_LAST_PAGE, 2, 0x2000);
        byte[] two = f.core.read(faultFd, 2 * RECORD);
        assertThat(cookieAt(two, 0)).isEqualTo(1);
        assertThat(cookieAt(two, 1)).isEqualTo(2);
        f.core.write(faultFd, responses(1, PageFault.RESP_INVALID));
        report(PageFault.FLAG_LAST_PAGE, 3, 0x3000);
        assertThat(cookieAt(f.core.read(faultFd, RECORD), 0)).isEqualTo(1);
    }

    private static int cookieAt(byte[] records, int i) {
        return ByteBuffer.wrap(records).order(ByteOrder.LITTLE_ENDIAN).getInt(i * RECORD + 36);
    }

    @Test
    void read_takes_whole_groups_only_iommufd_fault_fops_read() {
        report(0, 1, 0x1000);
        report(PageFault.FLAG_LAST_PAGE, 1, 0x2000);
        assertErrno(Errno.ESPIPE, () -> f.core.read(faultFd, RECORD + 1));
        assertThat(f.core.read(faultFd, 0)).isEmpty();
        assertThat(f.core.read(faultFd, RECORD)).as("the group needs two records").isEmpty();
        assertThat(f.core.read(faultFd, 2 * RECORD)).hasSize(2 * RECORD);
    }

    @Test
    void write_errnos_and_the_partial_write_rule() {
        report(PageFault.FLAG_LAST_PAGE, 1, 0x1000);
        f.core.read(faultFd, RECORD);
        assertErrno(Errno.ESPIPE, () -> f.core.write(faultFd, new byte[RESPONSE + 1]));
        assertErrno(Errno.EINVAL, () -> f.core.write(faultFd, responses(1, 2)));
        assertErrno(Errno.EINVAL, () -> f.core.write(faultFd, responses(9, PageFault.RESP_SUCCESS)));
        assertThat(f.core.write(faultFd, new byte[0])).isZero();
        // a good response then a bad one: the write takes the first and reports its length
        assertThat(f.core.write(faultFd, responses(1, PageFault.RESP_SUCCESS, 9, PageFault.RESP_SUCCESS)))
            .isEqualTo(RESPONSE);
        assertThat(device.pageResponses).hasSize(1);
    }

    @Test
    void a_fault_nobody_can_take_is_answered_invalid_at_once() {
        f.core.detachDevice(f.ctx, dev);
        report(PageFault.FLAG_LAST_PAGE, 4, 0x1000);
        assertThat(device.pageResponses).singleElement().isEqualTo(new int[] {-1, 4, PageFault.RESP_INVALID});
        int plain = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        f.core.attachDevice(f.ctx, dev, plain);
        report(PageFault.FLAG_LAST_PAGE, 6, 0x1000);
        assertThat(device.pageResponses).hasSize(2);
        assertThat(f.core.read(faultFd, RECORD)).isEmpty();
    }

    @Test
    void leaving_the_hwpt_answers_its_groups_invalid_iommufd_auto_response_faults() {
        report(PageFault.FLAG_LAST_PAGE, 1, 0x1000);
        report(PageFault.FLAG_LAST_PAGE, 2, 0x2000);
        f.core.read(faultFd, RECORD);
        int plain = f.core.hwptAlloc(f.ctx, Requests.hwptAlloc(0, dev, ioas)).outHwptId();
        f.core.replaceDevice(f.ctx, dev, plain);
        assertThat(device.pageResponses).extracting(r -> r[1]).containsExactlyInAnyOrder(1, 2);
        assertThat(device.pageResponses).allSatisfy(r -> assertThat(r[2]).isEqualTo(PageFault.RESP_INVALID));
        assertThat(f.core.read(faultFd, 2 * RECORD)).isEmpty();
        assertErrno(Errno.EINVAL, () -> f.core.write(faultFd, responses(1, PageFault.RESP_SUCCESS)));
    }

    @Test
    void the_queue_going_away_answers_what_is_pending_iommufd_fault_destroy() {
        report(PageFault.FLAG_LAST_PAGE, 1, 0x1000);
        report(PageFault.FLAG_LAST_PAGE, 2, 0x2000);
        f.core.read(faultFd, RECORD);
        f.core.close(f.ctx);
        assertThat(device.pageResponses).extracting(r -> r[1]).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void vevent_fds_are_read_only_and_the_context_has_no_write() {
        int parent = f.nestParent(f.bind(2), ioas);
        int viommu = f.viommu(f.core.objects(f.ctx).stream().filter(o -> o.type() == ObjectType.DEVICE)
            .reduce((a, b) -> b).orElseThrow().id(), parent);
        int vfd = f.core.veventqAlloc(f.ctx, Requests.veventqAlloc(0, viommu, MockIommu.VEVENTQ_TYPE_SELFTEST, 2,
            0)).outVeventqFd();
        assertErrno(Errno.EBADF, () -> f.core.write(vfd, new byte[8]));
        assertThat(f.core.poll(vfd)).isZero();
        assertErrno(Errno.EINVAL, () -> f.core.write(f.ctx, new byte[8]));
        assertErrno(Errno.EBADF, () -> f.core.write(99, new byte[8]));
        assertErrno(Errno.EBADF, () -> f.core.poll(99));
        assertThat(List.of(f.core.poll(f.ctx))).containsExactly(0);
    }
}
