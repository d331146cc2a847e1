package org.smmuref.iommufd.uapi;

import java.util.Objects;

/**
 * A uAPI rule refused the caller's bytes: carries the errno the kernel would return and a precise reason. The message
 * reads {@code "EINVAL: <why>"}, the form the event-bus API uses for failures.
 */
public class UapiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String reason;

    /** The failure {@code errno}, with a human-readable reason that names the struct and field. */
    public UapiException(Errno errno, String reason) {
        super(Objects.requireNonNull(errno, "errno").name() + ": " + reason);
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
