package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.core.IoctlSequenceFuzzTest.Coverage;

/**
 * Issue 6's promise about the checked-in corpus of {@link IoctlSequenceFuzzTest}: replayed through the same
 * {@link IoctlSequenceFuzzTest.Run} as the fuzz test (without Jazzer), it reaches every documented (operation, errno)
 * pair. The fuzz test itself only reports coverage, since while fuzzing a gap is not a failure.
 */
class IoctlSequenceCorpusTest {
    /** The checked-in inputs whose name passes {@code keep}, replayed into a fresh coverage record. */
    private static Coverage replay(Predicate<String> keep) {
        Coverage coverage = new Coverage();
        for (Path input : inputs()) {
            if (keep.test(input.getFileName().toString())) {
                try {
                    new IoctlSequenceFuzzTest.Run(Files.readAllBytes(input), coverage).run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return coverage;
    }

    private static List<Path> inputs() {
        try (Stream<Path> files = Files.list(IoctlSequenceSeedsTest.CORPUS)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void the_checked_in_corpus_reaches_every_documented_errno_path() {
        assertThat(inputs()).extracting(p -> p.getFileName().toString())
            .containsAll(IoctlSequenceSeedsTest.seeds().keySet());
        Coverage coverage = replay(name -> true);
        assertThat(coverage.missing()).as("documented (operation, errno) pairs no checked-in input reaches").isEmpty();
        assertThat(coverage.errnoPaths()).isEqualTo(IoctlSequenceFuzzTest.documentedPairs());
    }

    @Test
    void a_corpus_without_the_fault_injection_seed_is_reported_missing_its_enomem_paths() {
        Coverage coverage = replay(name -> !name.equals("enomem_fault_injection"));
        assertThat(coverage.missing()).containsExactlyInAnyOrder("IOAS_MAP:ENOMEM", "IOAS_COPY:ENOMEM",
            "HWPT_ALLOC:ENOMEM", "ATTACH:ENOMEM", "REPLACE:ENOMEM");
    }

    @Test
    void nothing_replayed_misses_every_documented_pair() {
        assertThat(new Coverage().missing()).isEqualTo(IoctlSequenceFuzzTest.documentedPairs());
    }
}
