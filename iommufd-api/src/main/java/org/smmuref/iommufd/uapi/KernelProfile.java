package org.smmuref.iommufd.uapi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One kernel release's user-visible iommufd / arm-smmu-v3 behaviour, as a small declarative value: which rule of each
 * kind applies. The rules themselves live where they always did ({@link ExtensibleStructs} for sizes, the driver's
 * converter for invalidation); a profile only selects between them. {@link #latest()} is the default everywhere.
 *
 * @param name the release, e.g. {@code v6.17}
 * @param commands the ioctls the release has; any other is ENOTTY
 * @param structSizes the release's {@code sizeof} of each argument that was smaller then than today (a larger user
 *     size must then be a zero tail, else E2BIG)
 * @param hwCapabilities the {@code out_capabilities} bits the release can report
 * @param hwInfoFlags the GET_HW_INFO {@code flags} the release accepts (others: EOPNOTSUPP)
 * @param pasidInHwInfo whether GET_HW_INFO reports {@code out_max_pasid_log2}
 * @param invalidation which vSMMU invalidation contract the driver follows
 * @param nestedAttach which nested attachments need a vDEVICE
 * @param vdeviceSingleStreamId whether VDEVICE_ALLOC refuses a device with more than one StreamID (EOPNOTSUPP)
 * @param source the kernel commits or functions the differing rules come from
 */
public record KernelProfile(String name, Set<IommufdCommand> commands, Map<IommufdCommand, Integer> structSizes,
                            long hwCapabilities, int hwInfoFlags, boolean pasidInHwInfo, Invalidation invalidation,
                            NestedAttach nestedAttach, boolean vdeviceSingleStreamId, String source) {

    /** The vSMMU cache-invalidation contract of {@code arm_vsmmu_cache_invalidate}. */
    public enum Invalidation {
        /**
         * v6.13 .. v7.3: the whole array is copied first (entry_num 0 is EINVAL), only the opcode is checked, commands
         * are issued in batches of 63 as they fill, and the first unconvertible entry k stops the call with EIO and
         * entry_num = k although the converted commands of the pending batch were dropped (the over-report quirk).
         */
        LEGACY_V6_13,
        /**
         * v7.4: entry_num 0 only probes the type; at most 63 commands per driver call, each checked field by field
         * ({@code arm_vsmmu_validate_user_cmd}) before any is issued, so a batch is issued whole or not at all and
         * entry_num counts the batches issued in full.
         */
        BATCHED_V7_4
    }

    /** Which nested (vSTE) attachments need the device to have a vDEVICE on the vIOMMU (else ENOENT). */
    public enum NestedAttach {
        /** v6.13: no vmaster exists yet; any vSTE attaches without a vDEVICE. */
        NO_VDEVICE_NEEDED,
        /** v6.15 .. v6.18: {@code arm_smmu_attach_prepare_vmaster} looks up the vSID for every nested domain. */
        EVERY_VSTE_NEEDS_VDEVICE,
        /** v6.19: an abort or bypass vSTE (the guest's GBPA) attaches without a vDEVICE; stage 1 still needs one. */
        STAGE1_NEEDS_VDEVICE
    }

    /** Defensive copies; the maps and sets are unmodifiable. */
    public KernelProfile {
        commands = Collections.unmodifiableSet(EnumSet.copyOf(commands));
        structSizes = Collections.unmodifiableMap(structSizes.isEmpty() ? new EnumMap<>(IommufdCommand.class)
            : new EnumMap<>(structSizes));
    }

    /** Whether the release has {@code command} (else the ioctl is ENOTTY). */
    public boolean has(IommufdCommand command) {
        return commands.contains(command);
    }

    /** The release's {@code sizeof} of {@code command}'s argument. */
    public int structSize(IommufdCommand command) {
        return structSizes.getOrDefault(command, command.size());
    }

    /** Whether the driver follows the v7.4 invalidation contract. */
    public boolean batchedInvalidation() {
        return invalidation == Invalidation.BATCHED_V7_4;
    }

    // ------------------------------------------------------------------ the releases

    private static final long CAP_DIRTY = IommufdConstants.IOMMU_HW_CAP_DIRTY_TRACKING;
    private static final int INPUT_TYPE = IommufdConstants.IOMMU_HW_INFO_FLAG_INPUT_TYPE;
    private static final long CAP_PASID = IommufdConstants.IOMMU_HW_CAP_PCI_PASID_EXEC
        | IommufdConstants.IOMMU_HW_CAP_PCI_PASID_PRIV;

    /** {@code sizeof(struct iommu_viommu_alloc)} before v6.17 added data_len, __reserved and data_uptr. */
    public static final int VIOMMU_ALLOC_SIZE_V6_13 = IommuViommuAlloc.LAYOUT.offsetOfEnd("out_viommu_id");

    private static final Set<IommufdCommand> V6_13_COMMANDS = EnumSet.range(IommufdCommand.DESTROY,
        IommufdCommand.VDEVICE_ALLOC);

    /** v6.13: vIOMMU, vDEVICE, vSTE nested domains and vSMMU invalidation arrive. */
    public static final KernelProfile V6_13 = new KernelProfile("v6.13", V6_13_COMMANDS,
        Map.of(IommufdCommand.VIOMMU_ALLOC, VIOMMU_ALLOC_SIZE_V6_13), CAP_DIRTY, 0, false, Invalidation.LEGACY_V6_13,
        NestedAttach.NO_VDEVICE_NEEDED, false,
        "arm-smmu-v3-iommufd.c arm_vsmmu_cache_invalidate/arm_vsmmu_convert_user_cmd (v6.13); no vmaster");

    /** v6.15: IOAS_CHANGE_PROCESS (v6.14), vEVENTQ, PASID in GET_HW_INFO, vmaster needs a vDEVICE. */
    public static final KernelProfile V6_15 = new KernelProfile("v6.15", EnumSet.range(IommufdCommand.DESTROY,
        IommufdCommand.VEVENTQ_ALLOC), Map.of(IommufdCommand.VIOMMU_ALLOC, VIOMMU_ALLOC_SIZE_V6_13),
        CAP_DIRTY | CAP_PASID, 0, true, Invalidation.LEGACY_V6_13, NestedAttach.EVERY_VSTE_NEEDS_VDEVICE, false,
        "iommufd_veventq_alloc; arm_smmu_attach_prepare_vmaster (iommufd_viommu_get_vdev_id for every vSTE)");

    /** v6.17: HW_QUEUE_ALLOC and the driver-data members of iommu_viommu_alloc. */
    public static final KernelProfile V6_17 = new KernelProfile("v6.17", EnumSet.allOf(IommufdCommand.class),
        Map.of(), CAP_DIRTY | CAP_PASID, INPUT_TYPE, true,
        Invalidation.LEGACY_V6_13, NestedAttach.EVERY_VSTE_NEEDS_VDEVICE,
        false, "iommufd_hw_queue_alloc_ioctl; iommu_viommu_alloc grows data_len/data_uptr");

    /** v6.19 (dated from merges): an abort or bypass vSTE attaches without a vDEVICE. */
    public static final KernelProfile V6_19 = new KernelProfile("v6.19", EnumSet.allOf(IommufdCommand.class),
        Map.of(), CAP_DIRTY | CAP_PASID, INPUT_TYPE, true,
        Invalidation.LEGACY_V6_13, NestedAttach.STAGE1_NEEDS_VDEVICE, false,
        "arm_smmu_attach_prepare_vmaster: only a stage-1 vSTE looks up its vSID");

    /** v7.2: a vDEVICE needs a device with exactly one StreamID. */
    public static final KernelProfile V7_2 = new KernelProfile("v7.2", EnumSet.allOf(IommufdCommand.class),
        Map.of(), CAP_DIRTY | CAP_PASID, INPUT_TYPE, true,
        Invalidation.LEGACY_V6_13, NestedAttach.STAGE1_NEEDS_VDEVICE, true,
        "arm_vsmmu_vdevice_init: master->num_streams != 1 is EOPNOTSUPP");

    /** v7.4 (merge window, dated from merges): the batched, field-checked invalidation contract. The default. */
    public static final KernelProfile V7_4 = new KernelProfile("v7.4", EnumSet.allOf(IommufdCommand.class),
        Map.of(), CAP_DIRTY | CAP_PASID, INPUT_TYPE, true,
        Invalidation.BATCHED_V7_4, NestedAttach.STAGE1_NEEDS_VDEVICE, true,
        "\"Reject unsupported bits in invalidation commands\": arm_vsmmu_validate_user_cmd, "
            + "arm_vsmmu_validate_range; core \"Iterate the cache invalidation array\"");

    private static final List<KernelProfile> ALL = List.of(V6_13, V6_15, V6_17, V6_19, V7_2, V7_4);

    /** Every profile, oldest first. */
    public static List<KernelProfile> all() {
        return ALL;
    }

    /** The newest profile, the default of every context and server. */
    public static KernelProfile latest() {
        return V7_4;
    }

    /** The profile named {@code name} ({@code v6.17} or {@code 6.17}), if smmuref has it. */
    public static Optional<KernelProfile> byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        String want = n.startsWith("v") ? n : "v" + n;
        return ALL.stream().filter(p -> p.name.equals(want)).findFirst();
    }

    /** {@link #byName}, or an IllegalArgumentException listing the known names. */
    public static KernelProfile parse(String name) {
        return byName(name).orElseThrow(() -> new IllegalArgumentException("unknown kernel " + name + "; known: "
            + ALL.stream().map(KernelProfile::name).toList()));
    }

    // ------------------------------------------------------------------ rule by rule

    /**
     * Every rule that differs between some releases, as a name and this release's value (in a fixed order), for the
     * diff and the platform description.
     */
    public Map<String, String> rules() {
        Map<String, String> r = new LinkedHashMap<>();
        for (IommufdCommand c : IommufdCommand.values()) {
            r.put("ioctl " + c.ioctlName(), has(c) ? "present" : "ENOTTY");
        }
        for (IommufdCommand c : IommufdCommand.values()) {
            if (has(c)) {
                r.put("sizeof " + c.struct().kernelName(), Integer.toString(structSize(c)));
            }
        }
        r.put("GET_HW_INFO out_capabilities", capabilityNames(hwCapabilities));
        r.put("GET_HW_INFO flags", hwInfoFlags == 0 ? "none (EOPNOTSUPP)" : "INPUT_TYPE");
        r.put("GET_HW_INFO out_max_pasid_log2", pasidInHwInfo ? "reported" : "always 0");
        r.put("HWPT_INVALIDATE entry_num 0 on a vSMMU", batchedInvalidation() ? "0 (type probe)" : "EINVAL");
        r.put("HWPT_INVALIDATE field checks", batchedInvalidation() ? "per opcode (EIO)" : "opcode only");
        r.put("HWPT_INVALIDATE batches", batchedInvalidation() ? "63 commands, all or nothing"
            : "issued as they fill; pending batch dropped on a bad entry");
        r.put("HWPT_INVALIDATE entry_num after a bad entry", batchedInvalidation()
            ? "commands of fully issued batches" : "index of the bad entry (over-report)");
        r.put("nested attach needs a vDEVICE", switch (nestedAttach) {
            case NO_VDEVICE_NEEDED -> "never";
            case EVERY_VSTE_NEEDS_VDEVICE -> "every vSTE (ENOENT)";
            case STAGE1_NEEDS_VDEVICE -> "stage-1 vSTE only (abort/bypass attach freely)";
        });
        r.put("VDEVICE_ALLOC multi-StreamID device", vdeviceSingleStreamId ? "EOPNOTSUPP" : "accepted");
        return r;
    }

    private static String capabilityNames(long caps) {
        List<String> names = new ArrayList<>();
        if ((caps & IommufdConstants.IOMMU_HW_CAP_DIRTY_TRACKING) != 0) {
            names.add("DIRTY_TRACKING");
        }
        if ((caps & IommufdConstants.IOMMU_HW_CAP_PCI_PASID_EXEC) != 0) {
            names.add("PCI_PASID_EXEC");
        }
        if ((caps & IommufdConstants.IOMMU_HW_CAP_PCI_PASID_PRIV) != 0) {
            names.add("PCI_PASID_PRIV");
        }
        return String.join("|", names);
    }

    /** One rule whose value differs between two releases. */
    public record RuleChange(String rule, String from, String to) {
    }

    /** The rules whose values differ from {@code from} to {@code to}, in {@link #rules()} order ("absent" if none). */
    public static List<RuleChange> diff(KernelProfile from, KernelProfile to) {
        Map<String, String> a = from.rules();
        Map<String, String> b = to.rules();
        Set<String> names = new java.util.LinkedHashSet<>(a.keySet());
        names.addAll(b.keySet());
        List<RuleChange> out = new ArrayList<>();
        for (String n : names) {
            String x = a.getOrDefault(n, "absent");
            String y = b.getOrDefault(n, "absent");
            if (!x.equals(y)) {
                out.add(new RuleChange(n, x, y));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
