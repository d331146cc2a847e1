package org.smmuref.smmu.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.UserDataArray;
import org.smmuref.iommufd.uapi.Errno;

/**
 * Runs converted user invalidation entries on the SMMU in batches of at most {@link #BATCH} commands, each followed by
 * the driver's CMD_SYNC, and sets {@code entry_num}: one loop for the upstream vIOMMU path and the v1 path.
 *
 * <p>Under the documented contract entry_num counts exactly the entries whose commands completed: on a conversion
 * error at entry k the accepted entries before k are issued first, and a refused command counts the entries before
 * it. With the kernel's quirks (section 2.6) the pending batch is dropped yet k is reported, and a refused batch
 * reports the index of its last entry.
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
        boolean quirks = smmu.options().kernelInvalidationQuirks();
        List<long[]> batch = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<long[]> cmds;
            try {
                cmds = convert.apply(i);
            } catch (IommufdException e) {
                if (!quirks && !batch.isEmpty()) {
                    issue(smmu, entries, batch, owners, quirks);
                }
                entries.setEntryNum(i);
                throw e;
            }
            if (batch.size() + cmds.size() > BATCH) {
                issue(smmu, entries, batch, owners, quirks);
            }
            for (long[] c : cmds) {
                batch.add(c);
                owners.add(i);
            }
            if (batch.size() == BATCH || i == count - 1) {
                issue(smmu, entries, batch, owners, quirks);
            }
        }
        entries.setEntryNum(count);
    }

    private static void issue(ArmSmmuV3 smmu, UserDataArray entries, List<long[]> batch, List<Integer> owners,
                              boolean quirks) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            smmu.issue(batch);
        } catch (SmmuCommandException e) {
            int handled;
            if (quirks) {
                handled = owners.get(owners.size() - 1);
            } else if (e.failedIndex() < batch.size()) {
                // Commands before the refused one completed; its entry did not.
                handled = owners.get(e.failedIndex());
            } else {
                // The CMD_SYNC itself failed: no command of the batch is known complete.
                handled = owners.get(0);
            }
            entries.setEntryNum(handled);
            throw new IommufdException(Errno.EIO, "user invalidation entry " + handled + " failed on the SMMU: "
                + e.getMessage());
        }
        batch.clear();
        owners.clear();
    }
}
