package org.smmuref.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.smmuref.server.api.ApiHeaders;

/** The optional shared secret every HTTP request and bridge frame must present; compared in constant time. */
public final class AccessToken {
    /** The header (HTTP and bridge) that carries the token. */
    public static final String HEADER = ApiHeaders.TOKEN;

    private final byte[] secret;

    private AccessToken(byte[] secret) {
        this.secret = secret;
    }

    /** The token of {@code options}, or one that lets everything through when none is set. */
    public static AccessToken of(Optional<String> token) {
        return new AccessToken(token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null));
    }

    /** Whether a token is required at all. */
    public boolean required() {
        return secret != null;
    }

    /** Whether {@code presented} grants access: always without a token, else only the exact token. */
    public boolean admits(String presented) {
        if (secret == null) {
            return true;
        }
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return required() ? "AccessToken[set]" : "AccessToken[none]";
    }
}
