package org.smmuref.iommufd.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.smmuref.iommufd.KvmVmFile;
import org.smmuref.iommufd.spi.IommuInstance;
import org.smmuref.iommufd.spi.IommufdPlatform;
import org.smmuref.iommufd.spi.KvmReference;
import org.smmuref.iommufd.spi.UserMemory;

/**
 * A fixed set of IOMMU instances and one process memory: the platform of tests and of a machine without IOMMUs. It
 * has no KVM model; {@link #createVm()} issues bare VM files that only count their references.
 */
public final class SimplePlatform implements IommufdPlatform {
    private final Map<Integer, IommuInstance> instances;
    private final UserMemory memory;
    private final AtomicInteger nextVm = new AtomicInteger(1);

    /** The given instances (distinct ids) over {@code memory}. */
    public SimplePlatform(List<? extends IommuInstance> instances, UserMemory memory) {
        this.instances = instances.stream().collect(Collectors.toUnmodifiableMap(IommuInstance::id,
            Function.identity()));
        this.memory = Objects.requireNonNull(memory);
    }

    /** No IOMMU at all, over a fresh simulated address space. */
    public static SimplePlatform empty() {
        return new SimplePlatform(List.of(), new SimulatedUserMemory());
    }

    /** A new VM file of this platform (the VMM's {@code KVM_CREATE_VM}), numbered from 1. */
    public KvmVmFile createVm() {
        return new VmFile(this, nextVm.getAndIncrement());
    }

    /**
     * The references taken through {@code file} by {@link #getKvm} and not put yet.
     *
     * @throws IllegalArgumentException if this platform did not issue the file
     */
    public int kvmReferences(KvmVmFile file) {
        return own(file).orElseThrow(() -> new IllegalArgumentException(file + " is not a VM file of this platform"))
            .references.get();
    }

    @Override
    public Optional<IommuInstance> iommu(int id) {
        return Optional.ofNullable(instances.get(id));
    }

    @Override
    public UserMemory processMemory() {
        return memory;
    }

    @Override
    public Optional<KvmReference> getKvm(KvmVmFile file) {
        return own(file).filter(f -> !f.isClosed()).map(f -> {
            f.references.incrementAndGet();
            return new Reference(f);
        });
    }

    private Optional<VmFile> own(KvmVmFile file) {
        return file instanceof VmFile f && f.platform == this ? Optional.of(f) : Optional.empty();
    }

    /** A VM file issued by one {@link SimplePlatform}. */
    private static final class VmFile implements KvmVmFile {
        private final SimplePlatform platform;
        private final int number;
        private final AtomicBoolean closed = new AtomicBoolean();
        private final AtomicInteger references = new AtomicInteger();

        VmFile(SimplePlatform platform, int number) {
            this.platform = platform;
            this.number = number;
        }

        @Override
        public int vmNumber() {
            return number;
        }

        @Override
        public boolean isClosed() {
            return closed.get();
        }

        @Override
        public void close() {
            closed.set(true);
        }

        @Override
        public String toString() {
            return "kvm-vm file of vm" + number;
        }
    }

    /** One reference taken through a {@link VmFile}. */
    private static final class Reference implements KvmReference {
        private final VmFile file;
        private final AtomicBoolean put = new AtomicBoolean();

        Reference(VmFile file) {
            this.file = file;
        }

        @Override
        public KvmVmFile file() {
            return file;
        }

        @Override
        public void put() {
            if (put.compareAndSet(false, true)) {
                file.references.decrementAndGet();
            }
        }
    }
}
