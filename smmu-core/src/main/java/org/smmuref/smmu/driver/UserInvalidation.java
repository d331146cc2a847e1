package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.UserDataArray;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.KernelProfile;

/**
 * Runs converted user invalidation entries on the SMMU in batches of at most {@link #BATCH} commands, each followed by
 * the driver's CMD_SYNC, and sets {@code entry_num}: one loop per kernel contract ({@link KernelProfile.Invalidation}),
 * chosen by the caller's profile, for the upstream vIOMMU path and the v1 path alike.
 *
 * <p>{@link KernelProfile.Invalidation#LEGACY_V6_13} ({@code arm_vsmmu_cache_invalidate} v6.13 .. v7.3): commands
 * are issued whenever a batch fills; at an unconvertible entry k the pending batch is dropped yet entry_num = k (the
 * over-report quirk), and a batch the SMMU refuses reports the index of its last entry.
 *
 * <p>{@link KernelProfile.Invalidation#BATCHED_V7_4}: every entry of a batch is converted (and checked) before any
 * command of it is issued, so a batch goes whole or not at all; entry_num counts the entries of batches issued in
 * full.
 */
final class UserInvalidation {
    /** Commands per hardware batch (CMDQ_BATCH_ENTRIES - 1), the CMD_SYNC making 64. */
    static final int BATCH = 63;

    private UserInvalidation() {
    }

    /**
     * @param count the number of entries
     * @param convert the commands of entry i (at most {@link #BATCH}); throws the errno of an entry it refuses
     */
    static void run(ArmSmmuV3 smmu, UserDataArray entries, int count, IntFunction<List<long[]>> convert) {
        run(smmu, entries, count, convert, entries.profile().invalidation());
    }

    /** {@link #run} under an explicit contract (the v1 path, which predates every profile, keeps the old one). */
    static void run(ArmSmmuV3 smmu, UserDataArray entries, int count, IntFunction<List<long[]>> convert,
                    KernelProfile.Invalidation contract) {
        if (contract == KernelProfile.Invalidation.BATCHED_V7_4) {
            runBatched(smmu, entries, count, convert);
        } else {
            runLegacy(smmu, entries, count, convert);
        }
    }

    private static void runLegacy(ArmSmmuV3 smmu, UserDataArray entries, int count,
                                  IntFunction<List<long[]>> convert) {
        List<long[]> batch = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<long[]> cmds;
            try {
                cmds = convert.apply(i);
            } catch (IommufdException e) {
                // The quirk: the converted commands still pending are dropped, yet entry_num says they were handled.
                entries.setEntryNum(i);
                throw e;
            }
            if (batch.size() + cmds.size() > BATCH) {
                issueLegacy(smmu, entries, batch, owners);
            }
            for (long[] c : cmds) {
                batch.add(c);
                owners.add(i);
            }
            if (batch.size() == BATCH || i == count - 1) {
                issueLegacy(smmu, entries, batch, owners);
            }
        }
        entries.setEntryNum(count);
    }

    private static void issueLegacy(ArmSmmuV3 smmu, UserDataArray entries, List<long[]> batch, List<Integer> owners) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            smmu.issue(batch);
        } catch (SmmuCommandException e) {
            int handled = owners.get(owners.size() - 1);
            entries.setEntryNum(handled);
            throw new IommufdException(Errno.EIO, "user invalidation entry " + handled + " failed on the SMMU: "
                + e.getMessage());
        }
        batch.clear();
        owners.clear();
    }

    private static void runBatched(ArmSmmuV3 smmu, UserDataArray entries, int count,
                                   IntFunction<List<long[]>> convert) {
        int done = 0;
        List<long[]> batch = new ArrayList<>();
        int i = 0;
        while (i < count) {
            List<long[]> cmds;
            try {
                cmds = convert.apply(i);
            } catch (IommufdException e) {
                // The whole batch holding the bad entry is refused: nothing of it reached the SMMU.
                entries.setEntryNum(done);
                throw e;
            }
            if (!batch.isEmpty() && batch.size() + cmds.size() > BATCH) {
                issueBatched(smmu, entries, batch, done);
                done = i;
            }
            batch.addAll(cmds);
            i++;
            if (batch.size() == BATCH) {
                // A full batch goes at once: an illegal entry after it belongs to the next driver call.
                issueBatched(smmu, entries, batch, done);
                done = i;
            }
        }
        if (!batch.isEmpty()) {
            issueBatched(smmu, entries, batch, done);
        }
        entries.setEntryNum(count);
    }

    private static void issueBatched(ArmSmmuV3 smmu, UserDataArray entries, List<long[]> batch, int done) {
        try {
            smmu.issue(batch);
        } catch (SmmuCommandException e) {
            entries.setEntryNum(done);
            throw new IommufdException(Errno.EIO, "a batch of user invalidation commands from entry " + done
                + " failed on the SMMU: " + e.getMessage());
        }
        batch.clear();
    }
}
