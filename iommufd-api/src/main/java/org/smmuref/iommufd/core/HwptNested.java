package org.smmuref.iommufd.core;

import org.smmuref.iommufd.spi.IommuDomain;
import org.smmuref.iommufd.spi.NestedDomain;

/**
 * A nested HWPT: a guest stage-1 on a nest-parent paging HWPT, made either through the parent directly or
 * through a vIOMMU (which then holds the parent). It holds a user on whichever it came from.
 */
final class HwptNested extends Hwpt {
    final HwptPaging parent;
    final Viommu viommu;
    NestedDomain domain;

    /** Takes a user on the vIOMMU if there is one, else on the parent. */
    HwptNested(HwptPaging parent, Viommu viommu) {
        super(ObjectType.HWPT_NESTED);
        this.parent = parent;
        this.viommu = viommu;
        if (viommu != null) {
            viommu.addUser();
        } else {
            parent.addUser();
        }
    }

    @Override
    IommuDomain domain() {
        return domain;
    }

    @Override
    void release() {
        releaseFault();
        if (domain != null) {
            domain.free();
            domain = null;
        }
        if (viommu != null) {
            viommu.dropUser();
        } else {
            parent.dropUser();
        }
    }
}
