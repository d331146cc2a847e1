package org.smmuref.iommufd;

import java.util.Optional;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.UapiException;

/**
 * An iommufd ioctl failure: the errno the kernel would return and a message saying why.
 *
 * <p>It is a {@link UapiException}, so a caller that handles the uAPI rules' failures handles the core's too. A few
 * commands write their out fields back even when they fail (IOAS_IOVA_RANGES with EMSGSIZE carries the needed count,
 * HWPT_INVALIDATE always carries {@code entry_num}); such a failure carries that reply, the command's uAPI struct as
 * the caller sees it after the call.
 */
public class IommufdException extends UapiException {
    private static final long serialVersionUID = 1L;

    private final transient Object reply;

    /** Creates the failure {@code errno} with a human-readable reason. */
    public IommufdException(Errno errno, String reason) {
        this(errno, reason, null);
    }

    /** Creates the failure {@code errno} whose command still wrote back {@code reply} (may be null). */
    public IommufdException(Errno errno, String reason, Object reply) {
        super(errno, reason);
        this.reply = reply;
    }

    /** {@code failure} as an IommufdException: itself if it is one, else the same errno and reason. */
    public static IommufdException of(UapiException failure) {
        if (failure instanceof IommufdException e) {
            return e;
        }
        return new IommufdException(failure.errno(), failure.reason());
    }

    /** The same failure, now carrying the out fields its command writes back even on failure. */
    public IommufdException withReply(Object newReply) {
        return new IommufdException(errno(), reason(), newReply);
    }

    /** The out fields the failed command wrote back, if it writes any on failure and they have this type. */
    public <T> Optional<T> reply(Class<T> type) {
        return type.isInstance(reply) ? Optional.of(type.cast(reply)) : Optional.empty();
    }
}
