package org.smmuref.iommufd.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The VFIO type1 structs the compatibility ioctls use, against sizes and offsets worked out by hand from
 * include/uapi/linux/vfio.h (literals on purpose: the independent oracle), and the ioctl numbers against
 * {@code _IO(';', VFIO_BASE + n)} written out.
 */
class VfioLayoutTableTest {
    private static void check(CLayout layout, int size, Object... memberOffsets) {
        assertThat(layout.size()).as("sizeof %s", layout.name()).isEqualTo(size);
        List<CField> fields = layout.fields();
        assertThat(fields).hasSize(memberOffsets.length / 2);
        for (int i = 0; i < fields.size(); i++) {
            assertThat(fields.get(i).name()).isEqualTo(memberOffsets[2 * i]);
            assertThat(fields.get(i).offset()).as("offsetof(%s, %s)", layout.name(), memberOffsets[2 * i])
                .isEqualTo(memberOffsets[2 * i + 1]);
        }
    }

    @Test
    void every_size_and_offset_matches_vfio_h() {
        check(VfioIommuType1Info.LAYOUT, 24, "argsz", 0, "flags", 4, "iova_pgsizes", 8, "cap_offset", 16, "pad", 20);
        check(VfioIommuType1DmaMap.LAYOUT, 32, "argsz", 0, "flags", 4, "vaddr", 8, "iova", 16, "size", 24);
        check(VfioIommuType1DmaUnmap.LAYOUT, 24, "argsz", 0, "flags", 4, "iova", 8, "size", 16);
        check(VfioIommuType1InfoDmaAvail.LAYOUT, 12, "id", 0, "version", 2, "next", 4, "avail", 8);
        check(VfioIommuType1InfoCapIovaRange.LAYOUT, 16, "id", 0, "version", 2, "next", 4, "nr_iovas", 8,
            "reserved", 12);
        check(VfioIovaRange.LAYOUT, 16, "start", 0, "end", 8);
    }

    @Test
    void ioctl_numbers() {
        assertThat(VfioConstants.VFIO_GET_API_VERSION).isEqualTo(0x3b64);
        assertThat(VfioConstants.VFIO_CHECK_EXTENSION).isEqualTo(0x3b65);
        assertThat(VfioConstants.VFIO_SET_IOMMU).isEqualTo(0x3b66);
        assertThat(VfioConstants.VFIO_IOMMU_GET_INFO).isEqualTo(0x3b70);
        assertThat(VfioConstants.VFIO_IOMMU_MAP_DMA).isEqualTo(0x3b71);
        assertThat(VfioConstants.VFIO_IOMMU_UNMAP_DMA).isEqualTo(0x3b72);
        assertThat(VfioConstants.VFIO_IOMMU_DIRTY_PAGES).isEqualTo(0x3b75);
    }
}
