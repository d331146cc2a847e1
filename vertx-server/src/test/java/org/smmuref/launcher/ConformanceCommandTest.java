package org.smmuref.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smmuref.conformance.Capabilities;
import org.smmuref.conformance.ConformanceTarget;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.uapi.Errno;

/** {@code ./smmuref conformance}: progress per suite, reports, exit status, targets by class name. */
class ConformanceCommandTest extends CliTestBase {

    /** The reference with no declared features: the suites that need one are not applicable. */
    public static final class Featureless implements ConformanceTarget {
        private final ConformanceTarget ref = ConformanceCommand.reference();

        @Override
        public String name() {
            return "featureless";
        }

        @Override
        public Iommufd iommufd() {
            return ref.iommufd();
        }

        @Override
        public ModelPlatform platform() {
            return ref.platform();
        }

        @Override
        public Capabilities capabilities() {
            return Capabilities.of();
        }
    }

    /** The reference whose byte-level ioctl refuses everything with EINVAL. */
    public static final class EinvalIoctl implements ConformanceTarget {
        private final ConformanceTarget ref = ConformanceCommand.reference();

        @Override
        public String name() {
            return "einval-ioctl";
        }

        @Override
        public Iommufd iommufd() {
            return (Iommufd) Proxy.newProxyInstance(Iommufd.class.getClassLoader(), new Class<?>[] {Iommufd.class},
                (p, m, args) -> {
                    if (m.getName().equals("ioctl")) {
                        throw new IommufdException(Errno.EINVAL, "broken on purpose", null);
                    }
                    try {
                        return m.invoke(ref.iommufd(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        }

        @Override
        public ModelPlatform platform() {
            return ref.platform();
        }

        @Override
        public Capabilities capabilities() {
            return ref.capabilities();
        }
    }

    @Test
    void the_reference_passes_and_the_reports_are_written(@TempDir Path dir) throws Exception {
        int code = run("conformance", "--suite", "uapi,lifecycle", "--report", dir.toString());
        assertThat(code).as(out + "" + err).isZero();
        assertThat(out.toString()).contains("UapiVerification", "LifecycleVerification", "11 passed, 0 failed");
        assertThat(Files.readString(dir.resolve("conformance.html"))).contains("required_life_0101");
        assertThat(dir.resolve("TEST-junit-jupiter.xml")).exists();
    }

    @Test
    void a_failing_target_named_by_class_exits_non_zero() {
        int code = run("conformance", "--suite", "uapi", "--target", EinvalIoctl.class.getName());
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("FAILED UapiVerification.required_uapi_0102");
    }

    @Test
    void missing_features_are_not_applicable_never_passed() {
        int code = run("conformance", "--suite", "nesting", "--target", Featureless.class.getName());
        assertThat(code).as("not applicable is no failure").isZero();
        assertThat(out.toString()).contains("0 passed, 0 failed, 7 not applicable");
    }

    @Test
    void unknown_targets_and_suites_are_usage_errors() {
        assertThat(run("conformance", "--target", "no.such.Target")).isEqualTo(2);
        assertThat(err.toString()).contains("no conformance target 'no.such.Target'");
        assertThat(run("conformance", "--suite", "nope")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown suite 'nope'");
    }
}
