package org.smmuref.kvm;

import java.util.Objects;

/**
 * A VMID request that KVM or a VMID policy refuses, with the errno the kernel would return and a reason.
 *
 * <p>The kernel's pinned-VMID API reports failure as VMID 0; this model throws instead so that a failure can never be
 * mistaken for a VMID.
 */
public final class VmidException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final VmidErrno errno;
    private final String reason;

    /** Creates the exception; the message reads {@code "<ERRNO>: <reason>"}. */
    public VmidException(VmidErrno errno, String reason) {
        super(Objects.requireNonNull(errno, "errno").name() + ": " + Objects.requireNonNull(reason, "reason"));
        this.errno = errno;
        this.reason = reason;
    }

    /** Why the request was refused, without the errno prefix (layers that add their own prefix use this). */
    public String reason() {
        return reason;
    }

    /** The errno the kernel would return. */
    public VmidErrno errno() {
        return errno;
    }
}
