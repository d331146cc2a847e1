package org.smmuref.launcher;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.smmuref.smmu.tools.StructureCodec;
import org.smmuref.smmu.tools.StructureRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code smmuref decode <kind> <hex dwords...>}: prints every field of an SMMU structure. */
@Command(name = "decode", mixinStandardHelpOptions = true,
    description = {"Decode an SMMU structure from hex dwords (dword 0 first) and print every field as JSON.",
        "Address fields print as the byte address they encode; other fields as integers."})
final class DecodeCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "Structure kind: ${COMPLETION-CANDIDATES}",
        completionCandidates = Kinds.class)
    private String kind;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "DWORD", description = "64-bit hex values, 0x optional")
    private List<String> dwords;

    @Option(names = "--text", description = "Print an aligned table (field, bits, value) instead of JSON.")
    private boolean text;

    @Override
    public Integer call() {
        StructureCodec codec = new StructureCodec(StructureRegistry.standard());
        Map<String, Long> fields;
        try {
            fields = codec.decode(kind, dwords);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (text) {
            spec.commandLine().getOut().print(codec.toText(kind, fields));
        } else {
            spec.commandLine().getOut().println(StructureCodec.toJson(fields));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The registered kinds, for help text and completion. */
    static final class Kinds implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return StructureRegistry.standard().kinds().iterator();
        }
    }
}
