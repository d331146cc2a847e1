package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.platform.DmaRequest;
import org.smmuref.iommufd.platform.DmaResult;
import org.smmuref.iommufd.platform.TlbiOp;
import org.smmuref.iommufd.uapi.Errno;

/** The public platform operations over the hardware model: per-context processes, their release, DMA, KVM. */
class SmmuModelPlatformTest {
    private final SmmuPlatform machine = SmmuPlatform.defaults();
    private final IommufdCore core = new IommufdCore(machine);
    private final SmmuModelPlatform platform = new SmmuModelPlatform(machine, core, "local");

    private static Errno errno(Runnable r) {
        try {
            r.run();
        } catch (IommufdException e) {
            return e.errno();
        }
        throw new AssertionError("no failure");
    }

    @Test
    void each_context_is_a_process_of_its_own() {
        int a = platform.openContext(IommufdAbi.UPSTREAM);
        int b = platform.openContext(IommufdAbi.UPSTREAM);
        platform.mmap(a, 0x1000_0000L, 0x1000);
        platform.writeProcess(a, 0x1000_0000L, new byte[] {1, 2, 3});
        assertThat(platform.readProcess(a, 0x1000_0000L, 3)).containsExactly(1, 2, 3);
        assertThat(errno(() -> platform.readProcess(b, 0x1000_0000L, 3))).isEqualTo(Errno.EFAULT);
        platform.mmap(b, 0x1000_0000L, 0x1000);
        assertThat(platform.readProcess(b, 0x1000_0000L, 3)).containsExactly(0, 0, 0);
    }

    @Test
    void closing_a_context_gives_its_memory_back_to_the_machine() {
        // 80 x 16 MiB is more than the machine's RAM: only released processes make room for the next
        for (int i = 0; i < 80; i++) {
            int ctx = platform.openContext(IommufdAbi.UPSTREAM);
            platform.addGuestRam(ctx, 0x1_0000_0000L, 0x8000_0000L, 16L << 20);
            platform.writeGuest(ctx, 0x8000_0000L + (15L << 20), new byte[] {(byte) i});
            platform.closeContext(ctx);
            assertThat(errno(() -> platform.readProcess(ctx, 0x1_0000_0000L, 1))).isEqualTo(Errno.EBADF);
        }
        assertThat(core.openFds()).isEmpty();
    }

    @Test
    void guest_ram_and_tables_are_checked() {
        int ctx = platform.openContext(IommufdAbi.UPSTREAM);
        platform.addGuestRam(ctx, 0x1_0000_0000L, 0x8000_0000L, 1 << 20);
        assertThat(errno(() -> platform.addGuestRam(ctx, 0x2_0000_0000L, 0x8000_0000L, 4096)))
            .isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> platform.readGuest(ctx, 0x8000_0000L + (1 << 20) - 2, 4))).isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> platform.munmap(ctx, 0x1_0000_0000L, 4096))).isEqualTo(Errno.EBUSY);
        var t = platform.createStage1Table(ctx, 12, 48, 0x8008_0000L, 0x4_0000);
        platform.mapStage1(ctx, t.id(), 0x4000_0000L, 0x8000_0000L, 0x2000, "rw");
        assertThat(platform.unmapStage1(ctx, t.id(), 0x4000_0000L, 0x1000)).isEqualTo(0x1000);
        assertThat(errno(() -> platform.mapStage1(ctx, t.id(), 0, 0x8000_0000L, 0x1000, "rq")))
            .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> platform.mapStage1(ctx, 99, 0, 0x8000_0000L, 0x1000, "r"))).isEqualTo(Errno.ENOENT);
        long[] cd = platform.writeContextDescriptor(ctx, t.id(), 0x8000_1000L, 3);
        byte[] raw = platform.readGuest(ctx, 0x8000_1000L, 8);
        long w0 = 0;
        for (int i = 7; i >= 0; i--) {
            w0 = (w0 << 8) | (raw[i] & 0xFF);
        }
        assertThat(w0).isEqualTo(cd[0]);
        assertThat((cd[0] >>> 31) & 1).as("CD.V").isEqualTo(1);
        assertThat(cd[0] >>> 48).as("CD.ASID").isEqualTo(3);
    }

    @Test
    void an_unattached_device_aborts_and_unknown_iommus_are_enodev() {
        DmaResult r = platform.dma(DmaRequest.read(0, 0x8, 0x1000, 4));
        assertThat(r.outcome()).isEqualTo(DmaResult.Outcome.ABORTED);
        assertThat(r.transferred()).isZero();
        assertThat(errno(() -> platform.dma(DmaRequest.read(3, 0x8, 0x1000, 4)))).isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> platform.mmioRead32(0, 2))).isEqualTo(Errno.EINVAL);
        assertThat(platform.mmioRead32(0, 0)).isNotZero();
        assertThat(errno(() -> platform.readPhysical(0, 8))).isEqualTo(Errno.EFAULT);
    }

    @Test
    void vm_files_of_this_machine_only_and_vcpus_by_the_rules() {
        KvmVmFile vm = platform.createVm();
        int vcpu = platform.createVcpu(vm);
        assertThat(errno(() -> platform.guestTlbi(vm, vcpu, new TlbiOp("VMALLE1IS", 0, 0, false, 1, 0, 0, 0))))
            .as("not loaded").isEqualTo(Errno.EINVAL);
        platform.loadVcpu(vm, vcpu, 2);
        assertThat(errno(() -> platform.loadVcpu(vm, vcpu, 3))).isEqualTo(Errno.EBUSY);
        platform.guestTlbi(vm, vcpu, new TlbiOp("vae1is", 4, 0x1000, true, 1, 0, 0, 0));
        assertThat(platform.vmInfo(vm).vcpuCpus()).containsExactly(2);
        assertThat(platform.vmInfo(vm).vmid()).isPositive();
        KvmVmFile forged = new KvmVmFile() {
            @Override
            public int vmNumber() {
                return vm.vmNumber();
            }

            @Override
            public boolean isClosed() {
                return false;
            }

            @Override
            public void close() {
            }
        };
        assertThat(errno(() -> platform.vmInfo(forged))).isEqualTo(Errno.EBADF);
        platform.destroyVm(vm);
        assertThat(errno(() -> platform.createVcpu(vm))).isEqualTo(Errno.EBADF);
        assertThatThrownBy(() -> new TlbiOp("NOPE", 0, 0, false, 1, 0, 0, 0))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mmap_is_all_or_nothing_and_munmap_visits_only_mapped_pages() {
        int ctx = platform.openContext(IommufdAbi.UPSTREAM);
        // more than the machine's RAM: refused, and nothing of it stays mapped
        assertThat(errno(() -> platform.mmap(ctx, 0x10_0000_0000L, 2L << 30))).isEqualTo(Errno.ENOMEM);
        assertThat(errno(() -> platform.readProcess(ctx, 0x10_0000_0000L, 1))).isEqualTo(Errno.EFAULT);
        platform.mmap(ctx, 0x1000_0000L, 0x2000);
        platform.mmap(ctx, 0x3000_0000L, 0x1000);
        // a range of 2^46 bytes around the first mapping only
        platform.munmap(ctx, 0, 1L << 46 & ~0xFFFL);
        assertThat(errno(() -> platform.readProcess(ctx, 0x1000_0000L, 1))).isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> platform.readProcess(ctx, 0x3000_0000L, 1))).isEqualTo(Errno.EFAULT);
        platform.mmap(ctx, 0x1000_0000L, 0x1000);
        assertThat(platform.readProcess(ctx, 0x1000_0000L, 1)).containsExactly(0);
    }
}
