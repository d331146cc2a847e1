package org.smmuref.smmu.hw;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

class CommandDecoderFuzzTest {
    private static final SmmuFeatures[] FEATURES = {
        SmmuFeatures.reference().build(),
        SmmuFeatures.builder().build(),
        SmmuFeatures.reference().ats(true).pri(true).mpam(true)
            .stallModel(SmmuFeatures.STALL_MODEL_STALL_AND_TERMINATE).ril(false).vmid16(false).build(),
    };

    /** Arbitrary dwords either decode to a command that re-encodes and decodes to itself, or are CERROR_ILL. */
    @FuzzTest(maxDuration = "10s")
    void arbitrary_dwords_decode_or_fail_with_cerror_ill(FuzzedDataProvider data) {
        SmmuFeatures features = FEATURES[data.consumeInt(0, FEATURES.length - 1)];
        boolean strict = data.consumeBoolean();
        long dword0 = data.consumeLong();
        long dword1 = data.consumeLong();
        CommandDecoder decoder = new CommandDecoder(features, strict);
        Command command;
        try {
            command = decoder.decode(dword0, dword1);
        } catch (IllegalCommandException e) {
            assertThat(e.opcode()).isEqualTo((int) (dword0 & 0xFF));
            return;
        }
        try {
            assertThat(decoder.decode(command.encode())).isEqualTo(command);
        } catch (IllegalCommandException e) {
            throw new AssertionError("re-encoded " + command + " is illegal: " + e.getMessage(), e);
        }
    }
}
