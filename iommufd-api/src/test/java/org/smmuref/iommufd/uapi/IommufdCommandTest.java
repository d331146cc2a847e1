package org.smmuref.iommufd.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command table against iommufd-driver.md section 1.1: numbers, ioctl values, structs and min_size. */
class IommufdCommandTest {
    /** IOCTL_OP last field -> min_size, copied from the spec's min_size table. */
    private static final Map<IommufdCommand, Integer> MIN_SIZE = Map.ofEntries(
        Map.entry(IommufdCommand.DESTROY, 8),
        Map.entry(IommufdCommand.FAULT_QUEUE_ALLOC, 16),
        Map.entry(IommufdCommand.GET_HW_INFO, 32),
        Map.entry(IommufdCommand.HW_QUEUE_ALLOC, 40),
        Map.entry(IommufdCommand.HWPT_ALLOC, 24),
        Map.entry(IommufdCommand.HWPT_GET_DIRTY_BITMAP, 48),
        Map.entry(IommufdCommand.HWPT_INVALIDATE, 32),
        Map.entry(IommufdCommand.HWPT_SET_DIRTY_TRACKING, 16),
        Map.entry(IommufdCommand.IOAS_ALLOC, 12),
        Map.entry(IommufdCommand.IOAS_ALLOW_IOVAS, 24),
        Map.entry(IommufdCommand.IOAS_CHANGE_PROCESS, 8),
        Map.entry(IommufdCommand.IOAS_COPY, 40),
        Map.entry(IommufdCommand.IOAS_IOVA_RANGES, 32),
        Map.entry(IommufdCommand.IOAS_MAP, 40),
        Map.entry(IommufdCommand.IOAS_MAP_FILE, 40),
        Map.entry(IommufdCommand.IOAS_UNMAP, 24),
        Map.entry(IommufdCommand.OPTION, 24),
        Map.entry(IommufdCommand.VDEVICE_ALLOC, 24),
        Map.entry(IommufdCommand.VEVENTQ_ALLOC, 28),
        Map.entry(IommufdCommand.VFIO_IOAS, 12),
        Map.entry(IommufdCommand.VIOMMU_ALLOC, 24));

    @Test
    void min_size_of_every_command_matches_the_spec_table() {
        assertThat(MIN_SIZE.keySet()).containsExactlyInAnyOrder(IommufdCommand.values());
        for (IommufdCommand c : IommufdCommand.values()) {
            assertThat(c.minSize()).as("min_size of %s (offsetofend %s)", c, c.lastField()).isEqualTo(MIN_SIZE.get(c));
            assertThat(c.minSize()).as("min_size within sizeof for %s", c).isLessThanOrEqualTo(c.size());
        }
    }

    @Test
    void numbers_and_ioctl_values_follow_the_table() {
        Object[][] table = {
            {IommufdCommand.DESTROY, 0x80, 0x3b80, "iommu_destroy"},
            {IommufdCommand.IOAS_ALLOC, 0x81, 0x3b81, "iommu_ioas_alloc"},
            {IommufdCommand.IOAS_ALLOW_IOVAS, 0x82, 0x3b82, "iommu_ioas_allow_iovas"},
            {IommufdCommand.IOAS_COPY, 0x83, 0x3b83, "iommu_ioas_copy"},
            {IommufdCommand.IOAS_IOVA_RANGES, 0x84, 0x3b84, "iommu_ioas_iova_ranges"},
            {IommufdCommand.IOAS_MAP, 0x85, 0x3b85, "iommu_ioas_map"},
            {IommufdCommand.IOAS_UNMAP, 0x86, 0x3b86, "iommu_ioas_unmap"},
            {IommufdCommand.OPTION, 0x87, 0x3b87, "iommu_option"},
            {IommufdCommand.VFIO_IOAS, 0x88, 0x3b88, "iommu_vfio_ioas"},
            {IommufdCommand.HWPT_ALLOC, 0x89, 0x3b89, "iommu_hwpt_alloc"},
            {IommufdCommand.GET_HW_INFO, 0x8a, 0x3b8a, "iommu_hw_info"},
            {IommufdCommand.HWPT_SET_DIRTY_TRACKING, 0x8b, 0x3b8b, "iommu_hwpt_set_dirty_tracking"},
            {IommufdCommand.HWPT_GET_DIRTY_BITMAP, 0x8c, 0x3b8c, "iommu_hwpt_get_dirty_bitmap"},
            {IommufdCommand.HWPT_INVALIDATE, 0x8d, 0x3b8d, "iommu_hwpt_invalidate"},
            {IommufdCommand.FAULT_QUEUE_ALLOC, 0x8e, 0x3b8e, "iommu_fault_alloc"},
            {IommufdCommand.IOAS_MAP_FILE, 0x8f, 0x3b8f, "iommu_ioas_map_file"},
            {IommufdCommand.VIOMMU_ALLOC, 0x90, 0x3b90, "iommu_viommu_alloc"},
            {IommufdCommand.VDEVICE_ALLOC, 0x91, 0x3b91, "iommu_vdevice_alloc"},
            {IommufdCommand.IOAS_CHANGE_PROCESS, 0x92, 0x3b92, "iommu_ioas_change_process"},
            {IommufdCommand.VEVENTQ_ALLOC, 0x93, 0x3b93, "iommu_veventq_alloc"},
            {IommufdCommand.HW_QUEUE_ALLOC, 0x94, 0x3b94, "iommu_hw_queue_alloc"},
        };
        assertThat(table.length).isEqualTo(IommufdCommand.values().length);
        for (Object[] row : table) {
            IommufdCommand c = (IommufdCommand) row[0];
            assertThat(c.nr()).as("nr of %s", c).isEqualTo(row[1]);
            assertThat(c.ioctl()).as("ioctl of %s", c).isEqualTo(row[2]);
            assertThat(c.struct().kernelName()).as("struct of %s", c).isEqualTo(row[3]);
            assertThat(IommufdCommand.byIoctl((int) row[2])).contains(c);
            assertThat(IommufdCommand.byNr((int) row[1])).contains(c);
            assertThat(IommufdCommand.byStruct(c.struct())).contains(c);
        }
    }

    @Test
    void names_follow_the_kernel_macros() {
        assertThat(IommufdCommand.DESTROY.ioctlName()).isEqualTo("IOMMU_DESTROY");
        assertThat(IommufdCommand.GET_HW_INFO.ioctlName()).isEqualTo("IOMMU_GET_HW_INFO");
        assertThat(IommufdCommand.HWPT_ALLOC.cmdName()).isEqualTo("IOMMUFD_CMD_HWPT_ALLOC");
        assertThat(IommufdConstants.IOMMUFD_TYPE).isEqualTo(0x3b);
        assertThat(IommufdConstants.IOMMUFD_CMD_BASE).isEqualTo(0x80);
    }

    @Test
    void numbers_outside_the_table_are_unknown() {
        assertThat(IommufdCommand.byNr(0x7f)).isEmpty();
        assertThat(IommufdCommand.byNr(0x95)).isEmpty();
        assertThat(IommufdCommand.byNr(0xa0)).as("the selftest command is not served").isEmpty();
        assertThat(IommufdCommand.byIoctl(0x3c80)).as("another ioctl type").isEmpty();
        assertThat(IommufdCommand.byIoctl(0xc0183b80)).as("direction and size bits set").isEmpty();
    }
}
