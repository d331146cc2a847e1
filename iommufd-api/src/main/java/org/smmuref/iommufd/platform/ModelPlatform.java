package org.smmuref.iommufd.platform;

import java.util.List;
import org.smmuref.iommufd.IommufdAbi;
import org.smmuref.iommufd.KvmVmFile;

/**
 * The machine around an {@link org.smmuref.iommufd.Iommufd} service, as a VMM and a test bench reach it: VMM
 * processes with their memory, guest RAM inside them, stage-1 tables a guest builds, device DMA through the IOMMUs,
 * the hardware-level view (MMIO registers, physical memory) and the machine's description.
 *
 * <p>It is the public counterpart of the platform the iommufd core runs on, so that a front end (the event-bus
 * server) and the conformance suite can drive a whole nested flow without seeing the hardware model's classes; a
 * remote or vendor target implements the same interface.
 *
 * <p>Every failure is an {@link org.smmuref.iommufd.IommufdException} with the errno a VMM would see: EBADF for a
 * context this platform did not open (or closed), EFAULT for memory that is not mapped, EINVAL for a malformed
 * argument, ENODEV for an IOMMU instance that does not exist, ENOENT for an unknown table. Implementations are
 * thread-safe; DMA calls may run concurrently with each other and with ioctls.
 */
public interface ModelPlatform {

    /** What the machine is: RAM, IOMMUs with their features and devices, CPUs. */
    PlatformDescription describe();

    // ------------------------------------------------------------------ VMM processes

    /**
     * Starts a VMM process with an empty address space of its own and opens {@code /dev/iommu} in it: returns the
     * iommufd context fd (of the same {@code Iommufd} service). User pointers of the context resolve in that
     * process's memory only.
     */
    int openContext(IommufdAbi abi);

    /**
     * Closes the context (everything in it is destroyed, its devices unbound) and ends its process: the process's
     * memory, guest RAM and stage-1 tables are released.
     */
    void closeContext(int ctx);

    /** Maps fresh zeroed memory at {@code [va, va + length)} of the context's process (4 KB aligned, unused). */
    void mmap(int ctx, long va, long length);

    /** Unmaps {@code [va, va + length)}; pages an IOAS pinned stay until unpinned, like {@code pin_user_pages}. */
    void munmap(int ctx, long va, long length);

    /** Reads process memory; EFAULT if any byte is unmapped. */
    byte[] readProcess(int ctx, long va, int length);

    /** Writes process memory; EFAULT if any byte is unmapped. */
    void writeProcess(int ctx, long va, byte[] bytes);

    // ------------------------------------------------------------------ guest RAM and page tables

    /**
     * Gives the context's guest {@code size} bytes of RAM at IPA {@code ipa}, backed by fresh process memory at
     * {@code va} (what the VMM then maps into an IOAS at IOVA = IPA). Ranges must not overlap earlier ones.
     */
    void addGuestRam(int ctx, long va, long ipa, long size);

    /** Reads guest RAM by IPA; EFAULT outside the guest's RAM. */
    byte[] readGuest(int ctx, long ipa, int length);

    /** Writes guest RAM by IPA; EFAULT outside the guest's RAM. */
    void writeGuest(int ctx, long ipa, byte[] bytes);

    /**
     * Starts a VMSAv8-64 stage-1 table tree in guest RAM, as a guest kernel's io-pgtable would: table pages come
     * from {@code [poolIpa, poolIpa + poolSize)} of guest RAM; addresses in it are IPAs.
     *
     * @param granuleShift 12, 14 or 16
     * @param inputBits the VA size (T0SZ = 64 - inputBits)
     */
    Stage1Table createStage1Table(int ctx, int granuleShift, int inputBits, long poolIpa, long poolSize);

    /**
     * Maps {@code [iova, iova + size)} to IPA {@code ipa} with {@code prot} letters: {@code r} read, {@code w} write,
     * {@code x} execute, {@code u} unprivileged, {@code n} not global (nG = 1; without it the mapping is global, so
     * TLBI by ASID leaves it, as the architecture says), {@code -} nothing.
     */
    void mapStage1(int ctx, int table, long iova, long ipa, long size, String prot);

    /** Unmaps {@code [iova, iova + size)}; returns the bytes unmapped. The guest must then invalidate. */
    long unmapStage1(int ctx, int table, long iova, long size);

    /**
     * Writes a stage-1 context descriptor (64 bytes) for the table at IPA {@code cdIpa} of guest RAM, with
     * {@code asid}, and returns its eight words; the guest's vSTE then points at {@code cdIpa}.
     */
    long[] writeContextDescriptor(int ctx, int table, long cdIpa, int asid);

    /** The two words of a guest vSTE (Config = stage-1 translate, linear CD table of one CD at {@code cdIpa}). */
    long[] stage1Vste(long cdIpa);

    // ------------------------------------------------------------------ device DMA

    /** Translates one device access without moving data; the outcome says where it goes or why it stopped. */
    DmaResult translate(DmaRequest request);

    /** Runs one device transaction (a read of {@code request.length()} bytes or a write of its data). */
    DmaResult dma(DmaRequest request);

    /**
     * Runs several device transactions back to back before the CPU takes any interrupt, like a device that issues a
     * burst: faults of the whole burst reach the event queues before the handler drains them.
     */
    List<DmaResult> dmaBurst(List<DmaRequest> requests);

    /** An ATS Translation Request of the device; the completion as the SMMU returns it. */
    AtsTranslation atsTranslate(DmaRequest request);

    // ------------------------------------------------------------------ KVM

    /** {@code KVM_CREATE_VM}: a new VM, as the open VM file only its holder has; ENODEV without a KVM host. */
    KvmVmFile createVm();

    /** Closes the VM file: the VM is destroyed (its loaded vCPUs put); references taken through it keep it. */
    void destroyVm(KvmVmFile vm);

    /** {@code KVM_CREATE_VCPU}: returns the new vCPU's index. */
    int createVcpu(KvmVmFile vm);

    /** {@code vcpu_load} of vCPU {@code vcpu} on physical CPU {@code cpu}; EBUSY if either is taken. */
    void loadVcpu(KvmVmFile vm, int vcpu, int cpu);

    /** {@code vcpu_put}; EINVAL if it is not loaded. */
    void putVcpu(KvmVmFile vm, int vcpu);

    /** The guest on loaded vCPU {@code vcpu} issues a broadcast TLBI (tagged with the VM's VMID). */
    void guestTlbi(KvmVmFile vm, int vcpu, TlbiOp op);

    /** KVM issues a stage-2 or combined broadcast TLBI for the VM; false if the VM never had a VMID. */
    boolean hostTlbi(KvmVmFile vm, TlbiOp op);

    /** The VM's VMID, pins and vCPUs. */
    VmInfo vmInfo(KvmVmFile vm);

    // ------------------------------------------------------------------ hardware-level view

    /** A 32-bit register read of IOMMU instance {@code iommu} at byte {@code offset} of its MMIO frame. */
    int mmioRead32(int iommu, long offset);

    /** A 64-bit register read. */
    long mmioRead64(int iommu, long offset);

    /** A 32-bit register write (it reaches the hardware model under the driver's feet: a test bench's tool). */
    void mmioWrite32(int iommu, long offset, int value);

    /** A 64-bit register write. */
    void mmioWrite64(int iommu, long offset, long value);

    /** Reads physical memory; EFAULT where there is no RAM. */
    byte[] readPhysical(long pa, int length);

    /** The TLB lookups of IOMMU instance {@code iommu} that hit and missed since the machine started. */
    TlbStats tlbStats(int iommu);

    /**
     * The records the host driver kept from IOMMU instance {@code iommu}'s event queue (not forwarded to a guest),
     * from index {@code from} on, at most {@code max}.
     */
    List<HostEventRecord> hostEvents(int iommu, int from, int max);

    /** How many records the host driver of {@code iommu} kept so far. */
    int hostEventCount(int iommu);
}
