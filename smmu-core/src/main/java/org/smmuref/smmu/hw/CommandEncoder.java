package org.smmuref.smmu.hw;

/** Writes fields by their layout names, so that encoding and the layouts cannot disagree. */
final class CommandEncoder {
    private final CommandOpcode opcode;
    private final long[] dwords = new long[2];

    CommandEncoder(CommandOpcode opcode) {
        this.opcode = opcode;
        set("Opcode", opcode.code());
    }

    CommandEncoder set(String field, long value) {
        opcode.layout().field(field).set(dwords, value);
        return this;
    }

    CommandEncoder flag(String field, boolean value) {
        return set(field, value ? 1 : 0);
    }

    CommandEncoder address(String field, long byteAddress) {
        opcode.layout().field(field).setDisplay(dwords, byteAddress);
        return this;
    }

    CommandEncoder stream(int streamId, boolean ssv, int substreamId) {
        return set("StreamID", Integer.toUnsignedLong(streamId)).flag("SSV", ssv).set("SubstreamID", substreamId);
    }

    /** Address, Leaf and the range fields NUM, SCALE, TG, TTL of an address-based TLBI. */
    CommandEncoder range(long address, TlbInvalidation.Range range, boolean leaf) {
        int tg = switch (range.tgShift()) {
            case 12 -> 1;
            case 14 -> 2;
            case 16 -> 3;
            default -> 0;
        };
        Field addr = opcode.layout().field("Address");
        // Address fields hold bits [msb:12]; the IPA's field is narrower than the VA's.
        set("Address", (address >>> 12) & Bits.mask(addr.width()));
        return flag("Leaf", leaf).set("TG", tg).set("NUM", range.num()).set("SCALE", range.scale())
            .set("TTL", range.ttl());
    }

    long[] dwords() {
        return dwords.clone();
    }
}
