package org.smmuref.conformance.tck;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian encoding of the TCK's own structs and commands (the uAPI is little-endian). */
public final class Le {
    private Le() {
    }

    /** The words as little-endian bytes. */
    public static byte[] words(long... w) {
        ByteBuffer b = ByteBuffer.allocate(w.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : w) {
            b.putLong(x);
        }
        return b.array();
    }

    /** Little-endian u32s. */
    public static byte[] ints(int... w) {
        ByteBuffer b = ByteBuffer.allocate(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : w) {
            b.putInt(x);
        }
        return b.array();
    }

    /** The u32 at {@code off}. */
    public static int u32(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(off);
    }

    /** The u64 at {@code off}. */
    public static long u64(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off);
    }
}
