package org.smmuref.smmu.hw;

import static org.smmuref.smmu.hw.SmmuLayouts.L1CD_L2PTR;
import static org.smmuref.smmu.hw.SmmuLayouts.L1CD_V;

/**
 * The CD table walk of a stage-1 STE: selects the CD for a transaction's substream (or none), linear or 2-level
 * (S1Fmt), applying S1CDMax, S1DSS and the L1CD rules (smmuv3.md sections 2, 3 and 5; SPEC 5.2 S1Fmt/S1CDMax/S1DSS).
 *
 * <p>Addresses come from the STE and the L1CDs and are IPAs when the STE is nested: the {@link DescriptorFetcher}
 * resolves them. Bits of S1ContextPtr that are RES0 for the table's size are treated as zero (one of the
 * CONSTRAINED UNPREDICTABLE choices the spec allows).
 */
public final class CdTable {
    /** Size of one CD in bytes. */
    public static final int CD_BYTES = 64;
    /** Size of one L1CD in bytes. */
    public static final int L1CD_BYTES = 8;

    private CdTable() {
    }

    /** The outcome of a CD table lookup. */
    public sealed interface Lookup permits Stage1Bypass, Descriptor {
    }

    /** No CD is used: stage 1 bypasses (Config without stage 1, or S1DSS=0b01 for a transaction without SSID). */
    public record Stage1Bypass() implements Lookup {
    }

    /**
     * The CD to use.
     *
     * @param address the CD's address (an IPA when the STE is nested)
     * @param index the CD's index in the table (the SubstreamID, or 0)
     * @param dwords the fetched CD
     */
    public record Descriptor(long address, int index, long[] dwords) implements Lookup {
    }

    /**
     * Selects and fetches the CD for one transaction.
     *
     * @param ste the decoded STE (Config must not be {@link Ste.Config#ABORT})
     * @param ssv whether the transaction carries a SubstreamID
     * @param substreamId the SubstreamID (only read when {@code ssv})
     * @throws ConfigFault C_BAD_SUBSTREAMID, F_STREAM_DISABLED, or F_CD_FETCH (with the physical address) when a
     *     fetch aborts
     */
    public static Lookup lookup(Ste ste, SmmuFeatures f, boolean ssv, int substreamId, DescriptorFetcher fetcher) {
        if (ste.config() == Ste.Config.ABORT) {
            throw new IllegalArgumentException("an aborting STE has no CD table");
        }
        long ssid = Integer.toUnsignedLong(substreamId);
        if (ssv && f.ssidSize() == 0) {
            throw badSsid(ssid, "the SMMU does not support substreams (IDR1.SSIDSIZE=0)");
        }
        Ste.Stage1 s1 = ste.stage1();
        if (s1 == null) {
            if (ssv) {
                throw badSsid(ssid, "stage 1 is not enabled by the STE (Config " + ste.config() + ")");
            }
            return new Stage1Bypass();
        }
        int index;
        if (!s1.substreamsEnabled()) {
            if (ssv) {
                throw badSsid(ssid, "substreams are disabled by the STE (S1CDMax=0)");
            }
            index = 0;
        } else if (!ssv) {
            switch (s1.s1Dss()) {
                case 0b01:
                    return new Stage1Bypass();
                case 0b10:
                    index = 0;
                    break;
                default:
                    throw ConfigFault.of(ConfigEvent.F_STREAM_DISABLED,
                        "transaction without a SubstreamID and S1DSS=0b00 (terminate)");
            }
        } else {
            if ((ssid >>> s1.s1CdMax()) != 0) {
                throw badSsid(ssid, "SubstreamID >= 2^S1CDMax (S1CDMax=" + s1.s1CdMax() + ")");
            }
            if (ssid == 0 && s1.s1Dss() == 0b10) {
                throw ConfigFault.of(ConfigEvent.F_STREAM_DISABLED,
                    "SubstreamID 0 is reserved for transactions without a SubstreamID (S1DSS=0b10)");
            }
            index = (int) ssid;
        }
        long address = cdAddress(s1, f, index, fetcher);
        return new Descriptor(address, index, fetch(fetcher, address, 8));
    }

    private static long cdAddress(Ste.Stage1 s1, SmmuFeatures f, int index, DescriptorFetcher fetcher) {
        long ptr = s1.contextPtr();
        if (s1.s1Fmt() == 0) {
            return StreamTable.alignDown(ptr, s1.s1CdMax() + 6) + (long) index * CD_BYTES;
        }
        int leafBits = s1.s1Fmt() == 1 ? 6 : 10; // 4 KB leaves of 64 CDs, 64 KB leaves of 1024 CDs
        int l1Bits = Math.max(0, s1.s1CdMax() - leafBits);
        long l1Base = StreamTable.alignDown(ptr, Math.max(6, l1Bits + 3));
        long l1Address = l1Base + (long) (index >>> leafBits) * L1CD_BYTES;
        long[] l1cd = fetch(fetcher, l1Address, 1);
        if (L1CD_V.get(l1cd) == 0) {
            throw badSsid(index, String.format("L1CD at 0x%x has V=0", l1Address));
        }
        long l2 = StreamTable.alignDown(L1CD_L2PTR.display(l1cd), leafBits + 6);
        int limitBits = s1.contextPtrIsIpa() ? f.iasBits() : f.oasBits();
        if (!Ste.fitsIn(l2, limitBits)) {
            throw badSsid(index, String.format("L1CD at 0x%x: L2Ptr=0x%x is outside the %d-bit %s", l1Address, l2,
                limitBits, s1.contextPtrIsIpa() ? "IAS" : "OAS"));
        }
        return l2 + (long) (index & ((1 << leafBits) - 1)) * CD_BYTES;
    }

    private static long[] fetch(DescriptorFetcher fetcher, long address, int dwords) {
        try {
            return fetcher.fetch(address, dwords);
        } catch (ExternalAbortException e) {
            throw ConfigFault.fetch(ConfigEvent.F_CD_FETCH, e.address(),
                String.format("external abort fetching the CD table at 0x%x", e.address()));
        }
    }

    private static ConfigFault badSsid(long ssid, String why) {
        return ConfigFault.of(ConfigEvent.C_BAD_SUBSTREAMID, String.format("SubstreamID 0x%x: %s", ssid, why));
    }
}
