package org.smmuref.smmu.hw;

/** The outcome of translating one address: a {@link Translation} or a {@link TranslationFault}. */
public sealed interface TranslationResult permits Translation, TranslationFault {
    /** Whether this is a successful translation. */
    default boolean isTranslation() {
        return this instanceof Translation;
    }
}
