package org.smmuref.smmu.pgtable;

/**
 * The permissions and attributes of a mapping, for either stage.
 *
 * <p>Stage 1: {@code read} must be true (AP cannot deny reads); {@code write} clears AP[2]; {@code user} sets AP[1];
 * {@code exec} clears PXN, and UXN too when {@code user}; {@code global} clears nG; {@code attr} is AttrIndx.
 * Stage 2: {@code read}/{@code write} are S2AP[0]/[1]; {@code exec} clears XN (XN[1:0] = 00, else 10) unless
 * {@code s2xn} gives XN[1:0] itself (bits [54:53], for SMMUs with IDR3.XNX: 01 PXN, 10 XN, 11 UXN; Arm ARM table
 * D8-78); {@code attr} is MemAttr (default 0b1111, Normal write-back); {@code user} and {@code global} are ignored.
 * {@code accessFlag} is the AF bit.
 *
 * @param attr AttrIndx (stage 1) or MemAttr (stage 2); -1 for the default (0, resp. 0b1111)
 * @param s2xn stage-2 XN[1:0] (0..3), or -1 to derive it from {@code exec}
 */
public record Prot(boolean read, boolean write, boolean exec, boolean user, boolean global, boolean accessFlag,
                   int attr, int s2xn) {

    /** Validates the attribute index and XN[1:0]. */
    public Prot {
        if (attr < -1 || attr > 15) {
            throw new IllegalArgumentException("attr must be -1 or 0..15, was " + attr);
        }
        if (s2xn < -1 || s2xn > 3) {
            throw new IllegalArgumentException("stage-2 XN[1:0] must be -1 or 0..3, was " + s2xn);
        }
    }

    /** Permissions whose stage-2 XN[1:0] follows {@code exec}. */
    public Prot(boolean read, boolean write, boolean exec, boolean user, boolean global, boolean accessFlag,
                int attr) {
        this(read, write, exec, user, global, accessFlag, attr, -1);
    }

    /** These permissions with stage-2 XN[1:0] = {@code xn} (0..3) written as given. */
    public Prot withS2Xn(int xn) {
        return new Prot(read, write, exec, user, global, accessFlag, attr, xn);
    }

    /**
     * Parses flags: {@code r} read, {@code w} write, {@code x} execute, {@code u} unprivileged access, {@code n}
     * non-global (nG=1); AF is set and attributes are default.
     */
    public static Prot of(String flags) {
        for (char c : flags.toCharArray()) {
            if ("rwxun-".indexOf(c) < 0) {
                throw new IllegalArgumentException("unknown permission flag '" + c + "' in " + flags);
            }
        }
        return new Prot(flags.indexOf('r') >= 0, flags.indexOf('w') >= 0, flags.indexOf('x') >= 0,
            flags.indexOf('u') >= 0, flags.indexOf('n') < 0, true, -1);
    }

    /** These permissions with AF as given. */
    public Prot withAccessFlag(boolean af) {
        return new Prot(read, write, exec, user, global, af, attr, s2xn);
    }

    /** These permissions with another attribute index / MemAttr. */
    public Prot withAttr(int value) {
        return new Prot(read, write, exec, user, global, accessFlag, value, s2xn);
    }
}
