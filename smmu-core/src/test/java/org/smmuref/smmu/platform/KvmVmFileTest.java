package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smmuref.smmu.platform.Machines.errno;

import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.core.IommufdCore;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.kvm.Vm;

/**
 * The VM tie on the machine: a VMM names its VM only through the VM file it holds, as with KVM_DEV_VFIO_FILE_ADD in
 * the kernel ({@code kvm_vfio_file_add} takes an fd, {@code vfio_device_get_kvm_safe} takes {@code kvm_get_kvm}).
 * A second VMM that knows VM A's number cannot reach A's pinned VMID through it (issue 11, the VM-number attack).
 */
class KvmVmFileTest {

    /** VMM B's attempt: an object that claims A's VM number. */
    private record ForgedFile(int vmNumber) implements KvmVmFile {
        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anotherVmmCannotTieItselfToVmAByItsNumber() {
        SmmuPlatform platform = Machines.reference();
        IommufdCore iommufd = platform.newIommufd();
        NestingBed a = new NestingBed(platform, iommufd, 0);
        KvmVmFile fileA = platform.createVm();
        iommufd.associateKvm(a.ctx, fileA);
        int devA = a.bind(0x8);
        a.viommu(devA, a.nestParent(devA));
        Vm vmA = platform.vm(fileA);
        int pinsBefore = vmA.pinCount();
        int usersBefore = vmA.users();

        NestingBed b = new NestingBed(platform, iommufd, 1);
        assertThat(errno(() -> iommufd.associateKvm(b.ctx, new ForgedFile(fileA.vmNumber()))))
            .isEqualTo(Errno.EBADF);
        assertThatThrownBy(() -> platform.vm(new ForgedFile(fileA.vmNumber())))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(vmA.pinCount()).isEqualTo(pinsBefore);
        assertThat(vmA.users()).as("no reference was taken for B").isEqualTo(usersBefore);
    }

    @Test
    void aFileOfAnotherMachineIsEbadf() {
        SmmuPlatform here = Machines.reference();
        SmmuPlatform there = Machines.reference();
        KvmVmFile foreign = there.createVm();
        NestingBed b = new NestingBed(here);
        assertThat(errno(() -> b.iommufd.associateKvm(b.ctx, foreign))).isEqualTo(Errno.EBADF);
        assertThat(there.vm(foreign).users()).isEqualTo(1);
        assertThatThrownBy(() -> here.vm(foreign)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theAssociationHoldsAVmReferenceUntilTheContextCloses() {
        SmmuPlatform platform = Machines.reference();
        NestingBed b = new NestingBed(platform);
        KvmVmFile file = platform.createVm();
        Vm vm = platform.vm(file);
        b.iommufd.associateKvm(b.ctx, file);
        b.iommufd.associateKvm(b.ctx, file);
        assertThat(vm.users()).isEqualTo(2);
        file.close();
        assertThat(vm.isDestroyed()).isTrue();
        assertThat(vm.isFreed()).as("kvm_get_kvm of the association").isFalse();
        NestingBed other = new NestingBed(platform, b.iommufd, 1);
        assertThat(errno(() -> other.iommufd.associateKvm(other.ctx, file))).isEqualTo(Errno.EBADF);
        b.iommufd.close(b.ctx);
        assertThat(vm.isFreed()).isTrue();
    }

    @Test
    void aSecondVmIsEbusyAndTakesNoReference() {
        SmmuPlatform platform = Machines.reference();
        NestingBed b = new NestingBed(platform);
        KvmVmFile first = platform.createVm();
        KvmVmFile second = platform.createVm();
        b.iommufd.associateKvm(b.ctx, first);
        assertThat(errno(() -> b.iommufd.associateKvm(b.ctx, second))).isEqualTo(Errno.EBUSY);
        assertThat(platform.vm(second).users()).isEqualTo(1);
    }

    @Test
    void theMachineHasNoPublicWayFromAVmNumberToAVmOrAFile() {
        for (Method m : SmmuPlatform.class.getMethods()) {
            boolean intsOnly = m.getParameterCount() > 0
                && Arrays.stream(m.getParameterTypes()).allMatch(p -> p == int.class);
            boolean yieldsVm = Vm.class.isAssignableFrom(m.getReturnType())
                || KvmVmFile.class.isAssignableFrom(m.getReturnType())
                || m.getGenericReturnType().getTypeName().contains(Vm.class.getName());
            assertThat(intsOnly && yieldsVm).as(m.toString()).isFalse();
        }
    }
}
