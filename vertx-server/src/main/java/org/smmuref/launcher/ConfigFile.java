package org.smmuref.launcher;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.smmuref.kvm.KvmConfig;
import org.smmuref.kvm.policy.VmidPolicyConfig;
import org.smmuref.smmu.driver.ArmSmmuV3Options;
import org.smmuref.smmu.driver.MasterSpec;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.platform.PlatformConfig;

/**
 * A {@code serve --config} file (YAML or JSON; JSON is YAML too): the node name, the machine (RAM, SMMUs with their
 * features and devices, KVM, VMID policy) and optional server and cluster settings. Every error names the file and
 * the path of the offending key ({@code smmus[0].features.oas: ...}). docs/serving.md describes every key.
 *
 * @param name the platform's node name, if the file gives one
 * @param platform the machine
 * @param server the {@code server} section's settings (command-line flags win over them)
 * @param cluster the {@code cluster} section's settings (command-line flags win over them)
 */
record ConfigFile(Optional<String> name, PlatformConfig platform, Server server, Cluster cluster) {

    /**
     * The {@code server} section.
     *
     * @param host interface
     * @param httpPort HTTP port
     * @param bridgePort bridge port
     * @param maxFrameBytes bridge frame limit
     * @param tokenFile file holding the access token
     */
    record Server(Optional<String> host, OptionalInt httpPort, OptionalInt bridgePort, OptionalInt maxFrameBytes,
                  Optional<Path> tokenFile) {
        static final Server NONE = new Server(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty(), Optional.empty());
    }

    /**
     * The {@code cluster} section.
     *
     * @param enabled whether to cluster
     * @param host Hazelcast's interface
     * @param port Hazelcast's port
     * @param members other members
     * @param clusterName Hazelcast cluster name
     */
    record Cluster(boolean enabled, Optional<String> host, OptionalInt port, List<String> members,
                   Optional<String> clusterName) {
        static final Cluster NONE = new Cluster(false, Optional.empty(), OptionalInt.empty(), List.of(),
            Optional.empty());
    }

    /** A config file that cannot be used; the message names the file and the key. */
    static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigException(String message) {
            super(message);
        }
    }

    /** The default machine of {@code ./smmuref serve}, as a file with no keys describes it. */
    static ConfigFile defaults() {
        return new ConfigFile(Optional.empty(), PlatformConfig.defaults(), Server.NONE, Cluster.NONE);
    }

    /** Reads and checks {@code file}. */
    static ConfigFile load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return parse(text);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /** Parses a config text (YAML or JSON). */
    static ConfigFile parse(String text) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (JacksonException e) {
            throw new ConfigException("not valid YAML or JSON: " + e.getOriginalMessage()
                + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new ConfigException("cannot parse: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return defaults();
        }
        Node top = new Node(root, "");
        top.requireObject();
        top.allowOnly("name", "ram", "smmus", "kvm", "vmidPolicy", "server", "cluster");
        Optional<String> name = top.optText("name");
        if (name.isPresent() && !name.get().matches("[a-z0-9-]+")) {
            throw new ConfigException("name: must match [a-z0-9-]+ (it is part of every address), was '"
                + name.get() + "'");
        }
        PlatformConfig d = PlatformConfig.defaults();
        List<PlatformConfig.RamRange> ram = top.has("ram") ? ram(top.get("ram")) : d.ram();
        List<PlatformConfig.SmmuConfig> smmus = top.has("smmus") ? smmus(top.get("smmus")) : d.smmus();
        Optional<KvmConfig> kvm = top.has("kvm") ? kvm(top.get("kvm")) : d.kvm();
        VmidPolicyConfig policy = top.has("vmidPolicy") ? policy(top.get("vmidPolicy")) : d.vmidPolicy();
        PlatformConfig platform;
        try {
            platform = new PlatformConfig(ram, smmus, kvm, policy);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("ram: " + e.getMessage());
        }
        Server server = top.has("server") ? server(top.get("server")) : Server.NONE;
        Cluster cluster = top.has("cluster") ? cluster(top.get("cluster")) : Cluster.NONE;
        return new ConfigFile(name, platform, server, cluster);
    }

    private static List<PlatformConfig.RamRange> ram(Node n) throws ConfigException {
        List<PlatformConfig.RamRange> out = new ArrayList<>();
        for (Node r : n.elements()) {
            r.requireObject();
            r.allowOnly("base", "size");
            long base = r.get("base").size();
            long size = r.get("size").size();
            if (size <= 0 || (size & 0xfff) != 0 || (base & 0xfff) != 0) {
                throw new ConfigException(r.path + ": base and size must be 4 KB aligned and size positive");
            }
            out.add(new PlatformConfig.RamRange(base, size));
        }
        if (out.isEmpty()) {
            throw new ConfigException(n.path + ": a machine needs at least one RAM range");
        }
        return out;
    }

    /** Boolean features: key in the file, builder setter. */
    private static final Map<String, BiConsumer<SmmuFeatures.Builder, Boolean>> FLAGS = new LinkedHashMap<>();
    /** Numeric features: key in the file, builder setter. */
    private static final Map<String, BiConsumer<SmmuFeatures.Builder, Integer>> NUMBERS = new LinkedHashMap<>();

    static {
        FLAGS.put("s1p", SmmuFeatures.Builder::s1p);
        FLAGS.put("s2p", SmmuFeatures.Builder::s2p);
        FLAGS.put("btm", SmmuFeatures.Builder::btm);
        FLAGS.put("ats", SmmuFeatures.Builder::ats);
        FLAGS.put("ns1ats", SmmuFeatures.Builder::ns1ats);
        FLAGS.put("hyp", SmmuFeatures.Builder::hyp);
        FLAGS.put("cohacc", SmmuFeatures.Builder::cohacc);
        FLAGS.put("asid16", SmmuFeatures.Builder::asid16);
        FLAGS.put("vmid16", SmmuFeatures.Builder::vmid16);
        FLAGS.put("msi", SmmuFeatures.Builder::msi);
        FLAGS.put("sev", SmmuFeatures.Builder::sev);
        FLAGS.put("pri", SmmuFeatures.Builder::pri);
        FLAGS.put("vmw", SmmuFeatures.Builder::vmw);
        FLAGS.put("cd2l", SmmuFeatures.Builder::cd2l);
        FLAGS.put("termModel", SmmuFeatures.Builder::termModel);
        FLAGS.put("had", SmmuFeatures.Builder::had);
        FLAGS.put("xnx", SmmuFeatures.Builder::xnx);
        FLAGS.put("mpam", SmmuFeatures.Builder::mpam);
        FLAGS.put("fwb", SmmuFeatures.Builder::fwb);
        FLAGS.put("stt", SmmuFeatures.Builder::stt);
        FLAGS.put("ril", SmmuFeatures.Builder::ril);
        FLAGS.put("gran4k", SmmuFeatures.Builder::gran4k);
        FLAGS.put("gran16k", SmmuFeatures.Builder::gran16k);
        FLAGS.put("gran64k", SmmuFeatures.Builder::gran64k);
        FLAGS.put("twoLevelStreamTable", (b, v) -> b.stLevel(v ? SmmuFeatures.ST_LEVEL_TWO_LEVEL
            : SmmuFeatures.ST_LEVEL_LINEAR));
        NUMBERS.put("oas", SmmuFeatures.Builder::oas);
        NUMBERS.put("sidSize", SmmuFeatures.Builder::sidSize);
        NUMBERS.put("ssidSize", SmmuFeatures.Builder::ssidSize);
        NUMBERS.put("httu", SmmuFeatures.Builder::httu);
        NUMBERS.put("ttf", SmmuFeatures.Builder::ttf);
        NUMBERS.put("ttendian", SmmuFeatures.Builder::ttendian);
        NUMBERS.put("stallModel", SmmuFeatures.Builder::stallModel);
        NUMBERS.put("cmdqs", SmmuFeatures.Builder::cmdqs);
        NUMBERS.put("eventqs", SmmuFeatures.Builder::eventqs);
        NUMBERS.put("priqs", SmmuFeatures.Builder::priqs);
        NUMBERS.put("bbml", SmmuFeatures.Builder::bbml);
    }

    private static List<PlatformConfig.SmmuConfig> smmus(Node n) throws ConfigException {
        List<PlatformConfig.SmmuConfig> out = new ArrayList<>();
        for (Node s : n.elements()) {
            s.requireObject();
            s.allowOnly("base", "features", "devices", "driver");
            String base = s.optText("base").orElse("reference");
            SmmuFeatures.Builder b = switch (base) {
                case "reference" -> SmmuFeatures.reference().ats(true);
                case "minimal" -> SmmuFeatures.builder();
                default -> throw new ConfigException(s.path + ".base: must be 'reference' or 'minimal', was '"
                    + base + "'");
            };
            if (s.has("features")) {
                Node f = s.get("features");
                f.requireObject();
                Set<String> known = new TreeSet<>(FLAGS.keySet());
                known.addAll(NUMBERS.keySet());
                f.allowOnly(known.toArray(String[]::new));
                for (Iterator<String> it = f.node.fieldNames(); it.hasNext(); ) {
                    String key = it.next();
                    Node v = f.get(key);
                    try {
                        if (FLAGS.containsKey(key)) {
                            FLAGS.get(key).accept(b, v.bool());
                        } else {
                            NUMBERS.get(key).accept(b, v.integer());
                        }
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException(v.path + ": " + e.getMessage());
                    }
                }
            }
            SmmuFeatures features;
            try {
                features = b.build();
            } catch (IllegalArgumentException e) {
                throw new ConfigException(s.path + ".features: " + e.getMessage());
            }
            List<MasterSpec> devices = new ArrayList<>();
            Set<Integer> seen = new TreeSet<>();
            if (s.has("devices")) {
                for (Node d : s.get("devices").elements()) {
                    MasterSpec m;
                    if (d.node.isObject()) {
                        d.allowOnly("streamId", "ats", "canwbs");
                        m = new MasterSpec(d.get("streamId").integer(), d.bool("ats", false),
                            d.bool("canwbs", false));
                    } else {
                        m = new MasterSpec(d.integer(), false);
                    }
                    if (m.streamId() < 0 || (features.sidSize() < 31 && m.streamId() >= (1L << features.sidSize()))) {
                        throw new ConfigException(d.path + ": StreamID " + m.streamId() + " does not fit the SMMU's "
                            + features.sidSize() + "-bit StreamIDs");
                    }
                    if (!seen.add(m.streamId())) {
                        throw new ConfigException(d.path + ": StreamID " + m.streamId() + " is listed twice");
                    }
                    devices.add(m);
                }
            }
            ArmSmmuV3Options options = ArmSmmuV3Options.DEFAULT;
            if (s.has("driver")) {
                Node o = s.get("driver");
                o.requireObject();
                if (o.has("kernelInvalidationQuirks")) {
                    throw new ConfigException(o.path + ".kernelInvalidationQuirks: gone; the invalidation contract "
                        + "follows the kernel profile (serve --kernel v7.3 or older for the old quirks)");
                }
                o.allowOnly("ptmRequested");
                options = new ArmSmmuV3Options(o.bool("ptmRequested", false));
            }
            out.add(new PlatformConfig.SmmuConfig(features, devices, options));
        }
        return out;
    }

    private static Optional<KvmConfig> kvm(Node n) throws ConfigException {
        if (n.node.isNull() || (n.node.isTextual() && n.node.asText().equals("none"))) {
            return Optional.empty();
        }
        n.requireObject();
        n.allowOnly("cpus", "vmidBits", "pinning", "vhe", "smmuPrivateVmids");
        KvmConfig d = PlatformConfig.defaults().kvm().orElseThrow();
        try {
            return Optional.of(new KvmConfig(
                n.optional("vmidBits").isPresent() ? n.get("vmidBits").integer() : d.vmidBits(),
                n.optional("cpus").isPresent() ? n.get("cpus").integer() : d.nrCpus(),
                n.optional("pinning").isPresent() ? n.get("pinning").bool() : d.pinningSupported(),
                n.optional("vhe").isPresent() ? n.get("vhe").bool() : d.vhe(),
                n.optional("smmuPrivateVmids").isPresent() ? n.get("smmuPrivateVmids").integer()
                    : d.smmuPrivateVmids()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(n.path + ": " + e.getMessage());
        }
    }

    private static VmidPolicyConfig policy(Node n) throws ConfigException {
        return switch (n.text().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "auto" -> new VmidPolicyConfig(VmidPolicyConfig.Mode.AUTO);
            case "force-private" -> new VmidPolicyConfig(VmidPolicyConfig.Mode.FORCE_PRIVATE);
            default -> throw new ConfigException(n.path + ": must be 'auto' or 'force-private', was '" + n.text()
                + "'");
        };
    }

    private static Server server(Node n) throws ConfigException {
        n.requireObject();
        n.allowOnly("host", "httpPort", "bridgePort", "maxFrameBytes", "tokenFile");
        return new Server(n.optText("host"), n.optionalInt("httpPort"),
            n.optionalInt("bridgePort"), n.optionalInt("maxFrameBytes"),
            n.optText("tokenFile").map(Path::of));
    }

    private static Cluster cluster(Node n) throws ConfigException {
        n.requireObject();
        n.allowOnly("enabled", "host", "port", "members", "name");
        List<String> members = new ArrayList<>();
        if (n.has("members")) {
            for (Node m : n.get("members").elements()) {
                members.add(m.text());
            }
        }
        return new Cluster(n.bool("enabled", true),
            n.optText("host"), n.optionalInt("port"), members,
            n.optText("name"));
    }

    /** A node of the file with its path, for messages. */
    private record Node(JsonNode node, String path) {
        Node child(String key) {
            return new Node(node.get(key), path.isEmpty() ? key : path + "." + key);
        }

        boolean has(String key) {
            return node.has(key);
        }

        Node get(String key) throws ConfigException {
            if (!node.has(key)) {
                throw new ConfigException((path.isEmpty() ? key : path + "." + key) + ": required");
            }
            return child(key);
        }

        Optional<Node> optional(String key) {
            return node.has(key) ? Optional.of(child(key)) : Optional.empty();
        }

        OptionalInt optionalInt(String key) throws ConfigException {
            return node.has(key) ? OptionalInt.of(child(key).integer()) : OptionalInt.empty();
        }

        void requireObject() throws ConfigException {
            if (!node.isObject()) {
                throw new ConfigException((path.isEmpty() ? "the file" : path) + ": must be a mapping of keys");
            }
        }

        void allowOnly(String... keys) throws ConfigException {
            Set<String> allowed = Set.of(keys);
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw new ConfigException((path.isEmpty() ? k : path + "." + k) + ": unknown key (known: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
                }
            }
        }

        List<Node> elements() throws ConfigException {
            if (!node.isArray()) {
                throw new ConfigException(path + ": must be a list");
            }
            List<Node> out = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                out.add(new Node(node.get(i), path + "[" + i + "]"));
            }
            return out;
        }

        String text() throws ConfigException {
            if (!node.isTextual()) {
                throw new ConfigException(path + ": must be a string");
            }
            return node.asText();
        }

        Optional<String> optText(String key) throws ConfigException {
            return node.has(key) ? Optional.of(child(key).text()) : Optional.empty();
        }

        boolean bool() throws ConfigException {
            if (!node.isBoolean()) {
                throw new ConfigException(path + ": must be true or false");
            }
            return node.booleanValue();
        }

        boolean bool(String key, boolean dflt) throws ConfigException {
            return node.has(key) ? child(key).bool() : dflt;
        }

        int integer() throws ConfigException {
            long v = size();
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new ConfigException(path + ": " + v + " is out of range");
            }
            return (int) v;
        }

        /** A whole number: an integer, or a string in decimal or 0x hex with an optional K, M or G suffix. */
        long size() throws ConfigException {
            if (node.isIntegralNumber() && node.canConvertToLong()) {
                return node.longValue();
            }
            if (node.isTextual()) {
                String s = node.asText().trim().replace("_", "");
                long unit = 1;
                char last = s.isEmpty() ? ' ' : Character.toUpperCase(s.charAt(s.length() - 1));
                if (!s.startsWith("0x") && !s.startsWith("0X") && (last == 'K' || last == 'M' || last == 'G')) {
                    unit = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
                    s = s.substring(0, s.length() - 1);
                }
                try {
                    long v = s.startsWith("0x") || s.startsWith("0X") ? Long.parseLong(s.substring(2), 16)
                        : Long.parseLong(s);
                    return Math.multiplyExact(v, unit);
                } catch (NumberFormatException | ArithmeticException e) {
                    // fall through to the message below
                }
            }
            throw new ConfigException(path + ": must be a whole number (decimal, 0x hex, or with K/M/G), was "
                + node);
        }
    }
}
