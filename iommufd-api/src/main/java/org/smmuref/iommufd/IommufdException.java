package org.smmuref.iommufd;

import java.util.Objects;
import org.smmuref.iommufd.uapi.Errno;

/** An iommufd ioctl failure: the errno the kernel would return and a message saying why. */
public class IommufdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    /** Creates the failure {@code errno} with a human-readable reason. */
    public IommufdException(Errno errno, String reason) {
        super(errno.name() + ": " + reason);
        this.errno = Objects.requireNonNull(errno);
    }

    /** The errno the kernel would return. */
    public Errno errno() {
        return errno;
    }
}
