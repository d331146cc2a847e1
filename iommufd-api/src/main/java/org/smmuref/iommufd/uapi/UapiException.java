package org.smmuref.iommufd.uapi;

import java.util.Objects;

/**
 * A uAPI rule refused the caller's bytes: carries the errno the kernel would return and a precise reason. The message
 * reads {@code "EINVAL: <why>"}, the form the event-bus API uses for failures.
 *
 * <p>It records no stack trace: it is an expected answer (the errno a syscall returns), thrown on every rejected
 * ioctl, and the errno with its reason says what went wrong; capturing the frames cost more than the call itself.
 */
public class UapiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String reason;

    /** The failure {@code errno}, with a human-readable reason that names the struct and field. */
    public UapiException(Errno errno, String reason) {
        super(Objects.requireNonNull(errno, "errno").name() + ": " + reason, null, true, false);
        this.errno = errno;
        this.reason = reason;
    }

    /** The errno the kernel would return. */
    public Errno errno() {
        return errno;
    }

    /** The reason without the errno prefix. */
    public String reason() {
        return reason;
    }
}
