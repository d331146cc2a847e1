package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.kvm.Vm;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.ArmVsmmu;
import org.smmuref.smmu.driver.NestedSteDomain;
import org.smmuref.smmu.hw.SmmuFeatures;

/**
 * The vIOMMU's VMID: from the VMID policy (the VM's pinned KVM VMID under BTM, else SMMU-private), distinct between
 * VMs, in every nested STE, invalidated with the stage 2 it sits on, and given back only after the SMMU stopped using
 * it.
 */
class ViommuVmidTest {
    private static final int TLBI_S12_VMALL = 0x28;
    private static final int TLBI_S2_IPA = 0x2a;
    private static final int TLBI_NH_ALL = 0x10;
    private static final int SYNC = 0x46;

    /** One VM's VMM: its context tied to the VM, a vIOMMU, devices attached to stage-1 nested domains. */
    private static final class Guest {
        final NestingBed vmm;
        final Vm vm;
        final int parent;
        final int viommu;
        final List<Integer> devs = new ArrayList<>();
        final List<Integer> nested = new ArrayList<>();
        final List<Integer> vdevs = new ArrayList<>();

        Guest(SmmuPlatform platform, IommufdCore iommufd, int slot, int... sids) {
            vmm = new NestingBed(platform, iommufd, slot);
            KvmVmFile file = platform.createVm();
            vm = platform.vm(file);
            iommufd.associateKvm(vmm.ctx, file);
            int first = vmm.bind(sids[0]);
            parent = vmm.nestParent(first);
            viommu = vmm.viommu(first, parent);
            for (int sid : sids) {
                int dev = sid == sids[0] ? first : vmm.bind(sid);
                devs.add(dev);
                vdevs.add(vmm.vdevice(viommu, dev, 0x100 + sid));
                int hwpt = vmm.nested(dev, viommu, NestingBed.s1Vste(NestingBed.GUEST_IPA)[0], 0);
                nested.add(hwpt);
                vmm.iommufd.attachDevice(vmm.ctx, dev, hwpt);
            }
        }

        void destroyViommu() {
            for (int i = 0; i < devs.size(); i++) {
                vmm.iommufd.detachDevice(vmm.ctx, devs.get(i));
                vmm.iommufd.destroy(vmm.ctx, Requests.destroy(nested.get(i)));
                vmm.iommufd.destroy(vmm.ctx, Requests.destroy(vdevs.get(i)));
            }
            vmm.iommufd.destroy(vmm.ctx, Requests.destroy(viommu));
        }
    }

    private static ArmVsmmu vsmmu(SmmuPlatform p, int sid) {
        return ((NestedSteDomain) p.driver(0).master(sid).orElseThrow().domain()).vsmmu();
    }

    private static int vmidOf(long[] cmd) {
        return (int) ((cmd[0] >>> 32) & 0xFFFF);
    }

    @Test
    void twoVmsOnOneBtmSmmuGetTheirPinnedKvmVmidsInEveryNestedSte() {
        SmmuPlatform p = Machines.reference();
        IommufdCore iommufd = p.newIommufd();
        Guest a = new Guest(p, iommufd, 0, 0x8, 0xa);
        Guest b = new Guest(p, iommufd, 1, 0x9);
        int vmidA = vsmmu(p, 0x8).vmid();
        int vmidB = vsmmu(p, 0x9).vmid();
        assertThat(vmidA).isNotEqualTo(vmidB);
        assertThat(vmidA).isEqualTo(a.vm.currentVmid() & 0xFFFF);
        assertThat(vmidB).isEqualTo(b.vm.currentVmid() & 0xFFFF);
        assertThat(a.vm.isPinned()).isTrue();
        ArmSmmuV3 driver = p.driver(0);
        assertThat(driver.ste(0x8)[2] & 0xFFFF).isEqualTo(vmidA);
        assertThat(driver.ste(0xa)[2] & 0xFFFF).isEqualTo(vmidA);
        assertThat(driver.ste(0x9)[2] & 0xFFFF).isEqualTo(vmidB);
    }

    @Test
    void withoutBtmEveryVmidIsPrivateAndDistinctFromTheParentsOwn() {
        SmmuPlatform p = Machines.machine(VmidPolicyConfig.Mode.FORCE_PRIVATE, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().build());
        IommufdCore iommufd = p.newIommufd();
        Guest a = new Guest(p, iommufd, 0, 0x8);
        Guest b = new Guest(p, iommufd, 1, 0x9);
        int vmidA = vsmmu(p, 0x8).vmid();
        int vmidB = vsmmu(p, 0x9).vmid();
        assertThat(vmidA).isNotEqualTo(vmidB).isPositive();
        assertThat(p.driver(0).vmids().smmuPrivate().isAllocated(vmidA)).isTrue();
        assertThat(a.vm.isPinned()).as("nothing is pinned without BTM").isFalse();
        assertThat(b.vm.isPinned()).isFalse();
    }

    @Test
    void destroyQuiescesTheVmidBeforeUnpinningIt() {
        SmmuPlatform p = Machines.reference();
        Guest a = new Guest(p, p.newIommufd(), 0, 0x8);
        int vmid = vsmmu(p, 0x8).vmid();
        List<long[]> trace = new ArrayList<>();
        List<Boolean> pinnedAtTlbi = new ArrayList<>();
        p.driver(0).commandQueue().addListener(c -> {
            trace.add(c);
            if ((c[0] & 0xFF) == TLBI_S12_VMALL && vmidOf(c) == vmid) {
                pinnedAtTlbi.add(a.vm.isPinned());
            }
        });
        a.destroyViommu();
        assertThat(pinnedAtTlbi).as("the VMID was still pinned when the SMMU dropped it").containsExactly(true);
        assertThat(a.vm.isPinned()).isFalse();
        int at = indexOf(trace, TLBI_S12_VMALL, vmid);
        assertThat(trace.get(at + 1)[0] & 0xFF).as("completed by a CMD_SYNC").isEqualTo(SYNC);
    }

    @Test
    void destroyQuiescesAPrivateVmidBeforeFreeingIt() {
        SmmuPlatform p = Machines.machine(VmidPolicyConfig.Mode.FORCE_PRIVATE, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().build());
        Guest a = new Guest(p, p.newIommufd(), 0, 0x8);
        int vmid = vsmmu(p, 0x8).vmid();
        var allocator = p.driver(0).vmids().smmuPrivate();
        List<Boolean> heldAtTlbi = new ArrayList<>();
        p.driver(0).commandQueue().addListener(c -> {
            if ((c[0] & 0xFF) == TLBI_S12_VMALL && vmidOf(c) == vmid) {
                heldAtTlbi.add(allocator.isAllocated(vmid));
            }
        });
        a.destroyViommu();
        assertThat(heldAtTlbi).containsExactly(true);
        assertThat(allocator.isAllocated(vmid)).isFalse();
    }

    @Test
    void unmappingTheParentInvalidatesItsOwnAndEveryVsmmuVmid() {
        assertUnmapInvalidation(Machines.reference(), 1);
        assertUnmapInvalidation(Machines.machine(VmidPolicyConfig.Mode.AUTO, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().ril(false).build()), 16);
    }

    private static void assertUnmapInvalidation(SmmuPlatform p, int commandsPerVmid) {
        Guest a = new Guest(p, p.newIommufd(), 0, 0x8);
        ArmVsmmu v = vsmmu(p, 0x8);
        List<long[]> trace = new ArrayList<>();
        p.driver(0).commandQueue().addListener(trace::add);
        // Remap guest RAM as four pieces so that 64 KiB of it can be unmapped on its own.
        NestingBed vmm = a.vmm;
        vmm.iommufd.ioasUnmap(vmm.ctx, Requests.ioasUnmap(vmm.ioas, NestingBed.GUEST_IPA, NestingBed.GUEST_SIZE));
        long piece = 64 << 10;
        vmm.iommufd.ioasMap(vmm.ctx, Requests.ioasMap(7, vmm.ioas, 0, vmm.guest.vaBase(), piece,
            NestingBed.GUEST_IPA));
        trace.clear();
        vmm.iommufd.ioasUnmap(vmm.ctx, Requests.ioasUnmap(vmm.ioas, NestingBed.GUEST_IPA, piece));
        List<Integer> s2Vmids = trace.stream().filter(c -> (c[0] & 0xFF) == TLBI_S2_IPA).map(ViommuVmidTest::vmidOf)
            .distinct().toList();
        assertThat(s2Vmids).hasSize(2).contains(v.vmid());
        assertThat(trace.stream().filter(c -> (c[0] & 0xFF) == TLBI_S2_IPA).count())
            .isEqualTo(2L * commandsPerVmid);
        int nhAll = indexOf(trace, TLBI_NH_ALL, v.vmid());
        assertThat(nhAll).as("the guest's stage-1 entries under the vIOMMU VMID go too").isPositive();
        assertThat(trace.get(trace.size() - 1)[0] & 0xFF).isEqualTo(SYNC);
    }

    private static int indexOf(List<long[]> trace, int opcode, int vmid) {
        for (int i = 0; i < trace.size(); i++) {
            if ((trace.get(i)[0] & 0xFF) == opcode && vmidOf(trace.get(i)) == vmid) {
                return i;
            }
        }
        return -1;
    }
}
