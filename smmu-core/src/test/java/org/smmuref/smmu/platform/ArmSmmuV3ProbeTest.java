package org.smmuref.smmu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.CommandQueueDriver;
import org.smmuref.smmu.driver.SmmuCommandException;
import org.smmuref.smmu.driver.SteWords;
import org.smmuref.smmu.hw.CommandError;
import org.smmuref.smmu.hw.Commands;
import org.smmuref.smmu.hw.DescriptorFetcher;
import org.smmuref.smmu.hw.Smmu;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.hw.SmmuRegisters;
import org.smmuref.smmu.hw.StreamTable;

/** Probe as the SMMU sees it through its registers and memory, and command submission at its edges. */
class ArmSmmuV3ProbeTest {

    @Test
    void btmSmmuRunsWithPtmClearOnlyWhenThePolicyAllows() {
        SmmuPlatform btm = Machines.reference();
        Smmu s = btm.smmu(0);
        assertThat(s.read32(SmmuRegisters.CR0)).isEqualTo(SmmuRegisters.CR0_SMMUEN | SmmuRegisters.CR0_EVENTQEN
            | SmmuRegisters.CR0_CMDQEN);
        assertThat(s.read32(SmmuRegisters.CR2) & SmmuRegisters.CR2_PTM).isZero();
        assertThat(btm.driver(0).vmids().btmEnabled()).isTrue();

        SmmuPlatform ptm = Machines.machine(VmidPolicyConfig.Mode.FORCE_PRIVATE, ArmSmmuV3Options.DEFAULT,
            SmmuFeatures.reference().build());
        assertThat(ptm.smmu(0).read32(SmmuRegisters.CR2) & SmmuRegisters.CR2_PTM).isNotZero();
        SmmuPlatform asked = Machines.machine(VmidPolicyConfig.Mode.AUTO, new ArmSmmuV3Options(true),
            SmmuFeatures.reference().build());
        assertThat(asked.smmu(0).read32(SmmuRegisters.CR2) & SmmuRegisters.CR2_PTM).isNotZero();
        assertThat(asked.driver(0).vmids().btmDecision()).contains("PTM");
    }

    @Test
    void theHardwareFindsAnAbortSteForEveryDeviceInATwoLevelOrLinearTable() {
        assertStes(Machines.reference(), 1);
        SmmuFeatures linear = SmmuFeatures.reference().stLevel(SmmuFeatures.ST_LEVEL_LINEAR).sidSize(6).build();
        assertStes(Machines.machine(VmidPolicyConfig.Mode.AUTO, ArmSmmuV3Options.DEFAULT, linear), 0);
    }

    private static void assertStes(SmmuPlatform p, int fmt) {
        Smmu s = p.smmu(0);
        int cfg = s.read32(SmmuRegisters.STRTAB_BASE_CFG);
        assertThat((cfg >>> 16) & 3).isEqualTo(fmt);
        long base = s.read64(SmmuRegisters.STRTAB_BASE) & SmmuRegisters.STRTAB_BASE_MASK & ~(1L << 62);
        for (int sid : new int[] {0x8, 0x9, 0xa, 0xb}) {
            long[] ste = StreamTable.fetchSte(base, cfg, s.features(), sid, DescriptorFetcher.direct(p.memory()));
            assertThat(ste).containsExactly(SteWords.abort());
        }
    }

    @Test
    void submissionsLongerThanTheQueueWrapAndComplete() {
        CommandQueueDriver q = Machines.reference().driver(0).commandQueue();
        List<long[]> many = new ArrayList<>();
        for (int i = 0; i < 3 * q.capacity() + 5; i++) {
            many.add(Commands.tlbiNhAll(i & 0xFF).encode());
        }
        long before = q.commands();
        q.issueWithSync(many);
        assertThat(q.commands() - before).isEqualTo(many.size() + 1);
    }

    @Test
    void aRefusedCommandIsReportedByIndexAndTheQueueRunsOn() {
        SmmuPlatform p = Machines.reference();
        CommandQueueDriver q = p.driver(0).commandQueue();
        long[] reserved = {0x7F, 0};
        assertThatThrownBy(() -> q.issueWithSync(List.of(Commands.tlbiNhAll(1).encode(), reserved,
            Commands.tlbiNhAll(2).encode()))).isInstanceOfSatisfying(SmmuCommandException.class, e -> {
                assertThat(e.error()).isEqualTo(CommandError.CERROR_ILL);
                assertThat(e.failedIndex()).isEqualTo(1);
            });
        Smmu s = p.smmu(0);
        assertThat(s.read32(SmmuRegisters.GERROR) ^ s.read32(SmmuRegisters.GERRORN)).as("acknowledged").isZero();
        q.issueWithSync(List.of(Commands.tlbiNhAll(3).encode()));
        assertThat(s.read32(SmmuRegisters.CMDQ_CONS) & 0xFFFFF).isEqualTo(s.read32(SmmuRegisters.CMDQ_PROD));
    }
}
