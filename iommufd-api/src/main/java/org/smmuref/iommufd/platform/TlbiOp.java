package org.smmuref.iommufd.platform;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A broadcast TLB maintenance instruction a PE issues: guest EL1 operations from a loaded vCPU
 * ({@code VMALLE1IS ASIDE1IS VAE1IS VAAE1IS RVAE1IS RVAAE1IS}) or KVM's EL2 operations for one VM
 * ({@code VMALLS12E1IS IPAS2E1IS RIPAS2E1IS}).
 *
 * @param op the mnemonic without the last-level {@code L} ({@code VAE1IS} with {@code leaf} is {@code VALE1IS})
 * @param asid the ASID of the ASID-scoped operations
 * @param address the VA (or IPA) of the address and range operations; the range's base
 * @param leaf the last-level form
 * @param tg range operations: TG (1 = 4K, 2 = 16K, 3 = 64K)
 * @param scale range operations: SCALE
 * @param num range operations: NUM
 * @param ttl range operations: TTL
 */
public record TlbiOp(String op, int asid, long address, boolean leaf, int tg, int scale, int num, int ttl) {
    /** Operations a guest issues from a loaded vCPU. */
    public static final Set<String> GUEST = Set.of("VMALLE1IS", "ASIDE1IS", "VAE1IS", "VAAE1IS", "RVAE1IS",
        "RVAAE1IS");
    /** Operations KVM issues at EL2 for one VM. */
    public static final Set<String> HOST = Set.of("VMALLS12E1IS", "IPAS2E1IS", "RIPAS2E1IS");

    /** Normalizes the mnemonic to upper case and checks it is known. */
    public TlbiOp {
        Objects.requireNonNull(op, "op");
        op = op.toUpperCase(Locale.ROOT);
        if (!GUEST.contains(op) && !HOST.contains(op)) {
            throw new IllegalArgumentException("unknown TLBI operation " + op + "; one of " + GUEST + " or " + HOST);
        }
    }

    /** Whether a guest vCPU issues it (else KVM at EL2). */
    public boolean guest() {
        return GUEST.contains(op);
    }
}
