package org.smmuref.iommufd.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.PageFault;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptPageResponse;
import org.smmuref.iommufd.uapi.IommuHwptPgfault;

/**
 * A fault queue (IOMMU_FAULT_QUEUE_ALLOC, fault.c): HWPTs name it with FAULT_ID_VALID; fault groups of devices
 * attached to them are queued for reading, each read group gets a cookie (from 1, lowest free) and waits for the
 * {@code iommu_hwpt_page_response} written back with it. Groups nobody answers are answered INVALID when their
 * device leaves the HWPT (iommufd_auto_response_faults) or the queue goes away (iommufd_fault_destroy). Its open fd
 * holds a user.
 */
final class FaultQueue extends IommufdObject {
    /** One fault group of one device attached to {@code hwpt}. */
    record Group(BoundDevice dev, Hwpt hwpt, List<PageFault> faults) {
        PageFault last() {
            return faults.get(faults.size() - 1);
        }

        void respond(int code) {
            PageFault last = last();
            int pasid = (last.flags() & PageFault.FLAG_PASID_VALID) != 0 ? last.pasid() : -1;
            dev.device.pageResponse(pasid, last.grpid(), code);
        }
    }

    int fd;
    private final Deque<Group> deliver = new ArrayDeque<>();
    private final TreeMap<Integer, Group> response = new TreeMap<>();

    FaultQueue() {
        super(ObjectType.FAULT);
    }

    /** iommufd_fault_iopf_handler: queues a complete group. */
    void deliver(Group group) {
        deliver.addLast(group);
    }

    /** Whether a read would find a group (the poll's EPOLLIN). */
    boolean readable() {
        return !deliver.isEmpty();
    }

    /**
     * iommufd_fault_fops_read: {@code count} must be a multiple of the record size (ESPIPE); whole groups are read
     * while they fit, each given a cookie; a group that does not fit stays queued, so a buffer too small for the
     * first group reads nothing.
     */
    byte[] read(int count) {
        int size = IommuHwptPgfault.SIZE;
        if (Integer.remainderUnsigned(count, size) != 0) {
            throw new IommufdException(Errno.ESPIPE, "a fault fd reads whole " + size + "-byte records");
        }
        long room = Integer.toUnsignedLong(count);
        List<byte[]> records = new ArrayList<>();
        while (!deliver.isEmpty()) {
            Group g = deliver.peekFirst();
            long need = (long) g.faults().size() * size;
            if (need > room) {
                break;
            }
            deliver.removeFirst();
            int cookie = lowestFreeCookie();
            response.put(cookie, g);
            for (PageFault f : g.faults()) {
                // iommufd_compose_fault_message: length is 0, dev_id the bound device's id
                records.add(new IommuHwptPgfault(f.flags(), g.dev().id, f.pasid(), f.grpid(), f.perm(), 0, f.addr(),
                    0, cookie).encode());
            }
            room -= need;
        }
        byte[] bytes = new byte[records.size() * size];
        for (int i = 0; i < records.size(); i++) {
            System.arraycopy(records.get(i), 0, bytes, i * size, size);
        }
        return bytes;
    }

    private int lowestFreeCookie() {
        int cookie = 1;
        for (int used : response.keySet()) {
            if (used != cookie) {
                break;
            }
            cookie++;
        }
        return cookie;
    }

    /**
     * iommufd_fault_fops_write: {@code data.length} must be a multiple of the response size (ESPIPE); responses are
     * taken in order until one has a code other than SUCCESS / INVALID or a cookie no read group holds (EINVAL).
     * Returns the bytes taken, or throws the first error if it was the first response.
     */
    int write(byte[] data) {
        int size = IommuHwptPageResponse.SIZE;
        if (data.length % size != 0) {
            throw new IommufdException(Errno.ESPIPE, "a fault fd takes whole " + size + "-byte responses");
        }
        int done = 0;
        while (done < data.length) {
            byte[] one = java.util.Arrays.copyOfRange(data, done, done + size);
            IommuHwptPageResponse r = IommuHwptPageResponse.decode(one);
            IommufdException failure = null;
            if (r.code() != PageFault.RESP_SUCCESS && r.code() != PageFault.RESP_INVALID) {
                failure = new IommufdException(Errno.EINVAL, "page response code " + Integer.toUnsignedString(
                    r.code()) + " is neither SUCCESS nor INVALID");
            } else if (!response.containsKey(r.cookie())) {
                failure = new IommufdException(Errno.EINVAL, "no fault group waits with cookie "
                    + Integer.toUnsignedString(r.cookie()));
            }
            if (failure != null) {
                if (done == 0) {
                    throw failure;
                }
                return done;
            }
            response.remove(r.cookie()).respond(r.code());
            done += size;
        }
        return done;
    }

    /** iommufd_auto_response_faults: answers INVALID every group (queued or read) that {@code which} selects. */
    void autoRespond(Predicate<Group> which) {
        for (Group g : List.copyOf(deliver)) {
            if (which.test(g)) {
                deliver.remove(g);
                g.respond(PageFault.RESP_INVALID);
            }
        }
        for (var e : List.copyOf(response.entrySet())) {
            if (which.test(e.getValue())) {
                response.remove(e.getKey());
                e.getValue().respond(PageFault.RESP_INVALID);
            }
        }
    }

    /** Groups queued and groups read but not answered. */
    int pendingGroups() {
        return deliver.size() + response.size();
    }

    @Override
    void release() {
        // iommufd_fault_destroy: whatever is still pending is answered INVALID
        autoRespond(g -> true);
    }
}
