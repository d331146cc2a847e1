package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.smmu.platform.Machines.errno;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptInvalidate;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.smmu.hw.Commands;

/**
 * HWPT_INVALIDATE on an ARM vIOMMU (section 2.6): what reaches the command queue (VMID forced, NSNH_ALL demoted, SIDs
 * translated, batches of at most 63 plus a CMD_SYNC), and entry_num under the documented contract and under the
 * kernel's quirks.
 */
class ViommuInvalidationTest {
    private static final int SYNC = 0x46;

    /** A VMM with one device attached to a stage-1 nested domain of one vIOMMU, and the command trace. */
    static final class Fixture {
        final NestingBed vmm;
        final int dev;
        final int viommu;
        final int vmid;
        final List<long[]> issued = new ArrayList<>();

        Fixture(SmmuPlatform platform) {
            this(platform, KernelProfile.latest());
        }

        Fixture(SmmuPlatform platform, KernelProfile profile) {
            vmm = new NestingBed(platform, profile).tie();
            dev = vmm.bind(0x8);
            int parent = vmm.nestParent(dev);
            viommu = vmm.viommu(dev, parent);
            vmm.vdevice(viommu, dev, 0x42);
            vmm.iommufd.attachDevice(vmm.ctx, dev, vmm.nested(dev, viommu, NestingBed.s1Vste(0x8000_0000L)[0], 0));
            vmid = (int) (platform.driver(0).ste(0x8)[2] & 0xFFFF);
            platform.driver(0).commandQueue().addListener(issued::add);
        }

        /** The pre-v7.4 contract with its quirks (every release v6.13 .. v7.3 has it; v7.2 stands for them). */
        static Fixture quirky() {
            return new Fixture(Machines.reference(), KernelProfile.V7_2);
        }

        /** Runs an invalidation expected to fail; returns {errno, entry_num}. */
        Object[] failing(long[]... cmds) {
            try {
                vmm.invalidate(viommu, cmds);
            } catch (IommufdException e) {
                return new Object[] {e.errno(), e.reply(IommuHwptInvalidate.class).orElseThrow().entryNum()};
            }
            throw new AssertionError("the invalidation succeeded");
        }

        /** The issued commands split at each CMD_SYNC: the sizes of the batches. */
        List<Integer> batches() {
            List<Integer> sizes = new ArrayList<>();
            int n = 0;
            for (long[] c : issued) {
                if ((c[0] & 0xFF) == SYNC) {
                    sizes.add(n);
                    n = 0;
                } else {
                    n++;
                }
            }
            return sizes;
        }
    }

    private final Fixture f = new Fixture(Machines.reference());

    @Test
    void theVmidIsForcedAndNsnhAllIsScopedToIt() {
        assertThat(f.vmm.invalidate(f.viommu, Commands.tlbiNhAll(7).encode(), Commands.tlbiNsnhAll().encode(),
            Commands.tlbiNhAsid(0xFFFF, 5).encode(), Commands.cfgiCdAll(0x42).encode())).isEqualTo(4);
        assertThat(f.issued).hasSize(5);
        assertThat(f.issued.get(0)).containsExactly(Commands.tlbiNhAll(f.vmid).encode());
        assertThat(f.issued.get(1)).containsExactly(Commands.tlbiNhAll(f.vmid).encode());
        assertThat(f.issued.get(2)).containsExactly(Commands.tlbiNhAsid(f.vmid, 5).encode());
        assertThat(f.issued.get(3)).containsExactly(Commands.cfgiCdAll(0x8).encode());
        assertThat(f.issued.get(4)[0] & 0xFF).isEqualTo(SYNC);
    }

    @Test
    void commandsGoInBatchesOfSixtyThreeEachWithItsSync() {
        long[][] cmds = new long[130][];
        for (int i = 0; i < cmds.length; i++) {
            cmds[i] = Commands.tlbiNhAsid(0, i).encode();
        }
        assertThat(f.vmm.invalidate(f.viommu, cmds)).isEqualTo(130);
        assertThat(f.batches()).containsExactly(63, 63, 4);
    }

    /** v7.4 arm_vsmmu_cache_invalidate: a batch holding an illegal command is refused whole, nothing issued. */
    @Test
    void aRefusedOpcodeFailsItsWholeBatchUnderV74() {
        Object[] r = f.failing(Commands.tlbiNhAll(0).encode(), Commands.tlbiNhAsid(0, 1).encode(),
            Commands.cfgiSte(0x42).encode(), Commands.tlbiNhAll(0).encode());
        assertThat(r).containsExactly(Errno.EIO, 0);
        assertThat(f.issued).as("nothing of the batch reached the SMMU").isEmpty();
    }

    /** v7.4: the batches before the one holding the illegal command were issued in full and are counted. */
    @Test
    void anIllegalCommandInTheSecondBatchCountsTheFirstUnderV74() {
        long[][] cmds = new long[70][];
        for (int i = 0; i < cmds.length; i++) {
            cmds[i] = Commands.tlbiNhAsid(0, i).encode();
        }
        cmds[65] = Commands.cfgiSte(0x42).encode();
        assertThat(f.failing(cmds)).containsExactly(Errno.EIO, 63);
        assertThat(f.batches()).containsExactly(63);
    }

    /** v7.4 arm_vsmmu_validate_user_cmd: a bit outside TLBI_NH_ALL's VMID field is EIO. */
    @Test
    void aStrayFieldIsEioUnderV74ButPassesBefore() {
        long[] stray = Commands.tlbiNhAll(0).encode();
        stray[1] = 1;
        assertThat(f.failing(stray)).containsExactly(Errno.EIO, 0);
        Fixture q = Fixture.quirky();
        assertThat(q.vmm.invalidate(q.viommu, stray)).as("before v7.4 only the opcode is checked").isEqualTo(1);
    }

    @Test
    void theKernelQuirkReportsTheIndexWithoutIssuingThePendingBatch() {
        Fixture q = Fixture.quirky();
        Object[] r = q.failing(Commands.tlbiNhAll(0).encode(), Commands.tlbiNhAsid(0, 1).encode(),
            Commands.cfgiSte(0x42).encode());
        assertThat(r).containsExactly(Errno.EIO, 2);
        assertThat(q.issued).as("nothing was issued").isEmpty();
    }

    @Test
    void anUnknownVsidIsEio() {
        assertThat(f.failing(Commands.cfgiCd(0x43, 0, true).encode())).containsExactly(Errno.EIO, 0);
        assertThat(f.failing(Commands.tlbiNhAll(0).encode(), Commands.atcInvAll(0x99).encode()))
            .as("v7.4: the batch is refused whole").containsExactly(Errno.EIO, 0);
        Fixture q = Fixture.quirky();
        assertThat(q.failing(Commands.tlbiNhAll(0).encode(), Commands.atcInvAll(0x99).encode()))
            .as("before v7.4: the index of the bad entry").containsExactly(Errno.EIO, 1);
    }

    @Test
    void anEmptyArrayProbesTheTypeUnderTheContractButIsEinvalInTheKernel() {
        assertThat(f.vmm.invalidate(f.viommu)).isZero();
        IommuHwptInvalidate otherType = Requests.hwptInvalidate(f.viommu, 0, 0, 16, 0, 0);
        assertThat(errno(() -> f.vmm.iommufd.hwptInvalidate(f.vmm.ctx, otherType))).as("another data type")
            .isEqualTo(Errno.EINVAL);
        Fixture q = Fixture.quirky();
        assertThat(q.failing()).containsExactly(Errno.EINVAL, 0);
    }

    @Test
    void aCommandTheSmmuRefusesIsReportedAndTheQueueRecovers() {
        long[] reserved = Commands.tlbiNhVa(0, 3, 0x4000, true).encode();
        reserved[1] |= 1L << 10; // TG=4K with NUM=SCALE=TTL=0: a reserved encoding, CERROR_ILL
        Object[] r = f.failing(Commands.tlbiNhAsid(0, 1).encode(), reserved, Commands.tlbiNhAsid(0, 2).encode());
        assertThat(r).as("v7.4 arm_vsmmu_validate_range catches it before the SMMU").containsExactly(Errno.EIO, 0);
        assertThat(f.issued).isEmpty();
        assertThat(f.vmm.invalidate(f.viommu, Commands.tlbiNhAll(0).encode())).isEqualTo(1);

        Fixture q = Fixture.quirky();
        assertThat(q.failing(Commands.tlbiNhAsid(0, 1).encode(), reserved, Commands.tlbiNhAsid(0, 2).encode()))
            .as("the kernel reports the last index of the failed batch").containsExactly(Errno.EIO, 2);
        assertThat(q.vmm.invalidate(q.viommu, Commands.tlbiNhAll(0).encode())).as("the queue recovered").isEqualTo(1);
    }

    @Test
    void entriesFollowTheFullArrayCopyRules() {
        byte[] longer = new byte[17];
        System.arraycopy(NestingBed.le(Commands.tlbiNhAll(0).encode()), 0, longer, 0, 16);
        longer[16] = 1;
        long uptr = f.vmm.put(longer);
        IommuHwptInvalidate tooLong = Requests.hwptInvalidate(f.viommu, uptr, 1, 17, 1, 0);
        assertThat(errno(() -> f.vmm.iommufd.hwptInvalidate(f.vmm.ctx, tooLong))).isEqualTo(Errno.E2BIG);
        long shortPtr = f.vmm.put(NestingBed.le(Commands.tlbiNhAsid(0, 4).encode()[0]));
        IommuHwptInvalidate shortEntry = Requests.hwptInvalidate(f.viommu, shortPtr, 1, 8, 1, 0);
        assertThat(f.vmm.iommufd.hwptInvalidate(f.vmm.ctx, shortEntry).entryNum()).isEqualTo(1);
        assertThat(f.issued.get(f.issued.size() - 2)).containsExactly(Commands.tlbiNhAsid(f.vmid, 4).encode());
    }

    @Test
    void aNestedHwptCannotBeInvalidatedOnArm() {
        int nested = f.vmm.nested(f.dev, f.viommu, 1 | 4 << 1, 0);
        assertThat(errno(() -> f.vmm.invalidate(nested, Commands.tlbiNhAll(0).encode()))).isEqualTo(Errno.EOPNOTSUPP);
    }
}
