package org.smmuref.kvm.policy;

import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import org.smmuref.kvm.Kvm;
import org.smmuref.kvm.KvmConfig;

/**
 * Decides, per SMMU instance, whether it may use BTM with KVM-pinned VMIDs, and builds its {@link SmmuVmids}.
 *
 * <p>BTM is used only when every condition holds; each failed one is named in {@link SmmuVmids#btmDecision()}:
 * the platform allows it, the SMMU has IDR0.BTM and the platform does not ask for PTM, there is a KVM host that can
 * pin VMIDs, the CPU and SMMU VMID widths match, a VHE host is matched by IDR0.HYP, and KVM keeps a VMID partition for
 * the SMMU's private VMIDs (so they cannot alias KVM VMIDs).
 */
public final class VmidPolicyChooser {
    private final Optional<Kvm> kvm;
    private final VmidPolicyConfig config;
    private final Optional<BiFunction<Kvm, SmmuVmids, VmidPolicy>> vmPolicy;

    /** Creates a chooser for a platform with the given KVM host (empty when there is none). */
    public VmidPolicyChooser(Optional<Kvm> kvm, VmidPolicyConfig config) {
        this(kvm, config, Optional.empty());
    }

    private VmidPolicyChooser(Optional<Kvm> kvm, VmidPolicyConfig config,
                              Optional<BiFunction<Kvm, SmmuVmids, VmidPolicy>> vmPolicy) {
        this.kvm = Objects.requireNonNull(kvm, "kvm");
        this.config = Objects.requireNonNull(config, "config");
        this.vmPolicy = vmPolicy;
    }

    /**
     * This chooser, except that a BTM SMMU serves VM-tied and nesting requests with {@code replacement} (given the KVM host
     * and the SMMU's safe arrangement) instead of {@link KvmPinned}: for negative controls and demonstrations of unsafe
     * designs only; nothing in the product uses it.
     */
    public VmidPolicyChooser withVmPolicy(BiFunction<Kvm, SmmuVmids, VmidPolicy> replacement) {
        return new VmidPolicyChooser(kvm, config, Optional.of(replacement));
    }

    /** Decides the VMID arrangement of one SMMU instance. */
    public SmmuVmids forSmmu(SmmuVmidFeatures smmu) {
        Objects.requireNonNull(smmu, "smmu");
        String refusal = btmRefusal(smmu);
        if (refusal != null) {
            return new SmmuVmids(smmu, false, "BTM off (CR2.PTM=1), SMMU-private VMIDs only: " + refusal,
                SmmuPrivate.wholeSpace(smmu), Optional.empty(), fromNestParent(), Optional.empty());
        }
        Kvm host = kvm.orElseThrow();
        KvmConfig k = host.config();
        SmmuPrivate partition = new SmmuPrivate(k.firstSmmuPrivateVmid(), smmu.maxVmid(), true);
        SmmuVmids safe = new SmmuVmids(smmu, true, "BTM on (CR2.PTM=0): VMs get their pinned KVM VMID, other domains a private "
            + "VMID in " + partition.first() + ".." + partition.last() + ", which KVM never allocates",
            partition, Optional.of(new KvmPinned(host, smmu)), fromNestParent(), Optional.empty());
        return vmPolicy.isEmpty() ? safe : new SmmuVmids(smmu, true, safe.btmDecision(), partition,
            safe.kvmPinned(), fromNestParent(), Optional.of(vmPolicy.get().apply(host, safe)));
    }

    private boolean fromNestParent() {
        return config.viommuVmid() == VmidPolicyConfig.ViommuVmid.NEST_PARENT;
    }

    /** Why BTM cannot be used on this SMMU, or null if it can. */
    private String btmRefusal(SmmuVmidFeatures smmu) {
        if (config.mode() == VmidPolicyConfig.Mode.FORCE_PRIVATE) {
            return "the platform forces SMMU-private VMIDs";
        }
        if (fromNestParent()) {
            return "upstream VMID mode: every vIOMMU uses its nest parent's SMMU-private VMID (arm_vsmmu_init), which"
                + " no guest broadcast carries, so the SMMU must ignore broadcasts (as arm_smmu_device_reset does)";
        }
        if (!smmu.btm()) {
            return "the SMMU has no broadcast TLB maintenance (IDR0.BTM=0)";
        }
        if (smmu.ptm()) {
            return "the platform asks for private TLB maintenance (CR2.PTM=1)";
        }
        if (kvm.isEmpty()) {
            return "there is no KVM host whose VMIDs the SMMU could share";
        }
        KvmConfig k = kvm.get().config();
        if (!k.pinningSupported()) {
            return "KVM cannot pin VMIDs, so a VM's VMID could change under the SMMU";
        }
        if (k.vmidBits() != smmu.vmidBits()) {
            return "the CPUs use " + k.vmidBits() + "-bit VMIDs but the SMMU " + smmu.vmidBits()
                + "-bit ones, so broadcast VMID tags would not match the STE's";
        }
        if (k.vhe() && !smmu.hyp()) {
            return "the host runs with VHE but the SMMU has no IDR0.HYP, so it would miss EL2-E2H broadcasts";
        }
        if (k.smmuPrivateVmids() == 0) {
            return "KVM keeps no VMIDs for SMMU-private use, so private domains could alias KVM VMIDs";
        }
        return null;
    }
}
