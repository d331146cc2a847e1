package org.smmuref.iommufd.uapi;

import java.util.Arrays;
import java.util.Objects;

/**
 * One ioctl argument after the extensible-struct rules: the command, the {@code size} the caller gave, and the struct
 * as this kernel understands it (members beyond the caller's size zero-filled).
 *
 * @param command  the command
 * @param userSize the caller's {@code size} (a u32 bit pattern; at least {@link IommufdCommand#minSize()})
 * @param argument the decoded argument, of the command's struct type
 */
public record IoctlCall(IommufdCommand command, int userSize, IoctlStruct argument) {
    /** Checks that the argument is the command's struct. */
    public IoctlCall {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(argument, "argument");
        if (argument.structType() != command.struct()) {
            throw new IllegalArgumentException(command.ioctlName() + " takes struct " + command.struct().kernelName()
                + ", not " + argument.kernelName());
        }
    }

    /** The argument as its record type. */
    public <T extends IoctlStruct> T argument(Class<T> type) {
        if (!type.isInstance(argument)) {
            throw new IllegalArgumentException(command.ioctlName() + " carries " + argument.getClass().getSimpleName()
                + ", not " + type.getSimpleName());
        }
        return type.cast(argument);
    }

    /** {@link #userSize()} as the unsigned number it is. */
    public long userSizeUnsigned() {
        return Integer.toUnsignedLong(userSize);
    }

    /**
     * The bytes the kernel copies back to the caller after success: {@code min(user size, sizeof)} bytes of the
     * answer (the kernel never writes past what the caller said it has).
     */
    public byte[] respond(IoctlStruct answer) {
        if (answer.structType() != command.struct()) {
            throw new IllegalArgumentException(command.ioctlName() + " answers with struct " + command.struct().kernelName());
        }
        byte[] full = answer.encode();
        return Arrays.copyOf(full, (int) Math.min(userSizeUnsigned(), full.length));
    }
}
