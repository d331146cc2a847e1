package org.smmuref.smmu.hw;

/** The command-queue error codes reported in CMDQ_CONS.ERR[30:24] (smmuv3.md section 4, SPEC 7.1). */
public enum CommandError {
    /** 0x00: no error. */
    CERROR_NONE(0x00),
    /** 0x01: reserved opcode, illegal parameters, or a command irrelevant to the implemented features. */
    CERROR_ILL(0x01),
    /** 0x02: an external abort fetching the command. */
    CERROR_ABT(0x02),
    /** 0x03: a CMD_SYNC saw an ATS invalidation completion time out. */
    CERROR_ATC_INV_SYNC(0x03);

    private final int code;

    CommandError(int code) {
        this.code = code;
    }

    /** The value of CMDQ_CONS.ERR. */
    public int code() {
        return code;
    }

    /** The error whose code is {@code code}; codes the architecture does not define read as {@link #CERROR_NONE}. */
    public static CommandError of(int code) {
        for (CommandError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return CERROR_NONE;
    }
}
