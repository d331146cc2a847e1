package org.smmuref.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What was built: the version Maven stamped into {@code smmuref-build.properties}.
 *
 * @param version the project version
 */
public record BuildInfo(String version) {
    /** Reads the build properties from the class path. */
    public static BuildInfo load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/smmuref-build.properties")) {
            if (in == null) {
                throw new IllegalStateException("smmuref-build.properties missing from the class path");
            }
            Properties p = new Properties();
            p.load(in);
            return new BuildInfo(p.getProperty("version"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
