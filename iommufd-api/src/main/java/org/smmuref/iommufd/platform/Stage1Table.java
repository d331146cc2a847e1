package org.smmuref.iommufd.platform;

/**
 * A stage-1 table tree a guest built in its RAM ({@link ModelPlatform#createStage1Table}).
 *
 * @param id its number within the context
 * @param ttb the IPA of the top-level table (CD.TTB0)
 * @param tsz T0SZ
 * @param granuleShift 12, 14 or 16
 * @param startLevel the level of the top table
 */
public record Stage1Table(int id, long ttb, int tsz, int granuleShift, int startLevel) {
}
