package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.smmuref.iommufd.core.IoctlSequenceFuzzTest.Coverage;
import org.smmuref.iommufd.uapi.KernelProfile;

/**
 * The fuzz harness under every kernel profile: each checked-in ioctl sequence replays against a context of that
 * release with all of {@link IoctlSequenceFuzzTest.Run}'s invariants (object table, pins, domains, documented
 * errnos), plus ENOTTY for every command the release lacks.
 */
class IoctlSequenceProfilesTest {
    static Stream<KernelProfile> profiles() {
        return KernelProfile.all().stream();
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void every_checked_in_sequence_keeps_the_invariants_under(KernelProfile profile) throws IOException {
        List<Path> inputs;
        try (Stream<Path> files = Files.list(IoctlSequenceSeedsTest.CORPUS)) {
            inputs = files.filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(inputs).isNotEmpty();
        Coverage coverage = new Coverage();
        for (Path input : inputs) {
            new IoctlSequenceFuzzTest.Run(Files.readAllBytes(input), coverage, profile).run();
        }
        if (!profile.commands().containsAll(KernelProfile.latest().commands())) {
            assertThat(coverage.errnoPaths()).as("the corpus reaches the ENOTTY of a missing command")
                .anyMatch(p -> p.endsWith(":ENOTTY"));
        }
    }
}
