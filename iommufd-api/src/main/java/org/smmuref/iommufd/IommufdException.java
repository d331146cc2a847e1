package org.smmuref.iommufd;

import java.util.Objects;
import java.util.Optional;
import org.smmuref.iommufd.uapi.Errno;

/**
 * An iommufd ioctl failure: the errno the kernel would return and a message saying why.
 *
 * <p>A few commands write their out fields back even when they fail (IOAS_IOVA_RANGES with EMSGSIZE carries the
 * needed count, HWPT_INVALIDATE always carries {@code entry_num}); such a failure carries that reply too.
 */
public class IommufdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final transient Object reply;

    /** Creates the failure {@code errno} with a human-readable reason. */
    public IommufdException(Errno errno, String reason) {
        this(errno, reason, null);
    }

    /** Creates the failure {@code errno} whose command still wrote back {@code reply} (may be null). */
    public IommufdException(Errno errno, String reason, Object reply) {
        super(errno.name() + ": " + reason);
        this.errno = Objects.requireNonNull(errno);
        this.reply = reply;
    }

    /** The same failure, now carrying the out fields its command writes back even on failure. */
    public IommufdException withReply(Object newReply) {
        String message = getMessage();
        String reason = message.substring(errno.name().length() + 2);
        IommufdException copy = new IommufdException(errno, reason, newReply);
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    /** The errno the kernel would return. */
    public Errno errno() {
        return errno;
    }

    /** The out fields the failed command wrote back, if it writes any on failure and they have this type. */
    public <T> Optional<T> reply(Class<T> type) {
        return type.isInstance(reply) ? Optional.of(type.cast(reply)) : Optional.empty();
    }
}
