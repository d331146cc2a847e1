package org.smmuref.iommufd.platform;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.smmuref.iommufd.uapi.KernelProfile;

/**
 * What a machine is made of, as {@link ModelPlatform#describe()} reports it.
 *
 * @param name the platform's name ({@code [a-z0-9-]+}; the embedded default machine is {@code local})
 * @param ram the RAM ranges
 * @param iommus the IOMMU instances, numbered by position
 * @param cpus the physical CPUs of the KVM host (0 without KVM)
 * @param kvmVmidBits the KVM host's VMID width (0 without KVM)
 * @param vmidPolicy the configured VMID policy choice
 * @param kernel the kernel release contexts behave as unless opened for another ({@code KernelProfile} name)
 */
public record PlatformDescription(String name, List<RamRange> ram, List<Iommu> iommus, int cpus, int kvmVmidBits,
                                  String vmidPolicy, String kernel) {
    /** A description of a machine serving the newest kernel profile. */
    public PlatformDescription(String name, List<RamRange> ram, List<Iommu> iommus, int cpus, int kvmVmidBits,
                               String vmidPolicy) {
        this(name, ram, iommus, cpus, kvmVmidBits, vmidPolicy, KernelProfile.latest().name());
    }

    /** Copies the lists. */
    public PlatformDescription {
        Objects.requireNonNull(kernel);
        Objects.requireNonNull(name);
        ram = List.copyOf(ram);
        iommus = List.copyOf(iommus);
        Objects.requireNonNull(vmidPolicy);
    }

    /** One range of RAM. */
    public record RamRange(long base, long size) {
    }

    /**
     * One IOMMU instance.
     *
     * @param id its instance number (what VFIO bind names)
     * @param driver the driver's name
     * @param features named feature values (booleans and numbers: {@code s1p}, {@code btm}, {@code vmid_bits} ...)
     * @param idr the raw ID registers IDR0..IDR5
     * @param devices the devices behind it
     */
    public record Iommu(int id, String driver, Map<String, Object> features, List<Integer> idr, List<Device> devices) {
        /** Copies the collections. */
        public Iommu {
            features = Map.copyOf(features);
            idr = List.copyOf(idr);
            devices = List.copyOf(devices);
        }
    }

    /** One device: its StreamID and whether it can use ATS. */
    public record Device(int streamId, boolean atsCapable) {
    }
}
