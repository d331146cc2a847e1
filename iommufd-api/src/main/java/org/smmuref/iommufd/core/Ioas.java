package org.smmuref.iommufd.core;

import java.util.ArrayList;
import java.util.List;
import org.smmuref.iommufd.spi.UserMemory;

/** An I/O address space: its page table and the paging HWPTs (domains) that mirror it. */
final class Ioas extends IommufdObject {
    final IoPageTable iopt;
    /** Every paging HWPT on this IOAS, automatic ones included, in creation order. */
    final List<HwptPaging> hwpts = new ArrayList<>();

    Ioas(UserMemory memory) {
        super(ObjectType.IOAS);
        this.iopt = new IoPageTable(memory);
    }

    @Override
    void release() {
        // Users (HWPTs) are gone by now, so only the areas and their pins remain.
        iopt.unmapAll();
    }
}
