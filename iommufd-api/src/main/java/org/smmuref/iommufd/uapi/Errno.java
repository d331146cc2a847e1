package org.smmuref.iommufd.uapi;

/** The Linux errno values that iommufd ioctls return, with their kernel numbers (asm-generic/errno*.h). */
public enum Errno {
    /** Operation not permitted. */
    EPERM(1),
    /** An object id or IOVA does not exist. */
    ENOENT(2),
    /** An illegal guest STE or an unsupported guest command. */
    EIO(5),
    /** No such device or address (a bad mmap offset). */
    ENXIO(6),
    /** Non-zero bytes in a part of a struct the kernel does not understand. */
    E2BIG(7),
    /** Bad file descriptor. */
    EBADF(9),
    /** Out of memory. */
    ENOMEM(12),
    /** A user pointer points at nothing. */
    EFAULT(14),
    /** The object is in use. */
    EBUSY(16),
    /** Already mapped or already allocated. */
    EEXIST(17),
    /** No such device. */
    ENODEV(19),
    /** Understood, but a field is wrong. */
    EINVAL(22),
    /** Unknown ioctl number. */
    ENOTTY(25),
    /** No space left (an IOVA allocation found no hole). */
    ENOSPC(28),
    /** Seeking a vEVENTQ file. */
    ESPIPE(29),
    /** Arithmetic overflow, such as iova + length wrapping. */
    EOVERFLOW(75),
    /** The caller's array is too small. */
    EMSGSIZE(90),
    /** An IOVA range is already in use: a reserved range meets a mapped or allowed one, or the reverse. */
    EADDRINUSE(98),
    /** A known field holds an unsupported value: an unknown flag bit or type, a reserved field. */
    EOPNOTSUPP(95);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The positive errno number, as the kernel returns it negated. */
    public int number() {
        return number;
    }

    /** The errno with the given positive number. */
    public static Errno of(int number) {
        for (Errno e : values()) {
            if (e.number == number) {
                return e;
            }
        }
        throw new IllegalArgumentException("no errno " + number + " in the iommufd set");
    }
}
