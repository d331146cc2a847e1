package org.smmuref.iommufd.core;

import org.smmuref.iommufd.spi.IommuDomain;
import org.smmuref.iommufd.spi.PagingDomain;

/** A paging HWPT on an IOAS: its domain holds the IOAS's mappings. Automatic ones live only while attached. */
final class HwptPaging extends Hwpt {
    final Ioas ioas;
    final boolean autoDomain;
    final boolean nestParent;
    PagingDomain domain;
    private boolean inIoas;

    /** Takes a user on {@code ioas}. */
    HwptPaging(Ioas ioas, boolean autoDomain, boolean nestParent) {
        super(ObjectType.HWPT_PAGING);
        this.ioas = ioas;
        this.autoDomain = autoDomain;
        this.nestParent = nestParent;
        ioas.addUser();
    }

    @Override
    IommuDomain domain() {
        return domain;
    }

    /** Puts the domain into the IOAS: reserves outside its aperture and maps every area into it. */
    void joinIoas(PagingDomain newDomain) {
        ioas.iopt.addDomain(newDomain);
        domain = newDomain;
        inIoas = true;
        ioas.hwpts.add(this);
    }

    @Override
    void release() {
        releaseFault();
        if (inIoas) {
            ioas.iopt.removeDomain(domain);
            ioas.hwpts.remove(this);
            inIoas = false;
        }
        ioas.dropUser();
        if (domain != null) {
            domain.free();
            domain = null;
        }
    }
}
