package org.smmuref.server.api;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.uapi.Errno;

/**
 * Who owns what: contexts and KVM VMs under unguessable handles, each owned by one client id. Every lookup checks
 * the owner; a handle that is unknown, closed or owned by another client is EBADF, so another client cannot even
 * tell whether it exists.
 */
final class Sessions {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder HANDLE = Base64.getUrlEncoder().withoutPadding();

    private final Map<String, ContextEntry> contexts = new ConcurrentHashMap<>();
    private final Map<String, VmEntry> vms = new ConcurrentHashMap<>();
    private final Executor workers;

    Sessions(Executor workers) {
        this.workers = workers;
    }

    /** A fresh unguessable handle: 128 random bits, base64url. */
    static String newHandle() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HANDLE.encodeToString(b);
    }

    /** An open context of the API. */
    static final class ContextEntry {
        final String handle;
        final String owner;
        final int fd;
        final IommufdAbi abi;
        final SerialQueue queue;
        /** Where the host-kept SMMU event records of this context's devices are published. */
        final String hostEventsAddress;
        /** dev_id -> {IOMMU instance, StreamID} of the devices bound through this context. */
        final Map<Integer, int[]> devices = new ConcurrentHashMap<>();
        /** Event fd -> its queue's publication state. */
        final Map<Integer, EventQueueEntry> eventFds = new ConcurrentHashMap<>();
        /** Serializes draining of this context's event queues, so that records are published in sequence order. */
        final Object drainLock = new Object();
        volatile boolean closed;

        ContextEntry(String handle, String owner, int fd, IommufdAbi abi, SerialQueue queue, String hostEventsAddress) {
            this.hostEventsAddress = hostEventsAddress;
            this.handle = handle;
            this.owner = owner;
            this.fd = fd;
            this.abi = abi;
            this.queue = queue;
        }
    }

    /** An event fd (vEVENTQ or fault queue) of a context and where its records go. */
    record EventQueueEntry(int fd, String kind, int veventqType, String address, boolean push) {
    }

    /** A KVM VM of the API: its open VM file, held for its owner. */
    static final class VmEntry {
        final String handle;
        final String owner;
        final KvmVmFile file;
        final SerialQueue queue;
        volatile boolean closed;

        VmEntry(String handle, String owner, KvmVmFile file, SerialQueue queue) {
            this.handle = handle;
            this.owner = owner;
            this.file = file;
            this.queue = queue;
        }
    }

    /** Registers a new VM file of {@code owner}. */
    VmEntry addVm(String owner, KvmVmFile file) {
        String handle = newHandle();
        VmEntry v = new VmEntry(handle, owner, file, new SerialQueue(workers));
        vms.put(handle, v);
        return v;
    }

    /** The VM {@code handle} if {@code client} owns it and it is open; else EBADF. */
    VmEntry ownedVm(String client, String handle) {
        VmEntry v = handle == null ? null : vms.get(handle);
        if (v == null || v.closed || !v.owner.equals(client)) {
            throw new IommufdException(Errno.EBADF, "no open VM with this handle belongs to this client");
        }
        return v;
    }

    /** Forgets a VM (after its file was closed). */
    void remove(VmEntry v) {
        vms.remove(v.handle, v);
    }

    /** Every open VM of {@code client}. */
    List<VmEntry> vmsOf(String client) {
        List<VmEntry> out = new ArrayList<>();
        for (VmEntry v : vms.values()) {
            if (v.owner.equals(client)) {
                out.add(v);
            }
        }
        return out;
    }

    /** Every open VM. */
    List<VmEntry> allVms() {
        return new ArrayList<>(vms.values());
    }

    /** Registers a new context of {@code owner} on fd {@code fd}. */
    ContextEntry add(String owner, int fd, IommufdAbi abi, String hostEventsAddress) {
        String handle = newHandle();
        ContextEntry c = new ContextEntry(handle, owner, fd, abi, new SerialQueue(workers), hostEventsAddress);
        contexts.put(handle, c);
        return c;
    }

    /** The context {@code handle} if {@code client} owns it and it is open; else EBADF. */
    ContextEntry owned(String client, String handle) {
        ContextEntry c = handle == null ? null : contexts.get(handle);
        if (c == null || c.closed || !c.owner.equals(client)) {
            throw new IommufdException(Errno.EBADF, "no open context with this handle belongs to this client");
        }
        return c;
    }

    /** Forgets a context (after it was closed). */
    void remove(ContextEntry c) {
        contexts.remove(c.handle, c);
    }

    /** Every open context of {@code client}. */
    List<ContextEntry> ofClient(String client) {
        List<ContextEntry> out = new ArrayList<>();
        for (ContextEntry c : contexts.values()) {
            if (c.owner.equals(client)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Every open context. */
    List<ContextEntry> all() {
        return new ArrayList<>(contexts.values());
    }
}
