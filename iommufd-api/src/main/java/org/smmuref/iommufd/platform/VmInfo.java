package org.smmuref.iommufd.platform;

import java.util.List;

/**
 * The state of one KVM VM as its VMM sees it.
 *
 * @param number the VM's number on its host (for names only)
 * @param vmid its current VMID index (0 if it never had one)
 * @param generation the allocator generation of that VMID
 * @param pinCount pins held on the VMID (an SMMU sharing it under BTM holds one)
 * @param vcpuCpus per vCPU, the physical CPU it is loaded on, or -1
 * @param destroyed whether the VM was destroyed
 */
public record VmInfo(int number, int vmid, long generation, int pinCount, List<Integer> vcpuCpus,
                     boolean destroyed) {
    /** Copies the list. */
    public VmInfo {
        vcpuCpus = List.copyOf(vcpuCpus);
    }
}
