package org.smmuref.conformance.suites;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.smmuref.conformance.tck.Le;
import org.smmuref.conformance.tck.Verification;
import org.smmuref.iommufd.uapi.Errno;
import org.smmuref.iommufd.uapi.UserBuffer;

/**
 * uAPI layout and the extensible-struct rules of {@code iommufd_fops_ioctl} (drivers/iommu/iommufd/main.c; spec
 * sheet iommufd-driver.md §1.2), checked at the byte level with the TCK's own offsets.
 */
public class UapiVerification extends Verification {
    /** IOMMU_IOAS_ALLOC = _IO(';', 0x81). */
    static final int IOAS_ALLOC = 0x3b81;
    /** IOMMU_DESTROY = _IO(';', 0x80). */
    static final int DESTROY = 0x3b80;

    /** A writable user buffer over a byte array, as the caller's memory at the ioctl argument. */
    static final class Buf implements UserBuffer {
        final byte[] bytes;

        Buf(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public byte[] read(long offset, int length) {
            if (offset < 0 || offset + length > bytes.length) {
                throw new org.smmuref.iommufd.uapi.UapiException(Errno.EFAULT, "outside the argument");
            }
            return Arrays.copyOfRange(bytes, (int) offset, (int) offset + length);
        }

        @Override
        public void write(long offset, byte[] data) {
            if (offset < 0 || offset + data.length > bytes.length) {
                throw new org.smmuref.iommufd.uapi.UapiException(Errno.EFAULT, "outside the argument");
            }
            System.arraycopy(data, 0, bytes, (int) offset, data.length);
        }
    }

    private int ctx() {
        return target.platform().openContext(org.smmuref.iommufd.IommufdAbi.UPSTREAM);
    }

    /** main.c: a size below min_size (offsetofend(iommu_ioas_alloc, out_ioas_id) = 12) is EINVAL. */
    @Test
    public void required_uapi_0101_sizeBelowMinSizeIsEinval() {
        int ctx = ctx();
        Buf b = new Buf(Le.ints(8, 0, 0));
        checkErrno("IOAS_ALLOC size=8", Errno.EINVAL, () -> target.iommufd().ioctl(ctx, IOAS_ALLOC, b));
    }

    /** copy_struct_from_user: bytes beyond the kernel's struct must be zero, else E2BIG. */
    @Test
    public void required_uapi_0102_nonZeroTailBeyondKernelStructIsE2big() {
        int ctx = ctx();
        Buf b = new Buf(Le.ints(16, 0, 0, 7));
        checkErrno("IOAS_ALLOC size=16 tail=7", Errno.E2BIG, () -> target.iommufd().ioctl(ctx, IOAS_ALLOC, b));
    }

    /** copy_struct_from_user: a larger struct whose extra bytes are zero is accepted. */
    @Test
    public void required_uapi_0103_zeroTailBeyondKernelStructIsAccepted() {
        int ctx = ctx();
        Buf b = new Buf(Le.ints(16, 0, 0, 0));
        check("IOAS_ALLOC size=16 tail=0", "success", outcome(() -> target.iommufd().ioctl(ctx, IOAS_ALLOC, b)));
    }

    /** iommufd_ioas_alloc_ioctl: non-zero flags are EOPNOTSUPP. */
    @Test
    public void required_uapi_0104_nonZeroFlagsAreEopnotsupp() {
        int ctx = ctx();
        Buf b = new Buf(Le.ints(12, 1, 0));
        checkErrno("IOAS_ALLOC flags=1", Errno.EOPNOTSUPP, () -> target.iommufd().ioctl(ctx, IOAS_ALLOC, b));
    }

    /**
     * struct iommu_ioas_alloc { u32 size; u32 flags; u32 out_ioas_id; }: the id comes back at offset 8, the in
     * fields are written back unchanged, and IOMMU_DESTROY { u32 size; u32 id; } takes that id.
     */
    @Test
    public void required_uapi_0201_ioasAllocWritesOutIoasIdAtOffset8() {
        int ctx = ctx();
        Buf b = new Buf(Le.ints(12, 0, 0));
        target.iommufd().ioctl(ctx, IOAS_ALLOC, b);
        check("IOAS_ALLOC: size at offset 0", 12, Le.u32(b.bytes, 0));
        check("IOAS_ALLOC: flags at offset 4", 0, Le.u32(b.bytes, 4));
        int id = Le.u32(b.bytes, 8);
        check("IOAS_ALLOC: out_ioas_id at offset 8 is a live id (DESTROY of it)", "success",
            outcome(() -> target.iommufd().ioctl(ctx, DESTROY, new Buf(Le.ints(8, id)))));
    }

    /** iommufd_fops_ioctl: a command number outside the table is ENOTTY. */
    @Test
    public void required_uapi_0301_unknownCommandIsEnotty() {
        int ctx = ctx();
        checkErrno("ioctl 0x3bff", Errno.ENOTTY, () -> target.iommufd().ioctl(ctx, 0x3bff, new Buf(Le.ints(8, 0))));
    }
}
