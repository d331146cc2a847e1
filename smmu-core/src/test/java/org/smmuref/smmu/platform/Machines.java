package org.smmuref.smmu.platform;

import java.util.List;
import java.util.Optional;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.hw.SmmuFeatures;

/** Machine configurations the driver tests need, and an errno probe. */
final class Machines {
    static final List<PlatformConfig.RamRange> RAM = List.of(new PlatformConfig.RamRange(0x4000_0000L, 256L << 20));
    static final Optional<KvmConfig> KVM = Optional.of(KvmConfig.of(16, 4).withSmmuPrivateVmids(256));

    private Machines() {
    }

    /** SMMUs with the given features, devices 0x8..0xb behind each; BTM allowed or forbidden. */
    static SmmuPlatform machine(VmidPolicyConfig.Mode mode, ArmSmmuV3Options options, SmmuFeatures... smmus) {
        return machine(new VmidPolicyConfig(mode), options, smmus);
    }

    /** SMMUs with the given features, devices 0x8..0xb behind each, under the VMID policy {@code policy}. */
    static SmmuPlatform machine(VmidPolicyConfig policy, ArmSmmuV3Options options, SmmuFeatures... smmus) {
        List<PlatformConfig.SmmuConfig> configs = new java.util.ArrayList<>();
        for (SmmuFeatures f : smmus) {
            configs.add(new PlatformConfig.SmmuConfig(f, List.of(new MasterSpec(0x8, false), new MasterSpec(0x9, false),
                new MasterSpec(0xa, true), new MasterSpec(0xb, false)), options));
        }
        return new SmmuPlatform(new PlatformConfig(RAM, configs, KVM, policy));
    }

    /** One reference SMMU, BTM allowed, default options. */
    static SmmuPlatform reference() {
        return machine(VmidPolicyConfig.Mode.AUTO, ArmSmmuV3Options.DEFAULT, SmmuFeatures.reference().build());
    }

    /** The errno {@code call} fails with (an assertion error if it succeeds). */
    static Errno errno(Runnable call) {
        try {
            call.run();
        } catch (IommufdException e) {
            return e.errno();
        }
        throw new AssertionError("expected an errno, the call succeeded");
    }
}
