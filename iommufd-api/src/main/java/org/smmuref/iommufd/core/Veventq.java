package org.smmuref.iommufd.core;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.iommufd.uapi.IommufdVeventHeader;

/**
 * A vIOMMU's event queue of one type, read through its fd.
 *
 * <p>Each delivered record is an 8-byte {@code iommufd_vevent_header} (flags, sequence) and the event data. Every
 * enqueue takes the next sequence number (0..INT_MAX, then 0 again). When {@code depth} events are already queued a
 * new one is lost: the single LOST_EVENTS header is (re)queued at the tail with the next sequence number; a real
 * event arriving later removes a lost header still at the tail, so loss shows as a sequence gap. The fd holds a
 * user on the queue; the queue holds one on its vIOMMU.
 */
final class Veventq extends IommufdObject {
    private static final class Node {
        final int flags;
        final byte[] data;
        int sequence;

        Node(int flags, byte[] data) {
            this.flags = flags;
            this.data = data;
        }
    }

    final Viommu viommu;
    final int veventqType;
    final int depth;
    int fd;
    private final Deque<Node> deliver = new ArrayDeque<>();
    private final Node lostHeader = new Node(IommufdConstants.IOMMU_VEVENTQ_FLAG_LOST_EVENTS, new byte[0]);
    private int numEvents;
    private int sequence;
    private boolean linked;

    Veventq(Viommu viommu, int veventqType, int depth) {
        super(ObjectType.VEVENTQ);
        this.viommu = viommu;
        this.veventqType = veventqType;
        this.depth = depth;
        viommu.addUser();
    }

    /** Becomes the vIOMMU's queue of its type. */
    void link() {
        viommu.veventqs.put(veventqType, this);
        linked = true;
    }

    /** Queues one event, or records its loss when the queue holds {@code depth} events. */
    void report(byte[] data) {
        if (Integer.compareUnsigned(numEvents, depth) >= 0) {
            enqueue(lostHeader);
            return;
        }
        numEvents++;
        enqueue(new Node(0, data.clone()));
    }

    private void enqueue(Node node) {
        if (deliver.peekLast() == lostHeader) {
            deliver.removeLast();
        }
        deliver.addLast(node);
        node.sequence = sequence;
        sequence = (sequence + 1) & Integer.MAX_VALUE;
    }

    /**
     * Reads whole records while they fit in {@code count} bytes (a lost header needs only its 8 bytes); returns
     * what was read, possibly nothing.
     */
    byte[] read(int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long room = Integer.toUnsignedLong(count);
        while (!deliver.isEmpty()) {
            Node next = deliver.peekFirst();
            long need = IommufdVeventHeader.SIZE + (long) next.data.length;
            if (room < need) {
                break;
            }
            deliver.removeFirst();
            if (next != lostHeader) {
                numEvents--;
            }
            out.writeBytes(new IommufdVeventHeader(next.flags, next.sequence).encode());
            out.writeBytes(next.data);
            room -= need;
        }
        return out.toByteArray();
    }

    /** Sets the sequence number of the next enqueue, so that the wrap at INT_MAX can be reached in a test. */
    void setNextSequence(int next) {
        if (next < 0) {
            throw new IllegalArgumentException("sequence numbers are 0..INT_MAX");
        }
        sequence = next;
    }

    /** How many records (events and a lost-events header) a read would find. */
    int queuedRecords() {
        return deliver.size();
    }

    /** How many real events are queued. */
    int queuedEvents() {
        return numEvents;
    }

    @Override
    void release() {
        if (linked) {
            viommu.veventqs.remove(veventqType);
            linked = false;
        }
        viommu.dropUser();
    }
}
