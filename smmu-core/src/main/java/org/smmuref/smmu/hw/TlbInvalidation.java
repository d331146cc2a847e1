package org.smmuref.smmu.hw;

/**
 * One TLB maintenance operation on the non-secure TLB, as decoded from a CMDQ TLBI command or received as a
 * broadcast TLBI from a PE (BTM).
 *
 * <p>The scopes follow the SMMUv3 spec's table of what each command invalidates (smmuv3.md section 7.2). Entries
 * cached for stage 1 are tagged (VMID, ASID or global, ASET); entries cached for an IPA (stage 2) carry a VMID and no
 * ASID. Over-invalidation is always allowed; under-invalidation never.
 */
public sealed interface TlbInvalidation {

    /** The VMID this operation is scoped to, if it has one (EL2 and NSNH_ALL operations have none). */
    default java.util.OptionalInt vmidScope() {
        return java.util.OptionalInt.empty();
    }

    /** The same operation scoped to another VMID; operations without a VMID return themselves. */
    default TlbInvalidation withVmid(int vmid) {
        return this;
    }

    /**
     * The address span of a by-address invalidation.
     *
     * @param tgShift 0 when the command had TG=0 (one address, any granule); else 12, 14 or 16 for 4K/16K/64K
     * @param scale SCALE (range = (NUM+1) * 2^SCALE granules); 0 when {@code tgShift == 0}
     * @param num NUM; 0 when {@code tgShift == 0}
     * @param ttl TTL level hint: 0 = any level, 1..3 = leaf at that level
     */
    record Range(int tgShift, int scale, int num, int ttl) {
        /** A single address, any granule, any level. */
        public static final Range SINGLE = new Range(0, 0, 0, 0);

        /** Validates the fields. */
        public Range {
            if (tgShift != 0 && tgShift != 12 && tgShift != 14 && tgShift != 16) {
                throw new IllegalArgumentException("tgShift must be 0, 12, 14 or 16, was " + tgShift);
            }
            if (scale < 0 || scale > 31 || num < 0 || num > 31 || ttl < 0 || ttl > 3) {
                throw new IllegalArgumentException("range fields out of bounds: scale=" + scale + " num=" + num
                    + " ttl=" + ttl);
            }
        }

        /** Whether this describes a range (TG != 0) rather than one address. */
        public boolean isRange() {
            return tgShift != 0;
        }

        /** The number of bytes covered from the (granule-aligned) start address; 1 for a single address. */
        public long bytes() {
            return isRange() ? ((long) num + 1) << (scale + tgShift) : 1L;
        }
    }

    /** TLBI_NSNH_ALL, or a broadcast ALLE1IS: every non-secure, non-EL2 entry, all VMIDs, both stages. */
    record NsnhAll() implements TlbInvalidation {
    }

    /** TLBI_NH_ALL(VMID), or broadcast VMALLE1IS: all stage-1 NS-EL1 entries of the VMID, global ones included. */
    record NhAll(int vmid) implements TlbInvalidation {
        @Override
        public java.util.OptionalInt vmidScope() {
            return java.util.OptionalInt.of(vmid);
        }

        @Override
        public NhAll withVmid(int vmid) {
            return new NhAll(vmid);
        }
    }

    /**
     * TLBI_NH_ASID(VMID, ASID), or broadcast ASIDE1IS: non-global stage-1 entries of (VMID, ASID).
     *
     * @param broadcast true when it came from a PE; then entries with CD.ASET=1 are not affected
     */
    record NhAsid(int vmid, int asid, boolean broadcast) implements TlbInvalidation {
        @Override
        public java.util.OptionalInt vmidScope() {
            return java.util.OptionalInt.of(vmid);
        }

        @Override
        public NhAsid withVmid(int vmid) {
            return new NhAsid(vmid, asid, broadcast);
        }
    }

    /**
     * TLBI_NH_VA(VMID, ASID, VA), or broadcast VAE1IS / VALE1IS / RVAE1IS: stage-1 entries of (VMID, ASID) and global
     * entries of the VMID that translate an address in the range.
     *
     * @param broadcast true when it came from a PE; then entries with CD.ASET=1 are not affected
     */
    record NhVa(int vmid, int asid, long address, Range range, boolean leaf, boolean broadcast)
        implements TlbInvalidation {
        @Override
        public java.util.OptionalInt vmidScope() {
            return java.util.OptionalInt.of(vmid);
        }

        @Override
        public NhVa withVmid(int vmid) {
            return new NhVa(vmid, asid, address, range, leaf, broadcast);
        }
    }

    /** TLBI_NH_VAA(VMID, VA), or broadcast VAAE1IS: stage-1 entries of the VMID for the range, any ASID. */
    record NhVaa(int vmid, long address, Range range, boolean leaf) implements TlbInvalidation {
        @Override
        public java.util.OptionalInt vmidScope() {
            return java.util.OptionalInt.of(vmid);
        }

        @Override
        public NhVaa withVmid(int vmid) {
            return new NhVaa(vmid, address, range, leaf);
        }
    }

    /**
     * TLBI_S2_IPA(VMID, IPA), or broadcast IPAS2E1IS: stage-2 (IPA) entries of the VMID for the range. Combined
     * stage-1+2 entries need not be hit; software pairs this with an NH_ALL or NH_VAA.
     */
    record S2Ipa(int vmid, long ipa, Range range, boolean leaf) implements TlbInvalidation {
        @Override
        public java.util.OptionalInt vmidScope() {
            return java.util.OptionalInt.of(vmid);
        }

        @Override
        public S2Ipa withVmid(int vmid) {
            return new S2Ipa(vmid, ipa, range, leaf);
        }
    }

    /** TLBI_S12_VMALL(VMID), or broadcast VMALLS12E1IS: every entry of the VMID at both stages. */
    record S12Vmall(int vmid) implements TlbInvalidation {
        @Override
        public java.util.OptionalInt vmidScope() {
            return java.util.OptionalInt.of(vmid);
        }

        @Override
        public S12Vmall withVmid(int vmid) {
            return new S12Vmall(vmid);
        }
    }

    /** TLBI_EL2_ALL: every EL2 and EL2-E2H entry. */
    record El2All() implements TlbInvalidation {
    }

    /** TLBI_EL2_ASID(ASID): non-global EL2-E2H entries of the ASID. */
    record El2Asid(int asid) implements TlbInvalidation {
    }

    /** TLBI_EL2_VA(ASID, VA): EL2 / EL2-E2H entries for the range with the ASID, and global ones. */
    record El2Va(int asid, long address, Range range, boolean leaf) implements TlbInvalidation {
    }

    /** TLBI_EL2_VAA(VA): EL2 / EL2-E2H entries for the range, any ASID. */
    record El2Vaa(long address, Range range, boolean leaf) implements TlbInvalidation {
    }
}
