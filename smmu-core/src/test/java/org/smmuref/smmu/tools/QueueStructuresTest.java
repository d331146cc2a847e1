package org.smmuref.smmu.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.smmuref.smmu.hw.CommandOpcode;
import org.smmuref.smmu.hw.EventType;

class QueueStructuresTest {
    @Test
    void every_command_and_event_layout_is_registered_beside_the_standard_kinds() {
        StructureRegistry r = QueueStructures.register(StructureRegistry.standard());
        assertThat(r.kinds()).contains("ste", "cmd_cfgi_ste", "cmd_sync", "evt_f_translation", "evt_f_walk_eabt");
        assertThat(r.layout("cmd_tlbi_s2_ipa")).isSameAs(CommandOpcode.TLBI_S2_IPA.layout());
        assertThat(r.layout("evt_f_permission")).isSameAs(EventType.F_PERMISSION.layout());
        assertThat(r.kinds()).hasSize(StructureRegistry.standard().kinds().size() + CommandOpcode.values().length
            + EventType.values().length);
    }
}
