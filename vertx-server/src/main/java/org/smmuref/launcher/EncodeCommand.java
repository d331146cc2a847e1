package org.smmuref.launcher;

import java.util.List;
import java.util.concurrent.Callable;
import org.smmuref.smmu.tools.StructureCodec;
import org.smmuref.smmu.tools.StructureRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code smmuref encode <kind> <field=value...>}: builds an SMMU structure and prints its hex dwords. */
@Command(name = "encode", mixinStandardHelpOptions = true,
    description = {"Encode an SMMU structure from field=value pairs and print its hex dwords (dword 0 first).",
        "Values are decimal or 0x hex; address fields take the byte address; unnamed fields are zero."})
final class EncodeCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "Structure kind: ${COMPLETION-CANDIDATES}",
        completionCandidates = DecodeCommand.Kinds.class)
    private String kind;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "FIELD=VALUE", description = "Field assignments")
    private List<String> assignments = List.of();

    @Override
    public Integer call() {
        StructureCodec codec = new StructureCodec(StructureRegistry.standard());
        long[] dwords;
        try {
            dwords = codec.encode(kind, assignments);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        spec.commandLine().getOut().println(String.join(" ", StructureCodec.toHex(dwords)));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
