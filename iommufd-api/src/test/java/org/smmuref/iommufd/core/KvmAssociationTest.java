package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.Iommufd;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The context-to-VM tie is a capability, as in the kernel where the VMM holds the VM fd and KVM_DEV_VFIO_FILE_ADD
 * hands the device to that VM ({@code kvm_vfio_file_add}, {@code vfio_device_get_kvm_safe}): only an open VM file
 * the machine issued can be named, never a VM number.
 */
class KvmAssociationTest {
    private final CoreFixture f = new CoreFixture();

    /** What a second VMM can build when it only knows another VM's number. */
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
    void one_vm_per_context_and_the_same_file_again_takes_no_second_reference() {
        KvmVmFile a = f.platform.createVm();
        KvmVmFile b = f.platform.createVm();
        f.core.associateKvm(f.ctx, a);
        f.core.associateKvm(f.ctx, a);
        assertThat(f.platform.kvmReferences(a)).isEqualTo(1);
        assertErrno(Errno.EBUSY, () -> f.core.associateKvm(f.ctx, b));
        assertThat(f.platform.kvmReferences(b)).isZero();
    }

    @Test
    void a_forged_file_naming_another_vmms_vm_is_ebadf() {
        KvmVmFile a = f.platform.createVm();
        f.core.associateKvm(f.ctx, a);
        int otherVmm = f.core.open();
        assertErrno(Errno.EBADF, () -> f.core.associateKvm(otherVmm, new ForgedFile(a.vmNumber())));
        assertErrno(Errno.EBADF, () -> f.core.associateKvm(otherVmm, null));
        assertThat(f.platform.kvmReferences(a)).isEqualTo(1);
    }

    @Test
    void a_file_of_another_machine_is_ebadf() {
        SimplePlatform other = SimplePlatform.empty();
        KvmVmFile foreign = other.createVm();
        assertErrno(Errno.EBADF, () -> f.core.associateKvm(f.ctx, foreign));
        assertThat(other.kvmReferences(foreign)).isZero();
    }

    @Test
    void a_closed_file_is_ebadf_but_an_association_made_before_keeps_its_reference_until_the_context_closes() {
        KvmVmFile a = f.platform.createVm();
        f.core.associateKvm(f.ctx, a);
        a.close();
        a.close();
        assertThat(a.isClosed()).isTrue();
        assertThat(f.platform.kvmReferences(a)).isEqualTo(1);
        int otherVmm = f.core.open();
        assertErrno(Errno.EBADF, () -> f.core.associateKvm(otherVmm, a));
        f.core.close(f.ctx);
        assertThat(f.platform.kvmReferences(a)).isZero();
    }

    @Test
    void closing_the_context_drops_the_vm_reference() {
        KvmVmFile a = f.platform.createVm();
        f.core.associateKvm(f.ctx, a);
        f.core.close(f.ctx);
        assertThat(f.platform.kvmReferences(a)).isZero();
        int next = f.core.open();
        f.core.associateKvm(next, a);
        assertThat(f.platform.kvmReferences(a)).isEqualTo(1);
    }

    @Test
    void no_public_way_turns_a_vm_number_into_an_association_or_a_file() {
        for (Class<?> type : List.of(Iommufd.class, IommufdCore.class, IommufdPlatform.class, SimplePlatform.class,
            KvmVmFile.class)) {
            for (Method m : type.getMethods()) {
                boolean takesAnIntOnly = m.getParameterCount() > 0
                    && Arrays.stream(m.getParameterTypes()).allMatch(p -> p == int.class);
                if (m.getName().equals("associateKvm")) {
                    assertThat(m.getParameterTypes()).as(m.toString()).containsExactly(int.class, KvmVmFile.class);
                }
                if (KvmVmFile.class.isAssignableFrom(m.getReturnType()) || m.getName().equals("associateKvm")) {
                    assertThat(takesAnIntOnly && !m.getName().equals("associateKvm")).as(m.toString()).isFalse();
                }
            }
        }
        assertThat(Arrays.stream(KvmVmFile.class.getMethods()).filter(m -> Modifier.isStatic(m.getModifiers())))
            .isEmpty();
    }
}
