package org.smmuref.smmu.hw;

/**
 * A command the SMMU refuses with CERROR_ILL, with the reason; the typed outcome of {@link CommandDecoder#decode}.
 *
 * <p>It carries no stack trace: an illegal command is an architectural outcome, not a bug in the model.
 */
public final class IllegalCommandException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int opcode;
    private final String reason;

    /** Creates the error for a command with opcode {@code opcode}. */
    public IllegalCommandException(int opcode, String reason) {
        super(String.format("CERROR_ILL: opcode 0x%02x: %s", opcode, reason), null, false, false);
        this.opcode = opcode;
        this.reason = reason;
    }

    /** The opcode of the refused command (dword0 bits [7:0]). */
    public int opcode() {
        return opcode;
    }

    /** Why the command is illegal. */
    public String reason() {
        return reason;
    }

    /** Always {@link CommandError#CERROR_ILL}. */
    public CommandError error() {
        return CommandError.CERROR_ILL;
    }
}
