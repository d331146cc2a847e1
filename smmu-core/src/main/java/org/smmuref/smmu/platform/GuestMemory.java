package org.smmuref.smmu.platform;

import org.smmuref.smmu.pgtable.TableMemory;

/**
 * A guest's RAM as the VMM lays it out: {@code size} bytes of the VMM's process memory at {@code vaBase}, which the
 * VMM maps into its IOAS at IOVA = IPA = {@code ipaBase}. The guest reads and writes by IPA; a stage-1 table built here
 * holds IPAs, exactly like a real guest's.
 */
public final class GuestMemory {
    private final ProcessMemory vmm;
    private final long vaBase;
    private final long ipaBase;
    private final long size;

    /** Maps fresh guest RAM into the VMM's address space at {@code vaBase}. */
    public GuestMemory(ProcessMemory vmm, long vaBase, long ipaBase, long size) {
        this.vmm = vmm;
        this.vaBase = vaBase;
        this.ipaBase = ipaBase;
        this.size = size;
        vmm.mmap(vaBase, size);
    }

    /** The VMM's VA of guest RAM (IOAS_MAP's user_va). */
    public long vaBase() {
        return vaBase;
    }

    /** The first IPA (IOAS_MAP's IOVA). */
    public long ipaBase() {
        return ipaBase;
    }

    /** The bytes of guest RAM. */
    public long size() {
        return size;
    }

    /** The VMM VA behind {@code ipa}. */
    public long va(long ipa) {
        if (Long.compareUnsigned(ipa - ipaBase, size) >= 0) {
            throw new IllegalArgumentException("IPA 0x" + Long.toHexString(ipa) + " is not guest RAM");
        }
        return vaBase + (ipa - ipaBase);
    }

    /** The host PA behind {@code ipa} (what a correct nested translation must reach). */
    public long pa(long ipa) {
        return vmm.physicalAddress(va(ipa));
    }

    /** The guest writes 64-bit words at {@code ipa}. */
    public void writeLongs(long ipa, long... values) {
        for (int i = 0; i < values.length; i++) {
            writeLong(ipa + 8L * i, values[i]);
        }
    }

    /** The guest writes one 64-bit little-endian word. */
    public void writeLong(long ipa, long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        vmm.write(va(ipa), b);
    }

    /** The guest reads one 64-bit little-endian word. */
    public long readLong(long ipa) {
        byte[] b = vmm.read(va(ipa), 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    /** Guest bytes. */
    public void write(long ipa, byte[] bytes) {
        vmm.write(va(ipa), bytes);
    }

    /** Guest bytes. */
    public byte[] read(long ipa, int length) {
        return vmm.read(va(ipa), length);
    }

    /** The guest's view for building tables addressed by IPA. */
    public TableMemory tableMemory() {
        return new TableMemory() {
            @Override
            public long readLong(long address) {
                return GuestMemory.this.readLong(address);
            }

            @Override
            public void writeLong(long address, long value) {
                GuestMemory.this.writeLong(address, value);
            }
        };
    }
}
