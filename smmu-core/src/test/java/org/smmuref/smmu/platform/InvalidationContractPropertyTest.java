package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.KernelProfile;

/**
 * Random invalidation arrays against the two contracts of {@code arm_vsmmu_cache_invalidate}. The oracle is written
 * from kernel-versions.md, not from the driver: entry i is TLBI_NH_ASID with ASID i (good), CFGI_STE (an opcode no
 * vIOMMU takes: bad in every release) or TLBI_NH_ASID with a stray dword-1 bit (bad only from v7.4, whose
 * {@code arm_vsmmu_validate_user_cmd} checks fields).
 *
 * <ul>
 *   <li>v7.4: a batch of 63 holding a bad command is not issued at all; what was issued is exactly the entries
 *       before that batch, and entry_num equals that count.</li>
 *   <li>v6.13 .. v7.3 (v7.2 here): the full batches before the first bad entry k were issued, the pending ones
 *       dropped, and entry_num = k: the over-report is k mod 63.</li>
 * </ul>
 */
class InvalidationContractPropertyTest {
    private static final int GOOD = 2;
    private static final int ILLEGAL_OPCODE = 0;
    private static final int STRAY_FIELD = 1;
    private static final int BATCH = 63;

    private final ViommuInvalidationTest.Fixture v74 = new ViommuInvalidationTest.Fixture(Machines.reference(),
        KernelProfile.V7_4);
    private final ViommuInvalidationTest.Fixture legacy = new ViommuInvalidationTest.Fixture(Machines.reference(),
        KernelProfile.V7_2);

    /** What one call did: entry_num and the ASIDs of the TLBI_NH_ASIDs that reached the SMMU, in order. */
    private record Outcome(int entryNum, List<Integer> issuedAsids) {
    }

    private static long[][] commands(List<Integer> kinds) {
        long[][] cmds = new long[kinds.size()][];
        for (int i = 0; i < cmds.length; i++) {
            int k = kinds.get(i);
            if (k == ILLEGAL_OPCODE) {
                cmds[i] = new long[] {0x03L | 0x42L << 32, 1}; // CMD_CFGI_STE, by its spec encoding
            } else {
                cmds[i] = new long[] {0x11L | (long) i << 48, k == STRAY_FIELD ? 1 : 0}; // CMD_TLBI_NH_ASID
            }
        }
        return cmds;
    }

    private static Outcome run(ViommuInvalidationTest.Fixture f, List<Integer> kinds) {
        f.issued.clear();
        int entryNum;
        try {
            entryNum = f.vmm.invalidate(f.viommu, commands(kinds));
        } catch (IommufdException e) {
            entryNum = e.reply(IommuHwptInvalidate.class).orElseThrow().entryNum();
        }
        List<Integer> asids = new ArrayList<>();
        for (long[] c : f.issued) {
            if ((c[0] & 0xFF) == 0x11) {
                asids.add((int) (c[0] >>> 48));
            }
        }
        return new Outcome(entryNum, asids);
    }

    private static int firstBad(List<Integer> kinds, boolean fieldsChecked) {
        for (int i = 0; i < kinds.size(); i++) {
            if (kinds.get(i) == ILLEGAL_OPCODE || (fieldsChecked && kinds.get(i) == STRAY_FIELD)) {
                return i;
            }
        }
        return -1;
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void v7_4_never_issues_part_of_a_batch_with_an_illegal_command_and_entry_num_counts_what_was_issued() {
        qt().withExamples(150).forAll(lists().of(integers().between(0, 40)).ofSizeBetween(1, 200))
            .checkAssert(kinds -> {
                Outcome o = run(v74, kinds);
                int bad = firstBad(kinds, true);
                int expected = bad < 0 ? kinds.size() : bad / BATCH * BATCH;
                assertThat(o.issuedAsids()).as("exactly the batches before the bad one").isEqualTo(range(expected));
                assertThat(o.entryNum()).as("entry_num = commands issued").isEqualTo(o.issuedAsids().size());
            });
    }

    @Test
    void the_old_contract_reproduces_the_over_report_exactly() {
        qt().withExamples(150).forAll(lists().of(integers().between(0, 40)).ofSizeBetween(1, 200))
            .checkAssert(kinds -> {
                Outcome o = run(legacy, kinds);
                int bad = firstBad(kinds, false);
                int n = kinds.size();
                assertThat(o.entryNum()).isEqualTo(bad < 0 ? n : bad);
                assertThat(o.issuedAsids()).as("full batches before the bad entry only")
                    .isEqualTo(range(bad < 0 ? n : bad / BATCH * BATCH));
            });
    }

    /**
     * Negative control: the v7.4 property (entry_num = commands issued) applied to the old contract fails in most
     * arrays that hold a bad entry, because of the over-report; were the old profile to follow the new contract this
     * would find no counterexample.
     */
    @Test
    void the_v7_4_property_fails_on_the_old_contract_for_the_right_reason() {
        Random random = new Random(18);
        int withBad = 0;
        int violations = 0;
        for (int example = 0; example < 200; example++) {
            List<Integer> kinds = new ArrayList<>();
            int n = 1 + random.nextInt(200);
            for (int i = 0; i < n; i++) {
                kinds.add(random.nextInt(41));
            }
            int bad = firstBad(kinds, false);
            if (bad < 0) {
                continue;
            }
            withBad++;
            Outcome o = run(legacy, kinds);
            if (o.entryNum() != o.issuedAsids().size()) {
                violations++;
                assertThat(o.entryNum() - o.issuedAsids().size()).as("the over-report is the dropped batch")
                    .isEqualTo(bad % BATCH);
            }
        }
        assertThat(withBad).isGreaterThan(100);
        assertThat(violations).as("counterexamples in " + withBad + " arrays with a bad entry")
            .isGreaterThan(withBad / 2);
    }
}
