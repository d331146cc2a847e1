package org.smmuref.kvm;

/**
 * A broadcast (inner-shareable) TLB maintenance instruction as a PE issues it; delivered to every subscriber (the
 * SMMU BTM ports) inside a {@link TlbiBroadcast} that carries the VMID tag of the issuing context.
 *
 * <p>{@link Guest} operations run at EL1 in a loaded vCPU and are tagged by the hardware with VTTBR_EL2.VMID, that is
 * the VM's current KVM VMID. {@link Hyp} operations are issued by KVM at EL2 on behalf of one VM, with that VM's
 * VMID loaded. {@link Alle1is} is KVM's {@code __kvm_flush_vm_context} after a rollover: every VMID.
 */
public sealed interface Tlbi {

    /** The Arm mnemonic of the instruction (the last-level form when {@code leaf} is set). */
    String mnemonic();

    /** Whether the operation is limited to the entries of the VMID it is tagged with. */
    default boolean scopedToVmid() {
        return true;
    }

    /** EL1 operations a guest issues from a running vCPU. */
    sealed interface Guest extends Tlbi {
    }

    /** EL2 operations KVM issues for one VM (stage-2 and combined maintenance). */
    sealed interface Hyp extends Tlbi {
    }

    /**
     * The range of a TLBI R* instruction: {@code (NUM+1) * 2^(5*SCALE+1)} granules from the base address.
     *
     * @param tg the TG field: 1 = 4 KB, 2 = 16 KB, 3 = 64 KB granule (0 is reserved: the instruction does nothing)
     * @param scale SCALE, 0..3
     * @param num NUM, 0..31
     * @param ttl TTL: 0 = leaf at any level, 1..3 = leaf at that level
     */
    record Range(int tg, int scale, int num, int ttl) {
        /** Validates the fields against their widths. */
        public Range {
            if (tg < 1 || tg > 3) {
                throw new IllegalArgumentException("TG must be 1 (4K), 2 (16K) or 3 (64K), was " + tg);
            }
            if (scale < 0 || scale > 3 || num < 0 || num > 31 || ttl < 0 || ttl > 3) {
                throw new IllegalArgumentException("range fields out of bounds: SCALE=" + scale + " NUM=" + num
                    + " TTL=" + ttl);
            }
        }

        /** log2 of the translation granule: 12, 14 or 16. */
        public int granuleShift() {
            return switch (tg) {
                case 1 -> 12;
                case 2 -> 14;
                default -> 16;
            };
        }

        /** The number of bytes covered. */
        public long bytes() {
            return ((long) num + 1) << (5 * scale + 1 + granuleShift());
        }

        void requireAligned(long base, String what) {
            if ((base & ((1L << granuleShift()) - 1)) != 0) {
                throw new IllegalArgumentException(what + " 0x" + Long.toHexString(base) + " is not aligned to the "
                    + (1 << (granuleShift() - 10)) + " KB granule");
            }
        }
    }

    /** TLBI VMALLE1IS: every stage-1 entry of the VMID. */
    record Vmalle1is() implements Guest {
        @Override
        public String mnemonic() {
            return "VMALLE1IS";
        }
    }

    /** TLBI ASIDE1IS: the non-global stage-1 entries of (VMID, ASID). */
    record Aside1is(int asid) implements Guest {
        /** Validates the ASID. */
        public Aside1is {
            requireAsid(asid);
        }

        @Override
        public String mnemonic() {
            return "ASIDE1IS";
        }
    }

    /** TLBI VAE1IS / VALE1IS: the stage-1 entries of (VMID, ASID) and the global ones of the VMID for one VA. */
    record Vae1is(int asid, long va, boolean leaf) implements Guest {
        /** Validates the ASID. */
        public Vae1is {
            requireAsid(asid);
        }

        @Override
        public String mnemonic() {
            return leaf ? "VALE1IS" : "VAE1IS";
        }
    }

    /** TLBI VAAE1IS / VAALE1IS: the stage-1 entries of the VMID for one VA, any ASID. */
    record Vaae1is(long va, boolean leaf) implements Guest {
        @Override
        public String mnemonic() {
            return leaf ? "VAALE1IS" : "VAAE1IS";
        }
    }

    /** TLBI RVAE1IS / RVALE1IS: like VAE1IS over a range. */
    record Rvae1is(int asid, long baseVa, Range range, boolean leaf) implements Guest {
        /** Validates the ASID and the alignment of the base. */
        public Rvae1is {
            requireAsid(asid);
            java.util.Objects.requireNonNull(range, "range").requireAligned(baseVa, "base VA");
        }

        @Override
        public String mnemonic() {
            return leaf ? "RVALE1IS" : "RVAE1IS";
        }
    }

    /** TLBI RVAAE1IS / RVAALE1IS: like VAAE1IS over a range. */
    record Rvaae1is(long baseVa, Range range, boolean leaf) implements Guest {
        /** Validates the alignment of the base. */
        public Rvaae1is {
            java.util.Objects.requireNonNull(range, "range").requireAligned(baseVa, "base VA");
        }

        @Override
        public String mnemonic() {
            return leaf ? "RVAALE1IS" : "RVAAE1IS";
        }
    }

    /** TLBI VMALLS12E1IS: every entry of the VMID, both stages. */
    record Vmalls12e1is() implements Hyp {
        @Override
        public String mnemonic() {
            return "VMALLS12E1IS";
        }
    }

    /** TLBI IPAS2E1IS / IPAS2LE1IS: the stage-2 entries of the VMID for one IPA. */
    record Ipas2e1is(long ipa, boolean leaf) implements Hyp {
        /** Validates the IPA. */
        public Ipas2e1is {
            requireIpa(ipa);
        }

        @Override
        public String mnemonic() {
            return leaf ? "IPAS2LE1IS" : "IPAS2E1IS";
        }
    }

    /** TLBI RIPAS2E1IS / RIPAS2LE1IS: like IPAS2E1IS over a range. */
    record Ripas2e1is(long baseIpa, Range range, boolean leaf) implements Hyp {
        /** Validates the IPA and its alignment. */
        public Ripas2e1is {
            requireIpa(baseIpa);
            java.util.Objects.requireNonNull(range, "range").requireAligned(baseIpa, "base IPA");
        }

        @Override
        public String mnemonic() {
            return leaf ? "RIPAS2LE1IS" : "RIPAS2E1IS";
        }
    }

    /** TLBI ALLE1IS: every EL1&amp;0 entry of every VMID, both stages (KVM's flush after a VMID rollover). */
    record Alle1is() implements Tlbi {
        @Override
        public String mnemonic() {
            return "ALLE1IS";
        }

        @Override
        public boolean scopedToVmid() {
            return false;
        }
    }

    private static void requireAsid(int asid) {
        if (asid < 0 || asid > 0xffff) {
            throw new IllegalArgumentException("ASID must be 0..65535, was " + asid);
        }
    }

    private static void requireIpa(long ipa) {
        if (ipa < 0 || ipa >= 1L << 52) {
            throw new IllegalArgumentException("IPA must be below 2^52, was 0x" + Long.toHexString(ipa));
        }
    }
}
