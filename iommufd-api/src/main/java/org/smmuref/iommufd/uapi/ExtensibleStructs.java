package org.smmuref.iommufd.uapi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The one place where iommufd's extensible-struct rules live, for every command and every driver-data struct.
 *
 * <p>Top-level ioctl arguments ({@link #decodeIoctl}): the first u32 is {@code size} (fewer than 4 readable bytes:
 * EFAULT); a number outside the command table: ENOTTY; {@code size < min_size}: EINVAL; {@code size > sizeof} with a
 * non-zero byte beyond sizeof: E2BIG (a zero tail is fine); a shorter size leaves the newer members zero.
 *
 * <p>Driver data ({@link #copyStructFromUser}, {@link #copyStructFromFullUserArray}, {@link #copyStructFromUserArray})
 * follow the kernel's iommu.h helpers, whose edges differ on purpose: a driver struct that is longer than the kernel's
 * is EINVAL (not E2BIG) in the single-struct helpers, while the full-array helper zero-fills short entries with no
 * minimum and gives E2BIG for a non-zero tail.
 *
 * <p>Per-command reserved and flag checks belong to the core; {@link #mustBeZero} and {@link #flagsWithin} give them
 * the kernel's EOPNOTSUPP with a precise message.
 */
public final class ExtensibleStructs {
    /**
     * The largest array the full-array helper accepts: it stands for the kernel's kcalloc of the destination array,
     * which fails (ENOMEM) above KMALLOC_MAX_SIZE (4 MiB with 4 KiB pages).
     */
    public static final long MAX_ARRAY_BYTES = 4L << 20;

    private ExtensibleStructs() {
    }

    // ---- top-level ioctl arguments ------------------------------------------------------------------------------

    /**
     * Decodes an ioctl argument the way {@code iommufd_fops_ioctl} does: command number, then {@code size}, then the
     * full ioctl value, then min_size, then {@link #copyStructFromUser(String, UserBuffer, long, int)}.
     *
     * @param ioctl the ioctl request value
     * @param user  the caller's memory at the argument pointer (it may hold more than {@code size} bytes, e.g.
     *              arrays that follow inline; only {@code size} bytes are read)
     */
    public static IoctlCall decodeIoctl(int ioctl, UserBuffer user) {
        return decodeIoctl(ioctl, user, KernelProfile.latest());
    }

    /**
     * {@link #decodeIoctl(int, UserBuffer)} as {@code profile}'s kernel does it: a command the release lacks is
     * ENOTTY, and the release's {@code sizeof} bounds the copy (a longer caller struct needs a zero tail from there,
     * else E2BIG); members the release did not have arrive zero.
     */
    public static IoctlCall decodeIoctl(int ioctl, UserBuffer user, KernelProfile profile) {
        Objects.requireNonNull(user, "user");
        IommufdCommand command = IommufdCommand.byNr(ioctl & 0xff).filter(profile::has).orElseThrow(() ->
            new UapiException(Errno.ENOTTY, String.format("ioctl 0x%x: command number 0x%x is not in %s's iommufd "
                + "table", ioctl, ioctl & 0xff, "kernel " + profile.name())));
        int size = readSize(command, user);
        if (command.ioctl() != ioctl) {
            throw new UapiException(Errno.ENOTTY, String.format("ioctl 0x%x is not %s (0x%x)", ioctl,
                command.ioctlName(), command.ioctl()));
        }
        long usize = Integer.toUnsignedLong(size);
        String name = command.struct().kernelName();
        if (usize < command.minSize()) {
            throw new UapiException(Errno.EINVAL, name + ": size " + usize + " is below min_size " + command.minSize()
                + " (offsetofend " + command.lastField() + ")");
        }
        byte[] kernel = Arrays.copyOf(copyStructFromUser(name, user, usize, profile.structSize(command)),
            command.size());
        return new IoctlCall(command, size, (IoctlStruct) command.struct().decode(kernel));
    }

    /** {@link #decodeIoctl(int, UserBuffer)} over bytes held in memory. */
    public static IoctlCall decodeIoctl(int ioctl, byte[] user) {
        return decodeIoctl(ioctl, UserBuffer.of(user));
    }

    /**
     * Applies the same rules to an argument that arrives already as a value (a typed API call): its {@code size}
     * decides which members the kernel sees. A value has no bytes beyond sizeof, so a larger size is a zero tail.
     */
    public static IoctlCall normalize(IoctlStruct argument) {
        return normalize(argument, KernelProfile.latest());
    }

    /** {@link #normalize(IoctlStruct)} under {@code profile}'s command table and struct sizes. */
    public static IoctlCall normalize(IoctlStruct argument, KernelProfile profile) {
        IommufdCommand command = IommufdCommand.byStruct(argument.structType()).orElseThrow(() ->
            new IllegalArgumentException("struct " + argument.kernelName() + " is not an ioctl argument"));
        byte[] bytes = argument.encode();
        // The caller's memory: the value's bytes, then zeros up to its size if that is larger.
        long extent = Math.max(argument.sizeUnsigned(), bytes.length);
        UserBuffer view = (offset, length) -> {
            if (offset < 0 || length < 0 || offset + length > extent) {
                throw new UapiException(Errno.EFAULT, "read beyond the argument's " + extent + " bytes");
            }
            byte[] out = new byte[length];
            for (int i = 0; i < length; i++) {
                long at = offset + i;
                out[i] = at < bytes.length ? bytes[(int) at] : 0;
            }
            return out;
        };
        return decodeIoctl(command.ioctl(), view, profile);
    }

    private static int readSize(IommufdCommand command, UserBuffer user) {
        byte[] b;
        try {
            b = user.read(0, 4);
        } catch (UapiException e) {
            throw new UapiException(Errno.EFAULT, command.struct().kernelName()
                + ": cannot read the 4-byte size member (" + e.reason() + ")");
        }
        return (int) CType.U32.read(b, 0);
    }

    /**
     * The kernel's {@code copy_struct_from_user(kdst, ksize, usrc, usize)}: returns {@code ksize} bytes. A shorter
     * caller struct is zero-filled; a longer one must be zero beyond {@code ksize} (E2BIG names the first non-zero
     * byte); a read of missing user memory is EFAULT.
     *
     * @param what  the struct's name, for messages
     * @param usize the caller's size, unsigned
     */
    public static byte[] copyStructFromUser(String what, UserBuffer user, long usize, int ksize) {
        if (usize < 0) {
            throw new IllegalArgumentException("usize is unsigned and below 2^63: " + usize);
        }
        if (usize > ksize) {
            checkZeroTail(what, user, ksize, usize);
        }
        int n = (int) Math.min(usize, ksize);
        byte[] head = user.read(0, n);
        return Arrays.copyOf(head, ksize);
    }

    /** Reads the caller's bytes {@code [from, to)} in chunks and fails with E2BIG at the first non-zero byte. */
    private static void checkZeroTail(String what, UserBuffer user, long from, long to) {
        final int chunk = 4096;
        for (long at = from; at < to; at += chunk) {
            int len = (int) Math.min(chunk, to - at);
            byte[] tail = user.read(at, len);
            for (int i = 0; i < len; i++) {
                if (tail[i] != 0) {
                    throw new UapiException(Errno.E2BIG, String.format(
                        "%s: size %d exceeds the kernel's %d bytes and byte %d of the unknown tail is 0x%02x", what, to,
                        from, at + i, tail[i] & 0xff));
                }
            }
        }
    }

    // ---- driver data (include/linux/iommu.h helpers) -------------------------------------------------------------

    /**
     * {@code iommu_copy_struct_from_user(kdst, user_data, data_type, min_last)}: the caller's type must be
     * {@code dataType} (EINVAL), and its length must lie within {@code [offsetofend(min_last), sizeof]} (EINVAL both
     * ways: a longer driver struct is EINVAL, not E2BIG); a shorter one is zero-filled.
     */
    public static <T extends Record & UapiStruct> T copyStructFromUser(UserData data, StructType<T> type, int dataType,
                                                                        String minLastField) {
        return type.decode(copyDriverStruct(type.kernelName(), data, dataType,
            type.layout().offsetOfEnd(minLastField), type.size()));
    }

    /**
     * {@link #copyStructFromUser(UserData, StructType, int, String)} for a driver struct known only by its sizes
     * (a driver behind the SPI): returns {@code ksize} bytes.
     *
     * @param what    the struct's name, for messages
     * @param minSize offsetofend of the last member of the struct's first version
     * @param ksize   sizeof the struct as the driver knows it
     */
    public static byte[] copyDriverStruct(String what, UserData data, int dataType, int minSize, int ksize) {
        checkType(what, data.type(), dataType);
        checkLength(what, "data_len", data.len(), minSize, ksize);
        return copyStructFromUser(what, data.buffer(), data.len(), ksize);
    }

    /**
     * {@code iommu_copy_struct_from_full_user_array(kdst, entry_size, array, data_type)}: the caller's type must be
     * {@code dataType} (EINVAL); {@code entry_num == 0} is EINVAL; each entry is copied with
     * {@link #copyStructFromUser(String, UserBuffer, long, int)} from {@code entry_len} bytes (shorter: zero-filled with
     * no minimum; longer with a non-zero tail: E2BIG); missing memory is EFAULT; an array larger than
     * {@link #MAX_ARRAY_BYTES} is ENOMEM.
     */
    public static <T extends Record & UapiStruct> List<T> copyStructFromFullUserArray(UserDataArray array,
                                                                                      StructType<T> type, int dataType) {
        List<T> out = new ArrayList<>();
        for (byte[] entry : copyFullUserArray(type.kernelName(), array, dataType, type.size())) {
            out.add(type.decode(entry));
        }
        return List.copyOf(out);
    }

    /**
     * {@link #copyStructFromFullUserArray(UserDataArray, StructType, int)} for entries known only by their size:
     * returns {@code entry_num} arrays of {@code entrySize} bytes.
     */
    public static List<byte[]> copyFullUserArray(String what, UserDataArray array, int dataType, int entrySize) {
        checkType(what, array.type(), dataType);
        long num = array.entryNumUnsigned();
        if (num == 0) {
            throw new UapiException(Errno.EINVAL, what + ": entry_num is 0 (the full-array helper needs entries)");
        }
        if (num * entrySize > MAX_ARRAY_BYTES) {
            throw new UapiException(Errno.ENOMEM, what + ": " + num + " entries of " + entrySize
                + " bytes exceed the kernel's largest allocation of " + MAX_ARRAY_BYTES + " bytes");
        }
        List<byte[]> out = new ArrayList<>((int) num);
        long entryLen = array.entryLen();
        for (long i = 0; i < num; i++) {
            long base = i * entryLen;
            if (entryLen != 0 && base / entryLen != i) {
                throw new UapiException(Errno.EFAULT, what + ": entry " + i + " lies beyond the address space");
            }
            out.add(copyStructFromUser(what + "[" + i + "]", array.buffer().from(base), entryLen, entrySize));
        }
        return out;
    }

    /**
     * {@code iommu_copy_struct_from_user_array(kdst, array, data_type, index, min_last)}: one entry by index, with the
     * single-struct helper's rules: type mismatch, {@code index >= entry_num}, {@code entry_len <
     * offsetofend(min_last)} and {@code entry_len > sizeof} are all EINVAL; a shorter entry is zero-filled.
     */
    public static <T extends Record & UapiStruct> T copyStructFromUserArray(UserDataArray array, StructType<T> type,
                                                                             int dataType, long index,
                                                                             String minLastField) {
        return type.decode(copyUserArrayEntry(type.kernelName(), array, dataType, index,
            type.layout().offsetOfEnd(minLastField), type.size()));
    }

    /**
     * {@link #copyStructFromUserArray(UserDataArray, StructType, int, long, String)} for an entry known only by its
     * sizes: returns {@code ksize} bytes.
     */
    public static byte[] copyUserArrayEntry(String what, UserDataArray array, int dataType, long index, int minSize,
                                            int ksize) {
        if (index < 0 || index >= array.entryNumUnsigned()) {
            throw new UapiException(Errno.EINVAL, what + ": index " + index + " is outside entry_num "
                + array.entryNumUnsigned());
        }
        checkType(what, array.type(), dataType);
        checkLength(what, "entry_len", array.entryLen(), minSize, ksize);
        UserBuffer entry = array.buffer().from(index * array.entryLen());
        return copyStructFromUser(what + "[" + index + "]", entry, array.entryLen(), ksize);
    }

    private static void checkType(String what, int type, int expected) {
        if (type != expected) {
            throw new UapiException(Errno.EINVAL, what + ": data type " + Integer.toUnsignedString(type)
                + " is not the expected " + Integer.toUnsignedString(expected));
        }
    }

    private static void checkLength(String name, String lenName, long len, int min, int ksize) {
        if (len < min) {
            throw new UapiException(Errno.EINVAL, name + ": " + lenName + " " + len + " is below " + min
                + " (offsetofend of the first version's last member)");
        }
        if (len > ksize) {
            throw new UapiException(Errno.EINVAL, name + ": " + lenName + " " + len + " is above sizeof " + ksize
                + " (driver data may not be longer than the kernel's struct)");
        }
    }

    // ---- copying back to the caller -----------------------------------------------------------------------------

    /**
     * How the kernel fills a caller's buffer of {@code userLen} bytes with its own struct (GET_HW_INFO data): the
     * first {@code min(userLen, kernel length)} bytes are the kernel's, the rest is zero.
     */
    public static byte[] fitToUser(byte[] kernelBytes, int userLen) {
        if (userLen < 0) {
            throw new IllegalArgumentException("userLen must be non-negative: " + userLen);
        }
        return Arrays.copyOf(kernelBytes, userLen);
    }

    // ---- reserved fields and flags ------------------------------------------------------------------------------

    /** A member the kernel requires to be 0 ({@code __reserved}, a flags word with no defined bits): EOPNOTSUPP. */
    public static void mustBeZero(String struct, String member, long value) {
        if (value != 0) {
            throw new UapiException(Errno.EOPNOTSUPP, String.format("%s.%s must be 0, is 0x%x", struct, member, value));
        }
    }

    /** A member that must be 0, checked for every element of a reserved array. */
    public static void mustBeZero(String struct, String member, List<? extends Number> values) {
        for (int i = 0; i < values.size(); i++) {
            mustBeZero(struct, member + "[" + i + "]", values.get(i).longValue());
        }
    }

    /** A flags member whose bits outside {@code allowed} are unknown to this kernel: EOPNOTSUPP naming those bits. */
    public static void flagsWithin(String struct, String member, long value, long allowed) {
        long unknown = value & ~allowed;
        if (unknown != 0) {
            throw new UapiException(Errno.EOPNOTSUPP, String.format("%s.%s has unsupported bits 0x%x (allowed 0x%x)",
                struct, member, unknown, allowed));
        }
    }
}
