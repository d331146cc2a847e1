package org.smmuref.conformance.tck;

import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.smmuref.conformance.Capability;
import org.smmuref.conformance.ConformanceTarget;
import org.smmuref.conformance.Targets;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.UapiException;

/**
 * Base of every suite, in the Reactive Streams TCK's manner: a vendor subclasses a suite and overrides
 * {@link #createTarget()}, or runs the suites as they are with the JUnit configuration parameter
 * {@value #TARGET_PARAMETER} naming a target ({@link Targets#resolve}).
 *
 * <p>Test names are {@code TYPE_area_NNNN_description} (TYPE = required or optional); the Javadoc of each names the
 * source it checks. {@link #check} publishes the request, the expected and the actual value as report entries, which
 * the runner's HTML report shows as evidence; {@link #requires} makes a test not applicable, with the reason.
 */
@ExtendWith(Verification.ContextResolver.class)
public abstract class Verification {
    /** The configuration parameter naming the target when a suite is not subclassed. */
    public static final String TARGET_PARAMETER = "smmuref.conformance.target";

    /** The target of the current test. */
    protected ConformanceTarget target;
    private TestReporter reporter;
    private int checks;

    /** Gives {@link #openTarget} the extension context, where the configuration parameters are. */
    static final class ContextResolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
            return p.getParameter().getType() == ExtensionContext.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext c) {
            return c;
        }
    }

    /** The target for one test; null means: the one the configuration parameter names. */
    protected ConformanceTarget createTarget() {
        return null;
    }

    @BeforeEach
    final void openTarget(TestInfo info, TestReporter testReporter, ExtensionContext context) {
        this.reporter = testReporter;
        ConformanceTarget t = createTarget();
        if (t == null) {
            String spec = context.getConfigurationParameter(TARGET_PARAMETER).orElseThrow(() ->
                new IllegalStateException("no target: override createTarget() or set " + TARGET_PARAMETER));
            Supplier<? extends ConformanceTarget> factory = Targets.resolve(spec);
            t = Objects.requireNonNull(factory.get(), "the factory of " + spec + " returned null");
        }
        this.target = t;
    }

    @AfterEach
    final void closeTarget() {
        if (target != null) {
            target.close();
        }
    }

    /** Not applicable unless the target declares {@code c}: a skip with the missing feature as its reason. */
    protected final void requires(Capability c) {
        Assumptions.assumeTrue(target.capabilities().has(c),
            () -> "not applicable: target '" + target.name() + "' declares no " + c);
    }

    /** Asserts {@code actual} equals {@code expected}, publishing the evidence first. */
    protected final void check(String request, Object expected, Object actual) {
        checks++;
        reporter.publishEntry("evidence." + checks, "request: " + request + " | expected: " + expected
            + " | actual: " + actual);
        Assertions.assertEquals(expected, actual, request);
    }

    /** Runs {@code call}, expecting it to fail with {@code expected}; publishes the evidence. */
    protected final void checkErrno(String request, Errno expected, Runnable call) {
        check(request, "errno " + expected, "errno " + outcome(call));
    }

    /** The errno {@code call} failed with, or "success". */
    protected static String outcome(Runnable call) {
        try {
            call.run();
            return "success";
        } catch (IommufdException e) {
            return e.errno().name();
        } catch (UapiException e) {
            return e.errno().name();
        }
    }

    /** A fresh VMM context on the target with guest RAM mapped into an IOAS. */
    protected final Vmm vmm() {
        return new Vmm(target);
    }
}
