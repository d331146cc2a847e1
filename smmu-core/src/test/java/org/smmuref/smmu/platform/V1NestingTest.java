package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smmuref.smmu.platform.Machines.errno;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.KvmReference;
import org.smmuref.iommufd.spi.NestedDomain;
import org.smmuref.iommufd.spi.PagingDomain;
import org.smmuref.iommufd.spi.UserData;
import org.smmuref.iommufd.spi.UserDataArray;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.IommuHwptArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuHwptInvalidateArmSmmuv3V1;
import org.smmuref.iommufd.uapi.IommuIovaRange;
import org.smmuref.iommufd.uapi.IommufdConstants;
import org.smmuref.kvm.policy.UserVmidOverride;
import org.smmuref.smmu.driver.ArmSmmuV3;
import org.smmuref.smmu.driver.SmmuMaster;
import org.smmuref.smmu.driver.SteWords;
import org.smmuref.smmu.driver.V1NestedDomain;
import org.smmuref.smmu.hw.Commands;

/**
 * The driver side of the v1 ABI, called directly ({@link V1AbiContextTest} goes through the ioctls): the
 * v1 fields become the same guest STE and physical STE as upstream, a user-chosen VMID is refused, and v1
 * invalidation entries become the equivalent commands under the domain's VMID.
 */
class V1NestingTest {
    private static final int V1 = IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3;
    private static final long CTX = 0x8000_4000L;

    private final SmmuPlatform platform = Machines.reference();
    private final ArmSmmuV3 driver = platform.driver(0);
    private final SmmuMaster master = driver.master(0x8).orElseThrow();
    private final PagingDomain parent = driver.allocPagingDomain(master, IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT,
        null);
    /** The VM reference of a context tied to a VM, as the core would hand it (BTM refuses untied nesting). */
    private final Optional<KvmReference> vm = platform.getKvm(platform.createVm());
    private long scratch = 0x7000_0000L;
    private final List<long[]> issued = new ArrayList<>();

    V1NestingTest() {
        platform.vmmMemory().mmap(scratch, 1 << 16);
        driver.commandQueue().addListener(issued::add);
    }

    private UserData data(IommuHwptArmSmmuv3V1 v1) {
        byte[] b = v1.encode();
        platform.vmmMemory().write(scratch, b);
        UserData d = new UserData(platform.vmmMemory(), V1, b.length, scratch);
        scratch += 64;
        return d;
    }

    private NestedDomain alloc(IommuHwptArmSmmuv3V1 v1) {
        return driver.allocDomainNestedV1(parent, master, 0, data(v1), vm);
    }

    private static IommuHwptArmSmmuv3V1 s1(long flags, int s2vmid) {
        return new IommuHwptArmSmmuv3V1(flags, s2vmid, 0, CTX, 3, 0, 2);
    }

    @Test
    void theV1FieldsBecomeTheUpstreamStage1Ste() {
        V1NestedDomain d = (V1NestedDomain) alloc(s1(0, 0));
        assertThat(d.vste().ste0()).isEqualTo(1 | 5 << 1 | CTX | 3L << 59);
        assertThat(d.vste().ste1() & 3).as("S1DSS").isEqualTo(2);
        master.attach(d);
        long[] ste = driver.ste(0x8);
        assertThat((ste[0] >>> 1) & 7).isEqualTo(SteWords.CFG_NESTED);
        assertThat(ste[2] & 0xFFFF).as("the policy's VMID").isEqualTo(d.vmid());
        assertThat((ste[1] >>> 19) & 1).as("MEV").isEqualTo(1);
        master.attach(parent);
        d.free();
        assertThat(d.released()).isTrue();
    }

    @Test
    void flagS2AloneIsTheStage2OnlyConfiguration() {
        V1NestedDomain d = (V1NestedDomain) alloc(new IommuHwptArmSmmuv3V1(UserVmidOverride.FLAG_S2, 0, 0, 0, 0, 0,
            0));
        master.attach(d);
        assertThat((driver.ste(0x8)[0] >>> 1) & 7).isEqualTo(SteWords.CFG_S2_TRANS);
    }

    @Test
    void aUserChosenVmidIsRefusedForIsolation() {
        int before = driver.vmids().smmuPrivate().allocated();
        assertThatThrownBy(() -> alloc(s1(UserVmidOverride.FLAG_VMID, 7)))
            .isInstanceOfSatisfying(IommufdException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP);
                assertThat(e.getMessage()).contains("VMID space is global to the SMMU");
            });
        assertThat(errno(() -> alloc(s1(0, 9)))).as("s2vmid without the flag").isEqualTo(Errno.EOPNOTSUPP);
        assertThat(driver.vmids().smmuPrivate().allocated()).isEqualTo(before);
    }

    @Test
    void badV1DataIsRefusedPrecisely() {
        assertThat(errno(() -> alloc(s1(1L << 5, 0)))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> alloc(new IommuHwptArmSmmuv3V1(0, 0, 1, CTX, 0, 0, 0)))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> alloc(new IommuHwptArmSmmuv3V1(0, 0, 0, CTX + 8, 0, 0, 0)))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> alloc(new IommuHwptArmSmmuv3V1(0, 0, 0, CTX, 32, 0, 0)))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> alloc(new IommuHwptArmSmmuv3V1(0, 0, 0, CTX, 0, 3, 0)))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> alloc(new IommuHwptArmSmmuv3V1(0, 0, 0, CTX, 0, 0, 3)))).isEqualTo(Errno.EINVAL);
        UserData upstreamType = new UserData(platform.vmmMemory(), 99, IommuHwptArmSmmuv3V1.SIZE, scratch);
        assertThat(errno(() -> driver.allocDomainNestedV1(parent, master, 0, upstreamType, vm)))
            .isEqualTo(Errno.EINVAL);
    }

    private int invalidate(NestedDomain d, IommuHwptInvalidateArmSmmuv3V1... entries) {
        long at = scratch;
        for (IommuHwptInvalidateArmSmmuv3V1 e : entries) {
            platform.vmmMemory().write(scratch, e.encode());
            scratch += IommuHwptInvalidateArmSmmuv3V1.SIZE;
        }
        UserDataArray array = new UserDataArray(platform.vmmMemory(), V1, at, IommuHwptInvalidateArmSmmuv3V1.SIZE,
            entries.length);
        try {
            d.cacheInvalidateUser(array);
        } finally {
            scratch += 64;
        }
        return array.entryNum();
    }

    private static IommuHwptInvalidateArmSmmuv3V1 inv(long flags, int opcode, int asid, int ssid, int granule,
                                                      long start, long last) {
        return new IommuHwptInvalidateArmSmmuv3V1(flags, opcode, List.of(0, 0, 0), asid, ssid, granule,
            new IommuIovaRange(start, last));
    }

    @Test
    void v1InvalidationsBecomeTheEquivalentCommandsUnderTheDomainVmid() {
        V1NestedDomain d = (V1NestedDomain) alloc(s1(0, 0));
        master.attach(d);
        issued.clear();
        int vmid = d.vmid();
        assertThat(invalidate(d, inv(1, 0x12, 4, 0, 4096, 0x10000, 0x12fff), inv(0, 0x11, 4, 0, 0, 0, 0),
            inv(0, 0x30, 0, 0, 0, 0, 0), inv(1, 0x05, 0, 3, 0, 0, 0))).isEqualTo(4);
        assertThat(issued.subList(0, 6)).containsExactly(Commands.tlbiNhVa(vmid, 4, 0x10000, true).encode(),
            Commands.tlbiNhVa(vmid, 4, 0x11000, true).encode(), Commands.tlbiNhVa(vmid, 4, 0x12000, true).encode(),
            Commands.tlbiNhAsid(vmid, 4).encode(), Commands.tlbiNhAll(vmid).encode(),
            Commands.cfgiCd(0x8, 3, true).encode());

        assertThatThrownBy(() -> invalidate(d, inv(0, 0x11, 1, 0, 0, 0, 0), inv(0, 0x28, 0, 0, 0, 0, 0)))
            .isInstanceOfSatisfying(IommufdException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(errno(() -> invalidate(d, inv(2, 0x11, 1, 0, 0, 0, 0)))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> invalidate(d, inv(0, 0x12, 1, 0, 1000, 0, 0)))).isEqualTo(Errno.EINVAL);
    }
}
