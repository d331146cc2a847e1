package org.smmuref.smmu.platform;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.hw.SmmuFeatures;

/**
 * A machine as a small value: RAM ranges, SMMU instances with their features and the devices (StreamIDs) behind
 * them, an optional KVM host, and the VMID policy choice.
 *
 * @param ram the RAM ranges; the first holds the SMMU drivers' tables and queues ({@link #KERNEL_BYTES_PER_SMMU}
 *     each), everything else is page pool for process memory
 * @param smmus the SMMU instances, numbered by their position
 * @param kvm the KVM host, if the machine runs VMs
 * @param vmidPolicy whether BTM with KVM-pinned VMIDs may be used
 */
public record PlatformConfig(List<RamRange> ram, List<SmmuConfig> smmus, Optional<KvmConfig> kvm,
                             VmidPolicyConfig vmidPolicy) {
    /** Driver memory (stream table, queues, stage-2 tables) carved from the first RAM range per SMMU. */
    public static final long KERNEL_BYTES_PER_SMMU = 32L << 20;

    /** Base of the default machine's RAM, where the Arm virt machine puts it. */
    public static final long DEFAULT_RAM_BASE = 0x4000_0000L;
    /** Size of the default machine's RAM. */
    public static final long DEFAULT_RAM_SIZE = 1L << 30;

    /** One range of RAM. */
    public record RamRange(long base, long size) {
    }

    /** One SMMU: its features, the devices behind it and its driver options. */
    public record SmmuConfig(SmmuFeatures features, List<MasterSpec> devices, ArmSmmuV3Options options) {
        /** Copies the device list. */
        public SmmuConfig {
            Objects.requireNonNull(features);
            devices = List.copyOf(devices);
            Objects.requireNonNull(options);
        }

        /** An SMMU with default driver options. */
        public static SmmuConfig of(SmmuFeatures features, MasterSpec... devices) {
            return new SmmuConfig(features, List.of(devices), ArmSmmuV3Options.DEFAULT);
        }
    }

    /** Validates and copies. */
    public PlatformConfig {
        ram = List.copyOf(ram);
        smmus = List.copyOf(smmus);
        Objects.requireNonNull(kvm);
        Objects.requireNonNull(vmidPolicy);
        if (ram.isEmpty()) {
            throw new IllegalArgumentException("a machine needs RAM");
        }
        if (ram.get(0).size() <= KERNEL_BYTES_PER_SMMU * smmus.size()) {
            throw new IllegalArgumentException("the first RAM range is too small for " + smmus.size()
                + " SMMU drivers' memory and any process memory");
        }
    }

    /**
     * The default machine (what {@code ./smmuref serve} runs): 1 GiB of RAM at 0x4000_0000 (the Arm virt layout), one
     * reference SMMUv3.2 (S1P, S2P, BTM, VMID16, 2-level stream tables, RIL) with ATS, eight devices at StreamIDs
     * 0x8..0xf of which 0xc..0xf are ATS-capable endpoints, all marked CANWBS by firmware (fully coherent, so a
     * vIOMMU works for them even on an SMMU variant without S2FWB), and a 4-CPU KVM host with 16-bit VMIDs that can pin and
     * keeps 256 VMIDs for the SMMU's private use; VMID policy AUTO.
     */
    public static PlatformConfig defaults() {
        return new PlatformConfig(List.of(new RamRange(DEFAULT_RAM_BASE, DEFAULT_RAM_SIZE)),
            List.of(SmmuConfig.of(SmmuFeatures.reference().ats(true).build(), new MasterSpec(0x8, false, true),
                new MasterSpec(0x9, false, true), new MasterSpec(0xa, false, true), new MasterSpec(0xb, false, true),
                new MasterSpec(0xc, true, true), new MasterSpec(0xd, true, true), new MasterSpec(0xe, true, true),
                new MasterSpec(0xf, true, true))),
            Optional.of(KvmConfig.of(16, 4).withSmmuPrivateVmids(256)), VmidPolicyConfig.DEFAULT);
    }
}
