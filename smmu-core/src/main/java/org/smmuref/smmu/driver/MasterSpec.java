package org.smmuref.smmu.driver;

/**
 * A device behind the SMMU as firmware describes it to the driver.
 *
 * @param streamId its single StreamID
 * @param atsCapable the endpoint implements PCIe ATS (the driver enables ATS only where the SMMU has IDR0.ATS too)
 */
public record MasterSpec(int streamId, boolean atsCapable) {
}
