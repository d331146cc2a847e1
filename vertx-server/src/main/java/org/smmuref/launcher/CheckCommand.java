package org.smmuref.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.KernelProfile;
import org.smmuref.smmu.driver.GuestCommands;
import org.smmuref.smmu.driver.SteWords;
import org.smmuref.smmu.driver.VsteValidator;
import org.smmuref.smmu.hw.SmmuFeatures;
import org.smmuref.smmu.tools.StructureCodec;
import org.smmuref.smmu.tools.StructureRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code smmuref check vste|cmd [--kernel V] <hex dwords...>}: would that kernel accept this guest STE (HWPT_ALLOC
 * from a vIOMMU) or this guest invalidation command (HWPT_INVALIDATE), and if not, which field and which errno.
 */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
    description = {"Check a guest STE (vste: qwords 0 and 1) or a guest CMDQ command (cmd: dwords 0 and 1) against "
        + "a kernel release's vIOMMU filters, on the reference SMMU's features.",
        "Prints JSON {kernel, kind, accepted, errno, reason, fields}; exit code 0 if accepted, 1 if refused."})
final class CheckCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "vste or cmd")
    private String kind;

    @Parameters(index = "1..*", arity = "1..2", paramLabel = "DWORD", description = "64-bit hex values, 0x optional")
    private List<String> dwords;

    @Option(names = "--kernel", paramLabel = "V", description = "The release (default: the newest, v7.4).")
    private String kernel;

    @Override
    public Integer call() throws Exception {
        KernelProfile profile;
        long[] w = new long[2];
        try {
            profile = kernel == null ? KernelProfile.latest() : KernelProfile.parse(kernel);
            for (int i = 0; i < dwords.size(); i++) {
                String d = dwords.get(i).trim();
                w[i] = Long.parseUnsignedLong(d.startsWith("0x") || d.startsWith("0X") ? d.substring(2) : d, 16);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode out = mapper.createObjectNode().put("kernel", profile.name()).put("kind", kind);
        String refused;
        List<String> fields = new ArrayList<>();
        String errno = null;
        switch (kind) {
            case "vste" -> {
                refused = vste(w, fields);
                errno = refused == null ? null : "EIO";
            }
            case "cmd" -> {
                refused = cmd(profile, w, fields);
                errno = refused == null ? null : "EIO";
            }
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "KIND is vste or cmd, not " + kind);
        }
        out.put("accepted", refused == null);
        if (refused != null) {
            out.put("errno", errno).put("reason", refused);
            ArrayNode f = out.putArray("fields");
            fields.forEach(f::add);
        }
        spec.commandLine().getOut().println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        spec.commandLine().getOut().flush();
        return refused == null ? 0 : 1;
    }

    /** The vSTE filter (arm_smmu_validate_vste, the same in every profiled release); null when accepted. */
    private static String vste(long[] w, List<String> fields) {
        try {
            VsteValidator.validate(w[0], w[1]);
            return null;
        } catch (IommufdException e) {
            if ((w[0] & 1) != 0) {
                fields.addAll(setFields("ste", w[0] & ~SteWords.NESTING_ALLOWED_0, w[1] & ~SteWords.NESTING_ALLOWED_1));
            }
            if (fields.isEmpty()) {
                fields.addAll(setFields("ste", w[0] & (7L << 1), w[1] & (3L << 28)));
            }
            return e.getMessage();
        }
    }

    /** The release's invalidation filter: opcode only before v7.4, every field from v7.4; null when accepted. */
    private static String cmd(KernelProfile profile, long[] w, List<String> fields) {
        int opcode = (int) (w[0] & 0xFF);
        if (!GuestCommands.acceptedOpcode(opcode)) {
            fields.add("Opcode");
            return String.format("guest command opcode 0x%02x is not accepted by a vIOMMU", opcode);
        }
        if (!profile.batchedInvalidation()) {
            return null;
        }
        SmmuFeatures f = SmmuFeatures.reference().build();
        GuestCommands.Limits limits = new GuestCommands.Limits(f.asidBits(), f.ril(), f.ats(), f.ssidSize() > 0);
        try {
            GuestCommands.validate(w[0], w[1], limits);
            return null;
        } catch (IommufdException e) {
            // Name the fields that hold bits: the check refused one of them.
            for (int i = 0; i < 128; i++) {
                long word = w[i / 64];
                long bit = 1L << (i % 64);
                if ((word & bit) != 0) {
                    long[] one = i < 64 ? new long[] {bit | opcode, 0} : new long[] {opcode, bit};
                    fields.addAll(setFields("cmd", one[0], one[1]).stream()
                        .filter(n -> !n.equalsIgnoreCase("Opcode") && !fields.contains(n)).toList());
                }
            }
            return e.getMessage();
        }
    }

    /** The names of the fields of {@code kind} that hold a set bit in the two dwords. */
    private static List<String> setFields(String kind, long d0, long d1) {
        StructureCodec codec = new StructureCodec(StructureRegistry.standard());
        List<String> names = new ArrayList<>();
        try {
            List<String> words = new ArrayList<>(List.of(Long.toHexString(d0), Long.toHexString(d1)));
            while (kind.equals("ste") && words.size() < 8) {
                words.add("0");
            }
            Map<String, Long> decoded = codec.decode(kind, words);
            decoded.forEach((name, value) -> {
                if (value != 0) {
                    names.add(name);
                }
            });
        } catch (IllegalArgumentException e) {
            names.add("dword0 0x" + Long.toHexString(d0) + ", dword1 0x" + Long.toHexString(d1));
        }
        return names;
    }
}
