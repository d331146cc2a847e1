package org.smmuref.iommufd.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every struct's size and every member's offset against a table worked out by hand from the declarations in
 * uapi.md (C rules: u32 at multiples of 4, aligned u64 at multiples of 8, size rounded to the largest alignment).
 * The numbers below are literals on purpose: they are the independent oracle for the layout engine.
 */
class LayoutTableTest {
    /** struct name -> {size, member, offset, member, offset, ...}. */
    private static final Map<String, Object[]> TABLE = new LinkedHashMap<>();

    private static void row(String name, int size, Object... memberOffsets) {
        Object[] r = new Object[memberOffsets.length + 1];
        r[0] = size;
        System.arraycopy(memberOffsets, 0, r, 1, memberOffsets.length);
        TABLE.put(name, r);
    }

    static {
        row("iommu_destroy", 8, "size", 0, "id", 4);
        row("iommu_ioas_alloc", 12, "size", 0, "flags", 4, "out_ioas_id", 8);
        row("iommu_iova_range", 16, "start", 0, "last", 8);
        row("iommu_ioas_iova_ranges", 32, "size", 0, "ioas_id", 4, "num_iovas", 8, "__reserved", 12,
            "allowed_iovas", 16, "out_iova_alignment", 24);
        row("iommu_ioas_allow_iovas", 24, "size", 0, "ioas_id", 4, "num_iovas", 8, "__reserved", 12,
            "allowed_iovas", 16);
        row("iommu_ioas_copy", 40, "size", 0, "flags", 4, "dst_ioas_id", 8, "src_ioas_id", 12, "length", 16,
            "dst_iova", 24, "src_iova", 32);
        row("iommu_ioas_unmap", 24, "size", 0, "ioas_id", 4, "iova", 8, "length", 16);
        row("iommu_option", 24, "size", 0, "option_id", 4, "op", 8, "__reserved", 10, "object_id", 12, "val64", 16);
        row("iommu_vfio_ioas", 12, "size", 0, "ioas_id", 4, "op", 8, "__reserved", 10);
        row("iommu_ioas_map", 40, "size", 0, "flags", 4, "ioas_id", 8, "__reserved", 12, "user_va", 16,
            "length", 24, "iova", 32);
        row("iommu_ioas_map_file", 40, "size", 0, "flags", 4, "ioas_id", 8, "fd", 12, "start", 16, "length", 24,
            "iova", 32);
        row("iommu_hwpt_alloc", 48, "size", 0, "flags", 4, "dev_id", 8, "pt_id", 12, "out_hwpt_id", 16,
            "__reserved", 20, "data_type", 24, "data_len", 28, "data_uptr", 32, "fault_id", 40, "__reserved2", 44);
        row("iommu_hwpt_arm_smmuv3", 16, "ste", 0);
        row("iommu_hw_info", 40, "size", 0, "flags", 4, "dev_id", 8, "data_len", 12, "data_uptr", 16,
            "in_data_type", 24, "out_max_pasid_log2", 28, "__reserved", 29, "out_capabilities", 32);
        row("iommu_hw_info_arm_smmuv3", 40, "flags", 0, "__reserved", 4, "idr", 8, "iidr", 32, "aidr", 36);
        row("iommu_hwpt_set_dirty_tracking", 16, "size", 0, "flags", 4, "hwpt_id", 8, "__reserved", 12);
        row("iommu_hwpt_get_dirty_bitmap", 48, "size", 0, "hwpt_id", 4, "flags", 8, "__reserved", 12, "iova", 16,
            "length", 24, "page_size", 32, "data", 40);
        row("iommu_hwpt_invalidate", 32, "size", 0, "hwpt_id", 4, "data_uptr", 8, "data_type", 16, "entry_len", 20,
            "entry_num", 24, "__reserved", 28);
        row("iommu_viommu_arm_smmuv3_invalidate", 16, "cmd", 0);
        row("iommu_hwpt_pgfault", 40, "flags", 0, "dev_id", 4, "pasid", 8, "grpid", 12, "perm", 16,
            "__reserved", 20, "addr", 24, "length", 32, "cookie", 36);
        row("iommu_hwpt_page_response", 8, "cookie", 0, "code", 4);
        row("iommu_fault_alloc", 16, "size", 0, "flags", 4, "out_fault_id", 8, "out_fault_fd", 12);
        row("iommu_viommu_alloc", 40, "size", 0, "flags", 4, "type", 8, "dev_id", 12, "hwpt_id", 16,
            "out_viommu_id", 20, "data_len", 24, "__reserved", 28, "data_uptr", 32);
        row("iommu_vdevice_alloc", 24, "size", 0, "viommu_id", 4, "dev_id", 8, "out_vdevice_id", 12, "virt_id", 16);
        row("iommu_ioas_change_process", 8, "size", 0, "__reserved", 4);
        row("iommufd_vevent_header", 8, "flags", 0, "sequence", 4);
        row("iommu_vevent_arm_smmuv3", 32, "evt", 0);
        row("iommu_veventq_alloc", 32, "size", 0, "flags", 4, "viommu_id", 8, "type", 12, "veventq_depth", 16,
            "out_veventq_id", 20, "out_veventq_fd", 24, "__reserved", 28);
        row("iommu_hw_queue_alloc", 40, "size", 0, "flags", 4, "viommu_id", 8, "type", 12, "index", 16,
            "out_hw_queue_id", 20, "nesting_parent_iova", 24, "length", 32);
        row("iommu_hwpt_arm_smmuv3_v1", 48, "flags", 0, "s2vmid", 8, "__reserved", 12, "s1ctxptr", 16,
            "s1cdmax", 24, "s1fmt", 32, "s1dss", 40);
        row("iommu_hwpt_invalidate_arm_smmuv3_v1", 40, "flags", 0, "opcode", 8, "padding", 9, "asid", 12,
            "ssid", 16, "granule_size", 20, "range", 24);
    }

    @Test
    void the_table_and_the_package_name_the_same_structs() {
        assertThat(UapiLayouts.ALL.stream().map(StructType::kernelName).toList())
            .containsExactlyInAnyOrderElementsOf(TABLE.keySet());
    }

    @Test
    void every_size_and_every_offset_matches_the_hand_derived_table() {
        for (Map.Entry<String, Object[]> e : TABLE.entrySet()) {
            CLayout layout = UapiLayouts.byName(e.getKey()).layout();
            Object[] r = e.getValue();
            assertThat(layout.size()).as("sizeof %s", e.getKey()).isEqualTo(r[0]);
            List<CField> fields = layout.fields();
            assertThat(fields).as("members of %s", e.getKey()).hasSize((r.length - 1) / 2);
            for (int i = 0; i < fields.size(); i++) {
                assertThat(fields.get(i).name()).as("%s member %d", e.getKey(), i).isEqualTo(r[1 + 2 * i]);
                assertThat(fields.get(i).offset()).as("offsetof(%s, %s)", e.getKey(), r[1 + 2 * i])
                    .isEqualTo(r[2 + 2 * i]);
            }
        }
    }

    @Test
    void sizes_stated_in_uapi_md_hold() {
        assertThat(IommuIoasMapFile.SIZE).isEqualTo(40);
        assertThat(IommuIoasChangeProcess.SIZE).isEqualTo(8);
        assertThat(IommuHwQueueAlloc.SIZE).isEqualTo(40);
        assertThat(IommuVfioIoas.SIZE).isEqualTo(12);
        assertThat(IommuHwptArmSmmuv3V1.SIZE).isEqualTo(48);
        assertThat(IommuHwptInvalidateArmSmmuv3V1.SIZE).isEqualTo(40);
        assertThat(IommuHwInfoArmSmmuv3.SIZE).as("arm_smmu_hw_info reports length 40").isEqualTo(40);
        assertThat(IommuHwptArmSmmuv3.SIZE).isEqualTo(16);
        assertThat(IommuViommuArmSmmuv3Invalidate.SIZE).isEqualTo(16);
        assertThat(IommuVeventArmSmmuv3.SIZE).isEqualTo(32);
        assertThat(IommufdVeventHeader.SIZE).isEqualTo(8);
    }

    @Test
    void union_members_share_an_offset_and_array_elements_are_inline() {
        CLayout hwInfo = IommuHwInfo.LAYOUT;
        assertThat(hwInfo.offsetOf("out_data_type")).isEqualTo(hwInfo.offsetOf("in_data_type")).isEqualTo(24);
        assertThat(hwInfo.field("in_data_type").size()).isEqualTo(4);
        assertThat(hwInfo.field("__reserved").size()).isEqualTo(3);
        CField idr = IommuHwInfoArmSmmuv3.LAYOUT.field("idr");
        assertThat(idr.size()).isEqualTo(24);
        assertThat(idr.elementOffset(0)).isEqualTo(8);
        assertThat(idr.elementOffset(5)).isEqualTo(28);
        assertThat(IommuVeventArmSmmuv3.LAYOUT.field("evt").elementOffset(3)).isEqualTo(24);
        CField range = IommuHwptInvalidateArmSmmuv3V1.LAYOUT.field("range");
        assertThat(range.size()).isEqualTo(16);
        assertThat(range.alignment()).isEqualTo(8);
        assertThat(IommuHwptInvalidateArmSmmuv3V1.LAYOUT.field("padding").elementOffset(2)).isEqualTo(11);
    }

    @Test
    void every_struct_is_eight_byte_aligned_or_four_when_it_has_no_64_bit_member() {
        assertThat(IommuDestroy.LAYOUT.alignment()).isEqualTo(4);
        assertThat(IommuVfioIoas.LAYOUT.alignment()).isEqualTo(4);
        assertThat(IommuHwptPageResponse.LAYOUT.alignment()).isEqualTo(4);
        assertThat(IommuHwptAlloc.LAYOUT.alignment()).isEqualTo(8);
        assertThat(IommuHwptInvalidateArmSmmuv3V1.LAYOUT.alignment()).isEqualTo(8);
    }
}
