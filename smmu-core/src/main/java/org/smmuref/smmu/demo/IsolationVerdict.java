package org.smmuref.smmu.demo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one isolation scenario under one design: whether the hardware model let a device reach memory it must
 * not reach, in one line why (or why nothing could), and the VMIDs and addresses that show it.
 *
 * @param scenario which scenario ran
 * @param design unsafe or safe
 * @param policy the concrete VMID design, for people (e.g. "UnsafeUserChosenVmid")
 * @param leaked whether a device's DMA reached another VM's memory or a freed page
 * @param explanation one line: what leaked, or why nothing could
 * @param vmids the relevant VMIDs by role, in a readable order
 * @param addresses the relevant addresses by role (VA, IPA, PA), in a readable order
 * @param event the type of the event record the SMMU raised for the scenario's last DMA, or empty if none
 */
public record IsolationVerdict(Scenario scenario, Design design, String policy, boolean leaked, String explanation,
                               Map<String, Integer> vmids, Map<String, Long> addresses, String event) {

    /** The three scenarios of the review: who owns an SMMU stage-2 VMID. */
    public enum Scenario {
        /** (a) userspace picks the stage-2 VMID (v1 FLAG_VMID). */
        USER_CHOSEN_VMID("a", "user-chosen VMID"),
        /** (b) BTM on, but the VM's domain has an SMMU-private VMID. */
        BTM_PRIVATE_VMID("b", "BTM with an SMMU-private VMID"),
        /** (c) the STE copies the VM's KVM VMID without pinning it. */
        UNPINNED_KVM_VMID("c", "unpinned KVM VMID");

        private final String letter;
        private final String title;

        Scenario(String letter, String title) {
            this.letter = letter;
            this.title = title;
        }

        /** The scenario's letter in issue 5: a, b or c. */
        public String letter() {
            return letter;
        }

        /** A short title. */
        public String title() {
            return title;
        }
    }

    /** Which side of the comparison ran. */
    public enum Design {
        /** The design the review rejected. */
        UNSAFE,
        /** smmuref's policy (VmidPolicyChooser). */
        SAFE
    }

    /** Validates the components and freezes the maps. */
    public IsolationVerdict {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(design, "design");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(explanation, "explanation");
        Objects.requireNonNull(event, "event");
        vmids = Collections.unmodifiableMap(new LinkedHashMap<>(vmids));
        addresses = Collections.unmodifiableMap(new LinkedHashMap<>(addresses));
    }

    /** Whether the outcome is the one the review predicts: the unsafe design leaks, the safe one does not. */
    public boolean asPredicted() {
        return leaked == (design == Design.UNSAFE);
    }
}
