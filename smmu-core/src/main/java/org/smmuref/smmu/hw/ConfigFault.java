package org.smmuref.smmu.hw;

import java.util.Objects;

/**
 * A configuration lookup failed with an architectural event: the typed error of STE/CD decoding and of the stream
 * and CD table walks.
 *
 * <p>Unchecked so that it passes through {@link DescriptorFetcher} lambdas; it carries no stack trace because it is an
 * expected, architectural outcome of bad input, not a bug.
 */
public final class ConfigFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@link #fetchAddress()} when the event has no fetch address. */
    public static final long NO_ADDRESS = -1L;

    private final ConfigEvent event;
    private final String reason;
    private final long fetchAddress;

    private ConfigFault(ConfigEvent event, String reason, long fetchAddress) {
        super(event + ": " + reason, null, false, false);
        this.event = Objects.requireNonNull(event);
        this.reason = Objects.requireNonNull(reason);
        this.fetchAddress = fetchAddress;
    }

    /** A fault without a fetch address (C_BAD_STE, C_BAD_CD, C_BAD_STREAMID, ...). */
    public static ConfigFault of(ConfigEvent event, String reason) {
        return new ConfigFault(event, reason, NO_ADDRESS);
    }

    /** A fetch-abort fault (F_STE_FETCH, F_CD_FETCH) at {@code address}. */
    public static ConfigFault fetch(ConfigEvent event, long address, String reason) {
        if (!event.hasFetchAddress()) {
            throw new IllegalArgumentException(event + " carries no fetch address");
        }
        return new ConfigFault(event, reason, address);
    }

    /** The architectural event to record. */
    public ConfigEvent event() {
        return event;
    }

    /** A human-readable reason naming the offending field and rule. */
    public String reason() {
        return reason;
    }

    /** The physical address whose fetch aborted, or {@link #NO_ADDRESS}. */
    public long fetchAddress() {
        return fetchAddress;
    }
}
