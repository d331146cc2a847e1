package org.smmuref.kvm;

/**
 * The fixed parameters of a modelled arm64 KVM host.
 *
 * @param vmidBits the CPUs' VMID width (ID_AA64MMFR1_EL1.VMIDBits): 8 or 16
 * @param nrCpus the number of physical CPUs ({@code num_possible_cpus()})
 * @param pinningSupported whether the pinned-VMID extension is present ({@code pinned_vmid_map} allocated)
 * @param vhe whether the host runs with VHE (EL2 host); then an SMMU needs IDR0.HYP to see every broadcast
 * @param smmuPrivateVmids how many VMIDs at the top of the space KVM never hands to a VM, so that SMMUs with BTM can
 *     allocate their private VMIDs there without aliasing any KVM VMID (0 when no SMMU uses BTM)
 */
public record KvmConfig(int vmidBits, int nrCpus, boolean pinningSupported, boolean vhe, int smmuPrivateVmids) {

    /** Validates the parameters; the usable VMIDs must outnumber the CPUs, or a rollover could find no free VMID. */
    public KvmConfig {
        if (vmidBits != 8 && vmidBits != 16) {
            throw new IllegalArgumentException("VMID width must be 8 or 16 bits, was " + vmidBits);
        }
        if (nrCpus < 1) {
            throw new IllegalArgumentException("a host needs at least one CPU, was " + nrCpus);
        }
        if (smmuPrivateVmids < 0) {
            throw new IllegalArgumentException("smmuPrivateVmids must not be negative, was " + smmuPrivateVmids);
        }
        int usable = (1 << vmidBits) - 1 - smmuPrivateVmids;
        if (usable <= nrCpus) {
            throw new IllegalArgumentException("only " + usable + " VMIDs usable by VMs (" + vmidBits + "-bit, "
                + smmuPrivateVmids + " kept for SMMUs) for " + nrCpus + " CPUs: a rollover could not find a free VMID");
        }
    }

    /** A host with pinning support, no VHE and no VMIDs kept for SMMUs. */
    public static KvmConfig of(int vmidBits, int nrCpus) {
        return new KvmConfig(vmidBits, nrCpus, true, false, 0);
    }

    /** This configuration with pinning support switched on or off. */
    public KvmConfig withPinning(boolean supported) {
        return new KvmConfig(vmidBits, nrCpus, supported, vhe, smmuPrivateVmids);
    }

    /** This configuration with VHE switched on or off. */
    public KvmConfig withVhe(boolean on) {
        return new KvmConfig(vmidBits, nrCpus, pinningSupported, on, smmuPrivateVmids);
    }

    /** This configuration with {@code count} VMIDs at the top of the space kept for SMMU-private use. */
    public KvmConfig withSmmuPrivateVmids(int count) {
        return new KvmConfig(vmidBits, nrCpus, pinningSupported, vhe, count);
    }

    /** {@code NUM_USER_VMIDS}: the size of the VMID space, VMID 0 included. */
    public int numVmids() {
        return 1 << vmidBits;
    }

    /** The first VMID of the SMMU-private partition; KVM allocates only below it (and never VMID 0). */
    public int firstSmmuPrivateVmid() {
        return numVmids() - smmuPrivateVmids;
    }

    /**
     * {@code max_pinned_vmids}: NUM_VMIDS - nr_cpus - 2 over the VMIDs KVM may allocate, so that after a rollover
     * with every CPU reserving a VMID there is still one free; 0 when pinning is unsupported.
     */
    public int maxPinnedVmids() {
        return pinningSupported ? Math.max(0, firstSmmuPrivateVmid() - nrCpus - 2) : 0;
    }
}
