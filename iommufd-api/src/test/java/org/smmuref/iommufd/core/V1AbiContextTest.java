package org.smmuref.iommufd.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.iommufd.core.CoreFixture.assertErrno;
import static org.smmuref.iommufd.core.CoreFixture.u32s;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_ALLOC_PASID;
import static org.smmuref.iommufd.uapi.IommufdConstants.IOMMU_HWPT_TYPE_ARM_SMMUV3;

import java.util.OptionalInt;
import org.smmuref.iommufd.KvmVmFile;
import org.junit.jupiter.api.Test;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.Requests;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The core's side of the v1-ABI context option: type-2 data on a nest-parent HWPT reaches the driver's v1 entry only
 * in a context opened with {@link IommufdAbi#V1_2023}, with the context's KVM VM; everything else keeps its
 * upstream path.
 */
class V1AbiContextTest {
    private final CoreFixture f = new CoreFixture();
    private final int v1 = f.core.open(IommufdAbi.V1_2023);
    private final int ioas = f.core.ioasAlloc(v1, Requests.ioasAlloc(0)).outIoasId();
    private final int dev = f.core.bindDevice(v1, 0, 2);
    private final int parent = f.core.hwptAlloc(v1, Requests.hwptAlloc(IOMMU_HWPT_ALLOC_NEST_PARENT, dev, ioas))
        .outHwptId();

    private int alloc(int ctx, int flags, int devId, int pt, int dataType) {
        long uptr = f.put(u32s(0x1234));
        return f.core.hwptAlloc(ctx, Requests.hwptAlloc(flags, devId, pt, 0, dataType, 4, uptr, 0, 0)).outHwptId();
    }

    @Test
    void onlyAV1ContextRoutesType2DataOnANestParentToTheV1Entry() {
        f.iommu0.offersV1 = true;
        KvmVmFile vm = f.platform.createVm();
        f.core.associateKvm(v1, vm);
        int nested = alloc(v1, 0, dev, parent, IOMMU_HWPT_TYPE_ARM_SMMUV3);
        assertThat(f.iommu0.v1Calls).containsExactly(OptionalInt.of(vm.vmNumber()));
        assertThat(f.iommu0.nestedDomains).singleElement().satisfies(n -> assertThat(n.iotlb).containsOnly(0x1234));
        assertErrno(Errno.EBUSY, () -> f.core.destroy(v1, Requests.destroy(parent)));
        f.core.destroy(v1, Requests.destroy(nested));
        f.core.destroy(v1, Requests.destroy(parent));

        // The default context with the same request: the driver's upstream domain_alloc_nested refuses type 2.
        int dev0 = f.bind(1);
        int parent0 = f.nestParent(dev0, f.ioas());
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(f.ctx, 0, dev0, parent0, IOMMU_HWPT_TYPE_ARM_SMMUV3));
        assertThat(f.iommu0.v1Calls).hasSize(1);
    }

    @Test
    void aV1ContextKeepsTheUpstreamPathForOtherDataAndForDriversWithoutTheV1Entry() {
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(v1, 0, dev, parent, IOMMU_HWPT_TYPE_ARM_SMMUV3));
        f.iommu0.offersV1 = true;
        alloc(v1, 0, dev, parent, MockIommu.HWPT_DATA_SELFTEST);
        assertThat(f.iommu0.v1Calls).isEmpty();
        assertThat(f.iommu0.nestedDomains).hasSize(1);
    }

    @Test
    void aFailingV1AllocationLeavesNoObject() {
        f.iommu0.offersV1 = true;
        assertErrno(Errno.EOPNOTSUPP, () -> alloc(v1, IOMMU_HWPT_ALLOC_PASID, dev, parent,
            IOMMU_HWPT_TYPE_ARM_SMMUV3));
        assertErrno(Errno.EINVAL, () -> f.core.hwptAlloc(v1, Requests.hwptAlloc(0, dev, parent, 0,
            IOMMU_HWPT_TYPE_ARM_SMMUV3, 5, f.put(new byte[8]), 0, 0)));
        assertThat(f.iommu0.v1Calls).hasSize(2);
        assertThat(f.core.ioasAlloc(v1, Requests.ioasAlloc(0)).outIoasId()).as("the lowest free id").isEqualTo(
            parent + 1);
        f.core.destroy(v1, Requests.destroy(parent));
    }
}
